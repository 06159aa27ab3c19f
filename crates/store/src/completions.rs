//! Completions of online courses (migration `0016`): what `skillhub_import::completions` read
//! from an e-learning platform, kept per program, and the facts progress counts from them.
//!
//! A completion is one row per (program, person, course): importing the same export again adds
//! nothing, and an import says how many rows were new and how many already known. The person
//! is their address's key as registrations keep it (`email_key`) and counts by its SHA-256
//! (`person_key`), exactly the key [`Store::attendance`] gives an attended registration, so
//! someone who attends in a classroom and completes a course online counts once for a target
//! above both. One transaction per import (all or nothing), audited by program without
//! personal data. Erasure ([`Store::erase_person`]) empties the address and keeps the hashed
//! key, so the funders' counts do not change.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use skillhub_core::capacity::SeatKind;
use skillhub_core::partner::FiscalCode;
use skillhub_core::person::{Attributes, Country, OrganisationType};
use skillhub_core::program::Program;
use skillhub_import::completions::{Completions, Skip};
use skillhub_progress::{Attendance, facts_of};

use crate::audit::audit;
use crate::{Error, Result, Store, hash_token, read, write_tx};

/// What an import of completions did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompletionImport {
    /// Records read (rows or statements), skipped ones included.
    pub read: usize,
    /// Completions written now.
    pub new: usize,
    /// Completions already held (the same person and course, from this or an earlier file).
    pub known: usize,
    /// Records skipped, by reason.
    pub skipped: BTreeMap<Skip, usize>,
}

/// One completion as held about a person (their data export).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeldCompletion {
    /// The program it counts for.
    pub program_id: String,
    /// The course.
    pub course: String,
    /// The day it was completed.
    pub completed_on: NaiveDate,
    /// `moodle` or `xapi`.
    pub source: String,
    /// The country it counts in.
    pub country: String,
    /// The kind of organisation declared with it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_type: Option<String>,
    /// That organisation's partita IVA or codice fiscale, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_code: Option<String>,
    /// When it was imported.
    pub imported_at: DateTime<Utc>,
}

/// A completion as progress reads it.
#[derive(sqlx::FromRow)]
struct FactRow {
    id: i64,
    person_key: String,
    completed_on: NaiveDate,
    country: String,
    organisation_type: Option<String>,
    organisation_code: Option<String>,
}

/// A completion as a person's data export reads it.
#[derive(sqlx::FromRow)]
struct HeldRow {
    program_id: String,
    course: String,
    completed_on: NaiveDate,
    source: String,
    country: String,
    organisation_type: Option<String>,
    organisation_code: Option<String>,
    imported_at: DateTime<Utc>,
}

