//! Programs as data: creating or replacing a program from its definition (TOML or JSON), with
//! versions and a plan of what changes (migration `0013`).
//!
//! [`Store::put_program`] is the one use case behind `skillhub programs load`, `POST` and `PUT
//! /v1/programs` and the back office: core validates the text and says what changed
//! ([`skillhub_core::revision::changes`] against the current version), then one transaction
//! upserts the hubs, inserts the file's sessions that do not exist yet, bumps the version, stores
//! the version row and the audit line, all or nothing. Published sessions are live data: a
//! definition never changes or deletes one, and a hub that still has sessions (or staff scoped
//! to it) cannot be removed. A dry run plans in the same transaction and writes nothing.

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillhub_core::capacity::Policy;
use skillhub_core::definition::{self, Format};
use skillhub_core::fixture::ProgramError;
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::program::Program;
use skillhub_core::revision::{self, Change, Sentence};

use crate::catalog::{INSERT_SESSION, SessionInsert, hold_minutes, loaded_at, parse_stored};
use crate::{Error, Result, Store, read, write_tx};

/// Whether [`Store::put_program`] creates a program, replaces one, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutMode {
    /// A new program: refused when its id exists ([`ProgramRefusal::Exists`]).
    Create,
    /// A new version of a stored program: refused when its id does not exist
    /// ([`ProgramRefusal::Missing`]).
    Replace,
    /// Whichever the id calls for (`skillhub programs load`).
    CreateOrReplace,
}

/// Whether [`Store::put_program`] writes or only plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// Plan only: the answer says what would change, nothing is written.
    DryRun,
    /// Plan and write, all or nothing.
    Write,
}

/// A program's definition to store, and who gives it.
#[derive(Debug, Clone, Copy)]
pub struct PutProgram<'a> {
    /// The text, as given (kept as the version's definition).
    pub text: &'a str,
    /// How it is written.
    pub format: Format,
    /// Create, replace, or either.
    pub mode: PutMode,
    /// Write, or only plan.
    pub run: Run,
    /// Who: `admin`, `admin-token`, `staff:ID`, `cli`.
    pub actor: &'a str,
}

/// What storing a definition does (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgramPlan {
    /// The program.
    pub program_id: ProgramId,
    /// Whether the program is new.
    pub created: bool,
    /// The version it was at (none for a new program).
    pub previous_version: Option<i64>,
    /// The version it is at after the write (for a new program, 1).
    pub version: i64,
    /// What changes from the current version, in the order of the program's fields (empty for
    /// a new program).
    pub changes: Vec<Change>,
    /// The sessions of the definition that are not stored yet and are published now.
    pub sessions_added: Vec<SessionId>,
    /// Whether it was written (false for a dry run).
    pub written: bool,
}

impl ProgramPlan {
    /// The note to show when a change of eligibility or priority applies to registrations made
    /// after it only ([`revision::new_registrations_only`]).
    pub fn rule_note(&self) -> Option<Sentence> {
        self.changes
            .iter()
            .any(Change::applies_to_new_registrations_only)
            .then(revision::new_registrations_only)
    }
}

/// A hub that a definition leaves out while something still uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubInUse {
    /// The hub.
    pub hub: HubId,
    /// Its sessions (all of them, cancelled ones too: they keep their registrations).
    pub sessions: Vec<String>,
    /// How many staff accounts are scoped to it.
    pub staff: i64,
}

/// Why a program's definition was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramRefusal {
    /// The text does not parse or breaks rules: every problem, with its JSON pointer (or its
    /// line and column for a syntax error).
    #[error("{0}")]
    Invalid(ProgramError),
    /// A create for an id that exists.
    #[error("a program with id {0:?} exists already: replace it instead")]
    Exists(String),
    /// A replace of an id that does not exist.
    #[error("no program has id {0:?}: create it instead")]
    Missing(String),
    /// Hubs the definition leaves out still have sessions or staff.
    #[error("{}", in_use_text(.0))]
    HubsInUse(Vec<HubInUse>),
    /// A hub id of the definition belongs to another program (hub ids are unique across
    /// programs).
    #[error("hub {hub:?} belongs to program {program:?}: hub ids are unique across programs")]
    HubOfAnotherProgram {
        /// The hub.
        hub: String,
        /// The program that has it.
        program: String,
    },
    /// A session id of the definition belongs to another program.
    #[error("session {session:?} belongs to program {program:?}")]
    SessionOfAnotherProgram {
        /// The session.
        session: String,
        /// The program that has it.
        program: String,
    },
}

