//! Progress reports kept for a while, so that a public route read by a whole country does not
//! read every attendance of a program on every request.
//!
//! Per program, the attendance facts read from the store and the reports made from them (by day)
//! are kept for [`crate::ServerConfig::progress_max_age`]. Each program has its own slot and
//! lock: requests arriving together for a cold program wait for one read of the store instead of
//! each doing it (single flight), while other programs are served meanwhile. The map of slots is
//! locked only to find one; a report is computed outside every lock, and at most
//! [`DAYS_KEPT`] are kept per program, so a client asking for every day of the year costs CPU
//! but neither memory nor other programs' answers. This process forgets a program as soon as it
//! records a presence there, and forgets everything when it erases a person; changes made by
//! another process (or the CLI) show within the maximum age.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use skillhub_core::ids::HubId;
use skillhub_core::program::Program;
use skillhub_progress::{Attendance, ProgressReport, progress};
use skillhub_store::Store;

use crate::problem::{ApiError, ApiResult};

/// Reports kept per program at most: a client asking for every day of the year keeps the
/// memory bounded (the report made longest ago is dropped first).
const DAYS_KEPT: usize = 32;

/// The cache: see the module's documentation.
pub(crate) struct ProgressCache {
    max_age: Duration,
    /// Locked only to find or add a slot, never across an await.
    programs: Mutex<HashMap<String, Arc<Slot>>>,
}

/// One program's facts and reports.
#[derive(Default)]
struct Slot {
    /// The facts and when they were read. Held while they are read from the store, so
    /// concurrent cold requests for this program share one read.
    facts: tokio::sync::Mutex<Option<Facts>>,
    /// Reports made from the facts read at `Reports::read_at`. Held only to look up or insert.
    reports: Mutex<Reports>,
}

#[derive(Clone)]
struct Facts {
    read_at: Instant,
    facts: Arc<Vec<Attendance>>,
}

#[derive(Default)]
struct Reports {
    /// The facts these reports were made from.
    read_at: Option<Instant>,
    days: BTreeMap<NaiveDate, (Instant, Arc<ProgressReport>)>,
}

impl Reports {
    fn get(&self, read_at: Instant, on: NaiveDate) -> Option<Arc<ProgressReport>> {
        if self.read_at != Some(read_at) {
            return None;
        }
        self.days.get(&on).map(|(_, report)| Arc::clone(report))
    }

    fn insert(&mut self, read_at: Instant, on: NaiveDate, report: Arc<ProgressReport>) {
        match self.read_at {
            // Made from older facts than those kept: not worth keeping.
            Some(kept) if kept > read_at => return,
            Some(kept) if kept == read_at => {}
            _ => {
                self.read_at = Some(read_at);
                self.days.clear();
            }
        }
        if self.days.len() >= DAYS_KEPT && !self.days.contains_key(&on) {
            let oldest = self
                .days
                .iter()
                .min_by_key(|(_, (made, _))| *made)
                .map(|(day, _)| *day);
            if let Some(day) = oldest {
                self.days.remove(&day);
            }
        }
        self.days.insert(on, (Instant::now(), report));
    }
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
        let load = || async { Ok(store.attendance(program).await?) };
        self.report_with(program, on, load).await
    }

    /// The program's progress on `on` counting only the sessions at `hubs` (a partner's), read
    /// from the store each time: a filtered report is asked for rarely, and is not kept.
    pub(crate) async fn report_at(
        &self,
        store: &Store,
        program: &Arc<Program>,
        hubs: &[HubId],
        on: NaiveDate,
    ) -> ApiResult<Arc<ProgressReport>> {
        let facts = store.attendance_at(program, hubs).await?;
        let program = Arc::clone(program);
        let report = tokio::task::spawn_blocking(move || progress(&program, &facts, on))
            .await
            .map_err(ApiError::internal)?;
        Ok(Arc::new(report))
    }

    /// [`ProgressCache::report`] with the facts read by `load` on a miss.
    async fn report_with<F, Fut>(
        &self,
        program: &Arc<Program>,
        on: NaiveDate,
        load: F,
    ) -> ApiResult<Arc<ProgressReport>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Vec<Attendance>>>,
    {
        let slot = self.slot(program.id().as_str());
        let facts = self.facts_of(&slot, load).await?;
        if let Some(report) = lock(&slot.reports).get(facts.read_at, on) {
            return Ok(report);
        }
        // Counting hundreds of thousands of facts takes a while: off the request threads, and
        // outside every lock.
        let (counted, program) = (Arc::clone(&facts.facts), Arc::clone(program));
        let report = tokio::task::spawn_blocking(move || progress(&program, &counted, on))
            .await
            .map_err(ApiError::internal)?;
        let report = Arc::new(report);
        lock(&slot.reports).insert(facts.read_at, on, Arc::clone(&report));
        Ok(report)
    }

    /// The program's attendance facts, from the cache or else from the store: what the public
    /// funder's report counts, shared with the progress reports.
    pub(crate) async fn facts(
        &self,
        store: &Store,
        program: &Arc<Program>,
    ) -> ApiResult<Arc<Vec<Attendance>>> {
        let slot = self.slot(program.id().as_str());
        let load = || async { Ok(store.attendance(program).await?) };
        Ok(self.facts_of(&slot, load).await?.facts)
    }

    /// The slot's facts if fresh, else read by `load` (one read for concurrent requests).
    async fn facts_of<F, Fut>(&self, slot: &Slot, load: F) -> ApiResult<Facts>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ApiResult<Vec<Attendance>>>,
    {
        let mut kept = slot.facts.lock().await;
        Ok(match &*kept {
            Some(fresh) if fresh.read_at.elapsed() < self.max_age => fresh.clone(),
            _ => {
                let facts = Facts {
                    facts: Arc::new(load().await?),
                    read_at: Instant::now(),
                };
                *kept = Some(facts.clone());
                facts
            }
        })
    }

    /// The slot of `program`, made if missing.
    fn slot(&self, program: &str) -> Arc<Slot> {
        let mut programs = lock(&self.programs);
        Arc::clone(programs.entry(program.to_owned()).or_default())
    }

    /// Forgets one program (a presence was recorded there). Waits for a read in flight, so a
    /// read that began before the change is never kept after it.
    pub(crate) async fn forget(&self, program: &str) {
        let slot = lock(&self.programs).remove(program);
        if let Some(slot) = slot {
            slot.clear().await;
        }
    }

    /// Forgets every program (a person was erased: their facts change wherever they attended).
    pub(crate) async fn forget_all(&self) {
        let slots: Vec<Arc<Slot>> = lock(&self.programs).drain().map(|(_, s)| s).collect();
        for slot in slots {
            slot.clear().await;
        }
    }
}