/// How an organisation type is stored: its serde name (`sme`, `cooperative` …).
fn type_name(kind: OrganisationType) -> Option<String> {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

impl Store {
    /// Writes the completions `read` from a file into `program`, in one transaction: each is
    /// new, or already known (the same person and course: nothing is written for it). Audited
    /// under `actor` by program and counts only. [`Error::UnknownProgram`] when the store does
    /// not hold the program.
    pub async fn import_completions(
        &self,
        actor: &str,
        program: &Program,
        read: &Completions,
        now: DateTime<Utc>,
    ) -> Result<CompletionImport> {
        let id = program.id().as_str();
        let source = read.source.as_str();
        write_tx!(self, |tx, _lock| {
            let known: Option<String> = sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(Error::UnknownProgram(id.to_owned()));
            }
            let mut new = 0usize;
            for completion in &read.completions {
                let email = completion.learner.email();
                let written = sqlx::query(
                    "INSERT INTO completions (program_id, email, email_key, person_key, course, \
                     completed_on, source, country, organisation_type, organisation_code, imported_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                     ON CONFLICT (program_id, person_key, course) DO NOTHING",
                )
                .bind(id)
                .bind(email.map(|e| e.as_str().to_owned()))
                .bind(email.map(skillhub_core::person::Email::key))
                .bind(hash_token(&completion.learner.key()))
                .bind(&completion.course)
                .bind(completion.completed_on)
                .bind(source)
                .bind(completion.country.as_str())
                .bind(completion.organisation_type.and_then(type_name))
                .bind(completion.organisation_code.as_ref().map(FiscalCode::as_str))
                .bind(now)
                .execute(&mut *tx)
                .await?;
                new += usize::try_from(written.rows_affected()).unwrap_or(0);
            }
            let outcome = CompletionImport {
                read: read.read,
                new,
                known: read.completions.len() - new,
                skipped: read.skipped.clone(),
            };
            let summary = serde_json::json!({
                "source": source,
                "read": outcome.read,
                "new": outcome.new,
                "known": outcome.known,
                "skipped": read.skipped_total(),
            });
            audit!(
                tx,
                now,
                actor,
                "completions.import",
                "program",
                id,
                None::<String>,
                Some(summary.to_string())
            )?;
            Ok::<CompletionImport, Error>(outcome)
        })
    }

    /// The facts of a program's completions, for `skillhub_progress::progress`: each is the
    /// person online (`skillhub_progress::facts_of` with an online seat, at no hub) on the day
    /// of the completion, keyed like an attended registration, and its organisation when a kind
    /// and a code were given.
    pub async fn completion_facts(&self, program: &Program) -> Result<Vec<Attendance>> {
        let rows: Vec<FactRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, person_key, completed_on, country, organisation_type, \
                 organisation_code FROM completions WHERE program_id = $1 ORDER BY id",
            )
            .bind(program.id().as_str())
            .fetch_all(pool)
            .await?
        });
        let mut facts = Vec::with_capacity(rows.len());
        for row in rows {
            let corrupt = |message: String| Error::Corrupt {
                table: "completions",
                message: format!("{}: {message}", row.id),
            };
            let attributes = Attributes {
                country: Some(Country::parse(&row.country).map_err(|e| corrupt(e.to_string()))?),
                organisation_type: row
                    .organisation_type
                    .as_deref()
                    .map(|t| {
                        serde_json::from_value(serde_json::Value::String(t.to_owned()))
                            .map_err(|e| corrupt(e.to_string()))
                    })
                    .transpose()?,
                organisation_code: row
                    .organisation_code
                    .as_deref()
                    .map(|c| FiscalCode::parse(c).map_err(|e| corrupt(e.to_string())))
                    .transpose()?,
                ..Attributes::default()
            };
            facts.extend(facts_of(
                program,
                &row.person_key,
                &attributes,
                SeatKind::Online,
                None,
                row.completed_on,
            ));
        }
        Ok(facts)
    }

    /// The completions held about an address's key, oldest first (its data export).
    pub(crate) async fn completions_of(&self, key: &str) -> Result<Vec<HeldCompletion>> {
        let rows: Vec<HeldRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT program_id, course, completed_on, source, country, organisation_type, \
                 organisation_code, imported_at FROM completions WHERE email_key = $1 ORDER BY id",
            )
            .bind(key)
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|row| HeldCompletion {
                program_id: row.program_id,
                course: row.course,
                completed_on: row.completed_on,
                source: row.source,
                country: row.country,
                organisation_type: row.organisation_type,
                organisation_code: row.organisation_code,
                imported_at: row.imported_at,
            })
            .collect())
    }
}

/// Erases the address of every completion of the address's key `$key` inside the caller's write
/// transaction `$tx`, keeping the hashed key they count by, and audits each by id under
/// `$actor`; evaluates to `Result<Vec<i64>>`, the completions erased. A macro, like `audit!`, so
/// it is expanded for whichever backend's transaction it is given.
macro_rules! forget_completions {
    ($tx:ident, $key:expr, $actor:expr, $now:expr) => {
        async {
            let ids: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM completions WHERE email_key = $1 ORDER BY id")
                    .bind($key)
                    .fetch_all(&mut *$tx)
                    .await?;
            sqlx::query(
                "UPDATE completions SET email = NULL, email_key = NULL WHERE email_key = $1",
            )
            .bind($key)
            .execute(&mut *$tx)
            .await?;
            for id in &ids {
                $crate::audit::audit!(
                    $tx,
                    $now,
                    $actor,
                    "completion.erase",
                    "completion",
                    &id.to_string(),
                    None::<String>,
                    None::<String>
                )?;
            }
            Ok::<Vec<i64>, Error>(ids)
        }
        .await
    };
}
pub(crate) use forget_completions;