fn in_use_text(hubs: &[HubInUse]) -> String {
    hubs.iter()
        .map(|h| {
            let mut text = format!("hub {:?} cannot be removed", h.hub.as_str());
            if !h.sessions.is_empty() {
                text.push_str(&format!(": it has sessions {}", h.sessions.join(", ")));
            }
            if h.staff > 0 {
                text.push_str(&format!(
                    "{} {} staff account(s) are scoped to it",
                    if h.sessions.is_empty() { ":" } else { ";" },
                    h.staff
                ));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl From<ProgramRefusal> for Error {
    fn from(refusal: ProgramRefusal) -> Error {
        Error::Program(refusal)
    }
}

/// One version of a program, as its history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgramVersion {
    /// 1, 2, …
    pub version: i64,
    /// How its definition is written.
    pub format: Format,
    /// Who stored it (`seed` for the programs a new database starts with).
    pub actor: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// A short Italian summary of what it changed.
    pub summary: String,
    /// What it changed, in Italian and English.
    pub changes: Vec<ChangeText>,
}

/// A change as a version stores it: its kind and its sentences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChangeText {
    /// The kind ([`Change::kind`]).
    pub kind: String,
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
}

impl From<&Change> for ChangeText {
    fn from(change: &Change) -> ChangeText {
        let sentence = change.sentence();
        ChangeText {
            kind: change.kind().to_owned(),
            it: sentence.it,
            en: sentence.en,
        }
    }
}

/// A stored program: its current version and the definition it was built from.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredProgram {
    /// The program, validated by core (its sessions are those of the definition).
    pub program: Program,
    /// Its current version.
    pub version: i64,
    /// How the definition is written.
    pub format: Format,
    /// The definition, as given.
    pub definition: String,
}

/// A hub's row: what sessions and staff scopes refer to, kept in step with the program's
/// definition by [`Store::put_program`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct StoredHub {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// IANA zone.
    pub zone: String,
    /// Address on one line.
    pub address: String,
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    format: String,
    actor: String,
    created_at: DateTime<Utc>,
    summary: String,
    changes: String,
}

#[derive(sqlx::FromRow)]
struct VersionDefinitionRow {
    #[sqlx(flatten)]
    line: VersionRow,
    definition: String,
}

impl VersionRow {
    fn parse(self, program: &str) -> Result<ProgramVersion> {
        let corrupt = |message: String| Error::Corrupt {
            table: "program_versions",
            message: format!("{program} v{}: {message}", self.version),
        };
        Ok(ProgramVersion {
            version: self.version,
            format: Format::parse(&self.format)
                .ok_or_else(|| corrupt(format!("unknown format {:?}", self.format)))?,
            changes: serde_json::from_str(&self.changes).map_err(|e| corrupt(e.to_string()))?,
            actor: self.actor,
            created_at: self.created_at,
            summary: self.summary,
        })
    }
}

fn stored(id: &str, version: i64, format: &str, definition: String) -> Result<StoredProgram> {
    Ok(StoredProgram {
        program: parse_stored(id, format, &definition)?,
        version,
        // `parse_stored` refused any other name.
        format: Format::parse(format).unwrap_or(Format::Toml),
        definition,
    })
}

/// The program row, locked until the transaction ends (SQLite: `BEGIN IMMEDIATE` holds it).
const LOCK_PROGRAM_SQLITE: &str = "SELECT version, format, definition FROM programs WHERE id = $1";
const LOCK_PROGRAM_POSTGRES: &str =
    "SELECT version, format, definition FROM programs WHERE id = $1 FOR UPDATE";

