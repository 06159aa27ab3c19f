//! The grants awarded, as facts for progress: each award of a program's calls that was not
//! withdrawn counts once among `awards` (`skillhub_progress::award_fact`), on the day of its
//! call's zone when it was awarded, whatever happens to the sessions of its cooperative.
//!
//! A call belongs to the program its definition names (`program`), else to the program whose id
//! is the call's own (a call built from a program, as `Call::cooperazione_digitale` builds it).

use chrono::{DateTime, Utc};
use skillhub_core::ids::Tag;
use skillhub_core::program::Program;
use skillhub_progress::{Attendance, award_fact};

use super::corrupt;
use super::definition::stored_call;
use crate::{Result, Store, read};

/// One award as read for progress.
#[derive(sqlx::FromRow)]
struct AwardRow {
    code: String,
    applicant: Option<String>,
    awarded_at: DateTime<Utc>,
}

impl Store {
    /// The facts of the grants awarded by the calls of `program` (see the module docs).
    pub async fn award_facts(&self, program: &Program) -> Result<Vec<Attendance>> {
        let calls: Vec<(String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, definition FROM grant_calls ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        let mut facts = Vec::new();
        for (id, definition) in calls {
            let call = stored_call(&id, &definition)?;
            let of_program = match &call.program {
                Some(named) => named == program.id(),
                None => id == program.id().as_str(),
            };
            if !of_program {
                continue;
            }
            let rows: Vec<AwardRow> = read!(self, |pool| {
                sqlx::query_as(
                    "SELECT a.code, a.applicant, w.awarded_at \
                     FROM grant_awards w JOIN grant_applications a ON a.id = w.application_id \
                     WHERE a.call_id = $1 AND w.withdrawn_at IS NULL ORDER BY a.id",
                )
                .bind(&id)
                .fetch_all(pool)
                .await?
            });
            for row in rows {
                let day = call
                    .zone
                    .to_local(row.awarded_at)
                    .map_err(|e| corrupt("grant_awards", e))?
                    .date();
                facts.extend(award_fact(
                    program,
                    &id,
                    &row.code,
                    row.applicant.as_deref().and_then(region_of),
                    day,
                ));
            }
        }
        Ok(facts)
    }
}

/// The region an applicant declared, for the breakdowns (none when it is not a region id).
fn region_of(applicant: &str) -> Option<Tag> {
    let value: serde_json::Value = serde_json::from_str(applicant).ok()?;
    Tag::parse(value.get("region")?.as_str()?).ok()
}
