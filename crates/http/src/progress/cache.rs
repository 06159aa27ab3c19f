//! Progress reports kept for a while, so that a public route read by a whole country does not
//! read every attendance of a program on every request.
//!
//! Per program, the attendance facts read from the store and the reports made from them (by day)
//! are kept for [`crate::ServerConfig::progress_max_age`]. One lock serialises the misses: many
//! requests arriving together for a cold program wait for one read of the store instead of each
//! doing it. This process forgets a program as soon as it records a presence there, and forgets
//! everything when it erases a person; changes made by another process (or the CLI) show within
//! the maximum age.

use std::collections::{BTreeMap, HashMap, hash_map};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use skillhub_core::program::Program;
use skillhub_core::progress::{Attendance, ProgressReport, progress};
use skillhub_store::Store;
use tokio::sync::Mutex;

use crate::problem::{ApiError, ApiResult};

/// Reports kept per program at most: a client asking for every day of the year keeps the
/// memory bounded (the report made longest ago is dropped first).
const DAYS_KEPT: usize = 32;

/// The cache: see the module's documentation.
pub(crate) struct ProgressCache {
    max_age: Duration,
    programs: Mutex<HashMap<String, Kept>>,
}

/// One program's facts, when they were read, and the reports made from them.
struct Kept {
    read_at: Instant,
    facts: Arc<Vec<Attendance>>,
    reports: BTreeMap<NaiveDate, (Instant, Arc<ProgressReport>)>,
}

impl ProgressCache {
    /// An empty cache whose entries live `max_age` (zero: every request reads the store).
    pub(crate) fn new(max_age: Duration) -> Self {
        ProgressCache {
            max_age,
            programs: Mutex::new(HashMap::new()),
        }
    }

    /// The program's progress on `on`, from the cache or else from the store.
    pub(crate) async fn report(
        &self,
        store: &Store,
        program: &Arc<Program>,
        on: NaiveDate,
    ) -> ApiResult<Arc<ProgressReport>> {
        let mut programs = self.programs.lock().await;
        let entry = match programs.entry(program.id().to_string()) {
            hash_map::Entry::Occupied(kept) if kept.get().read_at.elapsed() < self.max_age => {
                kept.into_mut()
            }
            stale_or_missing => {
                let facts = Arc::new(store.attendance(program).await?);
                stale_or_missing
                    .insert_entry(Kept {
                        read_at: Instant::now(),
                        facts,
                        reports: BTreeMap::new(),
                    })
                    .into_mut()
            }
        };
        if let Some((_, report)) = entry.reports.get(&on) {
            return Ok(Arc::clone(report));
        }
        // Counting hundreds of thousands of facts takes a while: off the request threads.
        let (facts, program) = (Arc::clone(&entry.facts), Arc::clone(program));
        let report = tokio::task::spawn_blocking(move || progress(&program, &facts, on))
            .await
            .map_err(ApiError::internal)?;
        let report = Arc::new(report);
        if entry.reports.len() >= DAYS_KEPT {
            let oldest = entry
                .reports
                .iter()
                .min_by_key(|(_, (made, _))| *made)
                .map(|(day, _)| *day);
            if let Some(day) = oldest {
                entry.reports.remove(&day);
            }
        }
        entry
            .reports
            .insert(on, (Instant::now(), Arc::clone(&report)));
        Ok(report)
    }

    /// Forgets one program (a presence was recorded there). Waits for a read in flight, so a
    /// read that began before the change is never kept after it.
    pub(crate) async fn forget(&self, program: &str) {
        self.programs.lock().await.remove(program);
    }

    /// Forgets every program (a person was erased: their facts change wherever they attended).
    pub(crate) async fn forget_all(&self) {
        self.programs.lock().await.clear();
    }
}