impl Store {
    /// Creates or replaces a program from its definition: validated by core, compared with the
    /// current version, then (unless [`Run::DryRun`]) written in one transaction, all or
    /// nothing. See the module docs for what is never changed.
    ///
    /// Refusals are [`Error::Program`]: the text's problems ([`ProgramRefusal::Invalid`]),
    /// a create of an existing id, a replace of a missing one, hubs left out that still have
    /// sessions, ids of another program's hubs or sessions.
    pub async fn put_program(&self, put: PutProgram<'_>) -> Result<ProgramPlan> {
        let program = definition::parse(put.format, put.text).map_err(ProgramRefusal::Invalid)?;
        let id = program.id().to_string();
        let now = loaded_at();
        let changes_of = |old: Option<&Program>| {
            old.map_or_else(Vec::new, |old| revision::changes(old, &program))
        };
        write_tx!(
            self,
            LOCK_PROGRAM_SQLITE,
            LOCK_PROGRAM_POSTGRES,
            |tx, lock| {
                if self.kind() == crate::BackendKind::Postgres && put.mode != PutMode::Replace {
                    // Two creates of one id: the second waits here and then sees the first.
                    sqlx::query("LOCK TABLE programs IN SHARE ROW EXCLUSIVE MODE")
                        .execute(&mut *tx)
                        .await?;
                }
                let current: Option<(i64, String, String)> = sqlx::query_as(lock)
                    .bind(&id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let old = match (&current, put.mode) {
                    (Some(_), PutMode::Create) => {
                        return Err(ProgramRefusal::Exists(id.clone()).into());
                    }
                    (None, PutMode::Replace) => {
                        return Err(ProgramRefusal::Missing(id.clone()).into());
                    }
                    (Some((_, format, text)), _) => Some(parse_stored(&id, format, text)?),
                    (None, _) => None,
                };
                let previous_version = current.as_ref().map(|(v, _, _)| *v);
                let version = previous_version.map_or(1, |v| v + 1);

                // Hubs: the definition's must be this program's or new; the ones it leaves
                // out must be unused.
                for hub in program.hubs() {
                    let owner: Option<String> =
                        sqlx::query_scalar("SELECT program_id FROM hubs WHERE id = $1")
                            .bind(hub.id.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                    if let Some(owner) = owner.filter(|owner| owner != &id) {
                        return Err(ProgramRefusal::HubOfAnotherProgram {
                            hub: hub.id.to_string(),
                            program: owner,
                        }
                        .into());
                    }
                }
                let stored_hubs: Vec<String> =
                    sqlx::query_scalar("SELECT id FROM hubs WHERE program_id = $1 ORDER BY id")
                        .bind(&id)
                        .fetch_all(&mut *tx)
                        .await?;
                let dropped: Vec<String> = stored_hubs
                    .into_iter()
                    .filter(|h| program.hubs().iter().all(|kept| kept.id.as_str() != h))
                    .collect();
                let mut in_use = Vec::new();
                for hub in &dropped {
                    let sessions: Vec<String> = sqlx::query_scalar(
                        "SELECT id FROM sessions WHERE hub_id = $1 ORDER BY starts_at, id",
                    )
                    .bind(hub)
                    .fetch_all(&mut *tx)
                    .await?;
                    let staff: i64 =
                        sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE hub_id = $1")
                            .bind(hub)
                            .fetch_one(&mut *tx)
                            .await?;
                    if !sessions.is_empty() || staff > 0 {
                        in_use.push(HubInUse {
                            hub: hub.parse().map_err(|e: skillhub_core::ids::IdError| {
                                Error::Corrupt {
                                    table: "hubs",
                                    message: e.to_string(),
                                }
                            })?,
                            sessions,
                            staff,
                        });
                    }
                }
                if !in_use.is_empty() {
                    return Err(ProgramRefusal::HubsInUse(in_use).into());
                }

                // Sessions: the definition's that are not stored yet are published now.
                let mut added = Vec::new();
                for session in program.sessions() {
                    let owner: Option<String> =
                        sqlx::query_scalar("SELECT program_id FROM sessions WHERE id = $1")
                            .bind(session.id().as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                    match owner {
                        None => added.push(session),
                        Some(owner) if owner != id => {
                            return Err(ProgramRefusal::SessionOfAnotherProgram {
                                session: session.id().to_string(),
                                program: owner,
                            }
                            .into());
                        }
                        Some(_) => {}
                    }
                }
                let mut changes = changes_of(old.as_ref());
                // A session the old definition lacked but the store has (created by staff)
                // is not published again.
                changes.retain(|c| match c {
                    Change::SessionAdded { id, .. } => added.iter().any(|s| s.id() == id),
                    _ => true,
                });
                let plan = ProgramPlan {
                    program_id: program.id().clone(),
                    created: old.is_none(),
                    previous_version,
                    version,
                    changes,
                    sessions_added: added.iter().map(|s| s.id().clone()).collect(),
                    written: put.run == Run::Write,
                };
                if put.run == Run::DryRun {
                    return Ok(plan);
                }

                if old.is_none() {
                    sqlx::query(
                        "INSERT INTO programs (id, name, definition, loaded_at, hold_minutes, \
                         hold_minutes_read, version, format) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&id)
                    .bind(program.name())
                    .bind(put.text)
                    .bind(now)
                    .bind(hold_minutes(&program))
                    .bind(true)
                    .bind(version)
                    .bind(put.format.as_str())
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "UPDATE programs SET name = $2, definition = $3, loaded_at = $4, \
                         hold_minutes = $5, hold_minutes_read = $6, version = $7, format = $8 \
                         WHERE id = $1",
                    )
                    .bind(&id)
                    .bind(program.name())
                    .bind(put.text)
                    .bind(now)
                    .bind(hold_minutes(&program))
                    .bind(true)
                    .bind(version)
                    .bind(put.format.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                for hub in &dropped {
                    sqlx::query("DELETE FROM hubs WHERE id = $1")
                        .bind(hub)
                        .execute(&mut *tx)
                        .await?;
                }
                for hub in program.hubs() {
                    sqlx::query(
                        "INSERT INTO hubs (id, program_id, name, zone, address) \
                         VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                         zone = excluded.zone, address = excluded.address",
                    )
                    .bind(hub.id.as_str())
                    .bind(&id)
                    .bind(&hub.name)
                    .bind(hub.zone.name())
                    .bind(hub.address.one_line())
                    .execute(&mut *tx)
                    .await?;
                }
                for session in &added {
                    let row = SessionInsert::new(session);
                    row.bind_to(sqlx::query(INSERT_SESSION), Policy::FirstCome)
                        .execute(&mut *tx)
                        .await?;
                }
                let texts: Vec<ChangeText> = plan.changes.iter().map(ChangeText::from).collect();
                let summary = if old.is_none() {
                    "Prima versione.".to_owned()
                } else {
                    revision::summary_it(&plan.changes)
                };
                sqlx::query(
                    "INSERT INTO program_versions (program_id, version, format, definition, \
                     actor, created_at, summary, changes) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(version)
                .bind(put.format.as_str())
                .bind(put.text)
                .bind(put.actor)
                .bind(now)
                .bind(&summary)
                .bind(serde_json::to_string(&texts).map_err(|e| Error::Corrupt {
                    table: "program_versions",
                    message: e.to_string(),
                })?)
                .execute(&mut *tx)
                .await?;
                let kinds: Vec<&str> = plan.changes.iter().map(Change::kind).collect();
                crate::audit::audit!(
                    tx,
                    now,
                    put.actor,
                    if old.is_none() {
                        "program.create"
                    } else {
                        "program.update"
                    },
                    "program",
                    &id,
                    previous_version.map(|v| serde_json::json!({ "version": v }).to_string()),
                    Some(
                        serde_json::json!({
                            "version": version,
                            "format": put.format.as_str(),
                            "changes": kinds,
                            "sessions_added": plan.sessions_added,
                        })
                        .to_string()
                    )
                )?;
                Ok(plan)
            }
        )
    }

    /// A stored program with its current version and definition.
    pub async fn stored_program(&self, id: &str) -> Result<Option<StoredProgram>> {
        let row: Option<(i64, String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT version, format, definition FROM programs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(version, format, definition)| stored(id, version, &format, definition))
            .transpose()
    }

    /// Every stored program with its current version, in id order.
    pub async fn stored_programs(&self) -> Result<Vec<StoredProgram>> {
        let rows: Vec<(String, i64, String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, version, format, definition FROM programs ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, version, format, definition)| stored(&id, version, &format, definition))
            .collect()
    }

    /// A program's hubs as stored (what sessions and staff scopes refer to), in id order.
    pub async fn program_hubs(&self, id: &str) -> Result<Vec<StoredHub>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, name, zone, address FROM hubs WHERE program_id = $1 ORDER BY id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// A program's versions, newest first (empty for an unknown program).
    pub async fn program_history(&self, id: &str) -> Result<Vec<ProgramVersion>> {
        let rows: Vec<VersionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT version, format, actor, created_at, summary, changes \
                 FROM program_versions WHERE program_id = $1 ORDER BY version DESC",
            )
            .bind(id)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(|row| row.parse(id)).collect()
    }

    /// Version `version` of a program: its history line and its definition as given.
    pub async fn program_version(
        &self,
        id: &str,
        version: i64,
    ) -> Result<Option<(ProgramVersion, String)>> {
        let row: Option<VersionDefinitionRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT version, format, actor, created_at, summary, changes, definition \
                 FROM program_versions WHERE program_id = $1 AND version = $2",
            )
            .bind(id)
            .bind(version)
            .fetch_optional(pool)
            .await?
        });
        row.map(|row| Ok((row.line.parse(id)?, row.definition)))
            .transpose()
    }
}