impl Slot {
    /// Drops the facts and reports, after a read in flight (requests that still hold this slot
    /// read again).
    async fn clear(&self) {
        let mut facts = self.facts.lock().await;
        *facts = None;
        *lock(&self.reports) = Reports::default();
    }
}

/// Every update replaces whole entries, so a poisoned lock still holds a usable value.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use skillhub_core::fixture::Catalog;

    use super::*;

    fn programs() -> (Arc<Program>, Arc<Program>) {
        let catalog = Catalog::seeds().unwrap();
        let [a, b, ..] = catalog.programs() else {
            panic!("the seeds have at least two programs");
        };
        (Arc::new(a.clone()), Arc::new(b.clone()))
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, 1, 1).unwrap() + chrono::Days::new(u64::from(n))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cold_read_of_one_program_does_not_block_another() {
        let cache = Arc::new(ProgressCache::new(Duration::from_secs(60)));
        let (a, b) = programs();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let (cache, a) = (Arc::clone(&cache), Arc::clone(&a));
            tokio::spawn(async move {
                cache
                    .report_with(&a, day(30), || async {
                        let _ = released.await;
                        Ok(Vec::new())
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        // Program A's read is in flight; B answers at once.
        let fast = tokio::time::timeout(
            Duration::from_secs(2),
            cache.report_with(&b, day(30), || async { Ok(Vec::new()) }),
        )
        .await
        .expect("program B is not held up by program A's read");
        assert_eq!(fast.unwrap().program.as_str(), b.id().as_str());
        assert!(!slow.is_finished());
        release.send(()).unwrap();
        assert_eq!(
            slow.await.unwrap().unwrap().program.as_str(),
            a.id().as_str()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cold_requests_of_one_program_share_one_read() {
        let cache = Arc::new(ProgressCache::new(Duration::from_secs(60)));
        let (a, _) = programs();
        let reads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for n in 0..8 {
            let (cache, a, reads) = (Arc::clone(&cache), Arc::clone(&a), Arc::clone(&reads));
            tasks.push(tokio::spawn(async move {
                cache
                    .report_with(&a, day(n), || async move {
                        reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        Ok(Vec::new())
                    })
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn many_days_keep_a_bounded_number_of_reports() {
        let cache = ProgressCache::new(Duration::from_secs(60));
        let (a, _) = programs();
        for n in 0..100 {
            cache
                .report_with(&a, day(n), || async { Ok(Vec::new()) })
                .await
                .unwrap();
        }
        let slot = cache.slot(a.id().as_str());
        let kept = lock(&slot.reports).days.len();
        assert_eq!(kept, DAYS_KEPT);
        // The latest day is among them, and forgetting the program drops them all.
        assert!(lock(&slot.reports).days.contains_key(&day(99)));
        cache.forget(a.id().as_str()).await;
        assert!(lock(&slot.reports).days.is_empty());
    }
}
