//! Programs, hubs and sessions: loading the catalog, listing and creating sessions.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use skillhub_allocation::lottery::Commitment;
use skillhub_core::capacity::{Phase, Policy, SeatKind, Seats};
use skillhub_core::digcomp::{Level, LevelRange};
use skillhub_core::fixture::{Catalog, parse_program};
use skillhub_core::ids::{HubId, IdError, ProgramId, SessionId};
use skillhub_core::program::Program;
use skillhub_core::session::{Ambiguity, Mode, Session, SessionSpec};
use skillhub_core::settings::WindowDefaults;
use skillhub_core::tz::Zone;
use skillhub_core::window::RegistrationWindow;

use crate::{Error, Result, Store, read, write_tx};

/// A session as the store sees it: its definition and its live counts, typed (a row that no
/// longer parses is [`Error::Corrupt`] when read, never a string an adapter parses again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionView {
    /// Id.
    pub id: SessionId,
    /// Program.
    pub program_id: ProgramId,
    /// Hub, if any.
    pub hub_id: Option<HubId>,
    /// Title.
    pub title: String,
    /// Start instant.
    pub starts_at: DateTime<Utc>,
    /// End instant.
    pub ends_at: DateTime<Utc>,
    /// The zone of its local times.
    pub zone: Zone,
    /// In person, online or hybrid.
    pub mode: Mode,
    /// Lowest DigComp level, if any.
    pub level_min: Option<i64>,
    /// Highest DigComp level, if any.
    pub level_max: Option<i64>,
    /// In-person seats.
    pub seats_in_person: i64,
    /// Online seats.
    pub seats_online: i64,
    /// In-person seats given (confirmed, attended, no-show).
    pub seated_in_person: i64,
    /// Online seats given.
    pub seated_online: i64,
    /// In-person waiting list length.
    pub waiting_in_person: i64,
    /// Online waiting list length.
    pub waiting_online: i64,
    /// Seats held for people who have still to confirm their address (counted in `seated_*`).
    pub held: i64,
    /// How it gives its seats.
    pub policy: Policy,
    /// The seed of the batch draw, once it ran (64 hex digits).
    pub lottery_seed: Option<String>,
    /// When registration opens (none: since the session was created).
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes (none: at the start).
    pub registration_closes_at: Option<DateTime<Utc>>,
    /// A batch session's draw commitment, recorded while registration is open
    /// ([`Commitment`]'s text).
    pub draw_commitment: Option<String>,
    /// The public value the draw used, once it ran.
    pub draw_public_value: Option<String>,
    /// When staff cancelled it, if they did (nobody may register any more).
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Its iCalendar revision: one more each time staff moved it.
    pub revision: i64,
    /// The version of its program it was published under.
    pub program_version: i64,
}

/// A `sessions` row as the database returns it; [`SessionView`] is it parsed, once.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: String,
    program_id: String,
    hub_id: Option<String>,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    zone: String,
    mode: String,
    level_min: Option<i64>,
    level_max: Option<i64>,
    seats_in_person: i64,
    seats_online: i64,
    seated_in_person: i64,
    seated_online: i64,
    waiting_in_person: i64,
    waiting_online: i64,
    held_in_person: i64,
    held_online: i64,
    policy: String,
    lottery_seed: Option<String>,
    registration_opens_at: Option<DateTime<Utc>>,
    registration_closes_at: Option<DateTime<Utc>>,
    draw_commitment: Option<String>,
    draw_public_value: Option<String>,
    cancelled_at: Option<DateTime<Utc>>,
    revision: i64,
    program_version: i64,
}

/// Rows decode straight into the typed view: the row struct, then [`TryFrom`] (a row that does
/// not parse is a decode error naming the session).
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for SessionView
where
    SessionRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        let row = SessionRow::from_row(row)?;
        SessionView::try_from(row).map_err(|err| sqlx::Error::Decode(Box::new(err)))
    }
}

impl TryFrom<SessionRow> for SessionView {
    type Error = Error;

    fn try_from(row: SessionRow) -> Result<SessionView> {
        let corrupt = |message: String| Error::Corrupt {
            table: "sessions",
            message: format!("{}: {message}", row.id),
        };
        Ok(SessionView {
            id: row
                .id
                .parse()
                .map_err(|e: IdError| corrupt(e.to_string()))?,
            program_id: row
                .program_id
                .parse()
                .map_err(|e: IdError| corrupt(e.to_string()))?,
            hub_id: row
                .hub_id
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: IdError| corrupt(e.to_string()))?,
            zone: Zone::parse(&row.zone).map_err(|e| corrupt(e.to_string()))?,
            mode: Mode::parse(&row.mode)
                .ok_or_else(|| corrupt(format!("unknown mode {:?}", row.mode)))?,
            policy: Policy::parse(&row.policy)
                .ok_or_else(|| corrupt(format!("unknown policy {:?}", row.policy)))?,
            title: row.title,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            level_min: row.level_min,
            level_max: row.level_max,
            seats_in_person: row.seats_in_person,
            seats_online: row.seats_online,
            seated_in_person: row.seated_in_person,
            seated_online: row.seated_online,
            waiting_in_person: row.waiting_in_person,
            waiting_online: row.waiting_online,
            held: row.held_in_person + row.held_online,
            lottery_seed: row.lottery_seed,
            registration_opens_at: row.registration_opens_at,
            registration_closes_at: row.registration_closes_at,
            draw_commitment: row.draw_commitment,
            draw_public_value: row.draw_public_value,
            cancelled_at: row.cancelled_at,
            revision: row.revision,
            program_version: row.program_version,
        })
    }
}

impl SessionView {
    /// All seats.
    pub fn capacity(&self) -> i64 {
        self.seats_in_person + self.seats_online
    }
    /// Seats given.
    pub fn confirmed(&self) -> i64 {
        self.seated_in_person + self.seated_online
    }
    /// People waiting.
    pub fn waitlisted(&self) -> i64 {
        self.waiting_in_person + self.waiting_online
    }
    /// Seats still free (never negative, even after seats were lowered).
    pub fn seats_left(&self) -> i64 {
        (self.seats_in_person - self.seated_in_person).max(0)
            + (self.seats_online - self.seated_online).max(0)
    }
    /// When the session takes registrations (validated when it was created).
    pub fn window(&self) -> Result<RegistrationWindow> {
        RegistrationWindow::new(
            self.registration_opens_at,
            self.registration_closes_at,
            self.starts_at,
        )
        .map_err(|err| Error::Corrupt {
            table: "sessions",
            message: format!("{}: {err}", self.id),
        })
    }

    /// How the session gives its seats now: a batch session waits for its draw.
    pub fn phase(&self) -> Phase {
        Phase::of(self.policy, self.lottery_seed.is_some())
    }

    /// The batch draw's commitment, if one was recorded.
    pub fn commitment(&self) -> Result<Option<Commitment>> {
        self.draw_commitment
            .as_deref()
            .map(Commitment::parse)
            .transpose()
            .map_err(|err| Error::Corrupt {
                table: "sessions",
                message: format!("{}: {err}", self.id),
            })
    }

    /// The session's start and end as civil times of its zone (`None` only for instants
    /// beyond what the zone database covers).
    pub fn local_span(&self) -> Option<(NaiveDateTime, NaiveDateTime)> {
        Some((self.local(self.starts_at)?, self.local(self.ends_at)?))
    }

    /// An instant as the civil time of the session's zone.
    pub fn local(&self, at: DateTime<Utc>) -> Option<NaiveDateTime> {
        self.zone.to_local(at).ok()
    }

    /// The seat kind a registration gets when it does not say: in person unless the session only
    /// has online seats.
    pub fn default_kind(&self) -> SeatKind {
        if self.seats_in_person == 0 && self.seats_online > 0 {
            SeatKind::Online
        } else {
            SeatKind::InPerson
        }
    }
}

/// Which sessions to list: all filters optional; pages of `limit` in `(starts_at, id)` order.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Only this program.
    pub program: Option<String>,
    /// Only this hub.
    pub hub: Option<String>,
    /// Starting at or after.
    pub from: Option<DateTime<Utc>>,
    /// Starting before.
    pub to: Option<DateTime<Utc>>,
    /// Continue after this session (the last one of the previous page): `(starts_at, id)`.
    pub after: Option<(DateTime<Utc>, String)>,
    /// Page size (1–500; default 100).
    pub limit: Option<u32>,
}

/// Whether loading programs requires an empty database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Only {
    Always,
    IfEmpty,
}

/// A session to create (admin).
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The session, validated by core.
    pub session: Session,
    /// How it gives its seats.
    pub policy: Policy,
    /// When it takes registrations (`RegistrationWindow::new(None, None, start)`: from now
    /// until the start).
    pub window: RegistrationWindow,
    /// For a batch session, what fixes its draw (it may also be recorded later, while
    /// registration is open: [`Store::commit_draw`]).
    pub commitment: Option<Commitment>,
}

impl NewSession {
    /// A first-come session open from now until its start.
    pub fn open_until_start(session: Session) -> NewSession {
        let window = RegistrationWindow::until_start(session.starts_at());
        NewSession {
            session,
            policy: Policy::FirstCome,
            window,
            commitment: None,
        }
    }
}

fn far_past() -> DateTime<Utc> {
    // 1900-01-01 is representable; `single` cannot fail for a fixed valid date.
    Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn far_future() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2300, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A new session, published under its program's current version.
pub(crate) const INSERT_SESSION: &str = "INSERT INTO sessions (id, program_id, hub_id, title, starts_at, ends_at, zone, mode, \
     level_min, level_max, seats_in_person, seats_online, policy, registration_opens_at, \
     registration_closes_at, draw_commitment, program_version) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
     (SELECT version FROM programs WHERE id = $2))";

const LIST_SESSIONS: &str = "SELECT id, program_id, hub_id, title, starts_at, ends_at, zone, mode, level_min, level_max, \
     seats_in_person, seats_online, seated_in_person, seated_online, waiting_in_person, waiting_online, \
     held_in_person, held_online, policy, lottery_seed, registration_opens_at, registration_closes_at, draw_commitment, \
     draw_public_value, cancelled_at, revision, program_version FROM sessions \
     WHERE (CAST($1 AS TEXT) IS NULL OR program_id = $1) \
       AND (CAST($2 AS TEXT) IS NULL OR hub_id = $2) \
       AND starts_at >= $3 AND starts_at < $4 \
       AND (starts_at > $5 OR (starts_at = $5 AND id > $6)) \
     ORDER BY starts_at, id LIMIT $7";

pub(crate) const GET_SESSION: &str = "SELECT id, program_id, hub_id, title, starts_at, ends_at, zone, mode, level_min, level_max, \
     seats_in_person, seats_online, seated_in_person, seated_online, waiting_in_person, waiting_online, \
     held_in_person, held_online, policy, lottery_seed, registration_opens_at, registration_closes_at, draw_commitment, \
     draw_public_value, cancelled_at, revision, program_version FROM sessions WHERE id = $1";

impl Store {
    /// Stores programs with their hubs and sessions, in one transaction. `texts[i]` is the TOML
    /// of `catalog.programs()[i]`, kept so the program can be rebuilt exactly.
    pub async fn load_programs(&self, catalog: &Catalog, texts: &[&str]) -> Result<()> {
        self.load(catalog, texts, Only::Always).await.map(|_| ())
    }

    /// Like [`Store::load_programs`], but only into a database that has no program yet; true
    /// when it loaded. Safe when several processes open a new database at once: PostgreSQL
    /// locks the table, SQLite's writer lock serialises them.
    pub async fn load_programs_if_empty(&self, catalog: &Catalog, texts: &[&str]) -> Result<bool> {
        self.load(catalog, texts, Only::IfEmpty).await
    }

    async fn load(&self, catalog: &Catalog, texts: &[&str], only: Only) -> Result<bool> {
        let now = loaded_at();
        let postgres = self.kind() == crate::BackendKind::Postgres;
        write_tx!(self, |tx, _lock| {
            if only == Only::IfEmpty {
                if postgres {
                    sqlx::query("LOCK TABLE programs IN EXCLUSIVE MODE")
                        .execute(&mut *tx)
                        .await?;
                }
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM programs")
                    .fetch_one(&mut *tx)
                    .await?;
                if count > 0 {
                    return Ok(false);
                }
            }
            for (program, text) in catalog.programs().iter().zip(texts) {
                sqlx::query(
                    "INSERT INTO programs (id, name, definition, loaded_at, hold_minutes, \
                     hold_minutes_read) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(program.id().as_str())
                .bind(program.name())
                .bind(*text)
                .bind(now)
                .bind(hold_minutes(program))
                .bind(true)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO program_versions (program_id, version, format, definition, \
                     actor, created_at, summary, changes) \
                     VALUES ($1, 1, 'toml', $2, 'seed', $3, 'Prima versione.', '[]')",
                )
                .bind(program.id().as_str())
                .bind(*text)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                for hub in program.hubs() {
                    sqlx::query("INSERT INTO hubs (id, program_id, name, zone, address) VALUES ($1, $2, $3, $4, $5)")
                        .bind(hub.id.as_str())
                        .bind(program.id().as_str())
                        .bind(&hub.name)
                        .bind(hub.zone.name())
                        .bind(hub.address.one_line())
                        .execute(&mut *tx)
                        .await?;
                }
                for session in program.sessions() {
                    SessionInsert::new(session)
                        .bind_to(sqlx::query(INSERT_SESSION), Policy::FirstCome)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            Ok::<bool, Error>(true)
        })
    }

    /// Writes `programs.hold_minutes` of the programs stored before migration 0010 from their
    /// definitions (once: `hold_minutes_read` records it), so the session locks read whether a
    /// program requires address confirmation without parsing its definition.
    pub(crate) async fn read_hold_minutes(&self) -> Result<()> {
        let rows: Vec<(String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, definition FROM programs WHERE NOT hold_minutes_read")
                .fetch_all(pool)
                .await?
        });
        for (id, text) in rows {
            let minutes = parse_program(&text)
                .ok()
                .and_then(|program| hold_minutes(&program));
            write_tx!(self, |tx, _lock| {
                sqlx::query(
                    "UPDATE programs SET hold_minutes = $2, hold_minutes_read = $3 WHERE id = $1",
                )
                .bind(&id)
                .bind(minutes)
                .bind(true)
                .execute(&mut *tx)
                .await?;
                Ok::<(), Error>(())
            })?;
        }
        Ok(())
    }

    /// Every stored program, rebuilt and validated by core, in id order.
    pub async fn programs(&self) -> Result<Vec<Program>> {
        let rows: Vec<(String, String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT id, format, definition FROM programs ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(id, format, text)| parse_stored(&id, &format, &text))
            .collect()
    }

    /// One program.
    pub async fn program(&self, id: &str) -> Result<Option<Program>> {
        let row: Option<(String, String)> = read!(self, |pool| {
            sqlx::query_as("SELECT format, definition FROM programs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(|(format, text)| parse_stored(id, &format, &text))
            .transpose()
    }

    /// One session with its counts.
    pub async fn session(&self, id: &str) -> Result<Option<SessionView>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(GET_SESSION)
                .bind(id)
                .fetch_optional(pool)
                .await?
        }))
    }

    /// A page of sessions in `(starts_at, id)` order.
    pub async fn sessions(&self, filter: &SessionFilter) -> Result<Vec<SessionView>> {
        let (after_at, after_id) = filter
            .after
            .clone()
            .unwrap_or_else(|| (far_past(), String::new()));
        let limit = i64::from(filter.limit.unwrap_or(100).clamp(1, 500));
        Ok(read!(self, |pool| {
            sqlx::query_as(LIST_SESSIONS)
                .bind(filter.program.as_deref())
                .bind(filter.hub.as_deref())
                .bind(filter.from.unwrap_or_else(far_past))
                .bind(filter.to.unwrap_or_else(far_future))
                .bind(after_at)
                .bind(&after_id)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Creates a session (admin), recorded in the audit log.
    pub async fn create_session(&self, actor: &str, new: &NewSession) -> Result<SessionView> {
        let mut created = self
            .create_sessions_with(actor, std::slice::from_ref(new))
            .await?;
        created
            .pop()
            .ok_or_else(|| Error::UnknownSession(new.session.id().to_string()))
    }

    /// Creates sessions (first come, with their program's default registration window:
    /// `[settings]`, by default open until the start) in one transaction: all of them or, on
    /// the first problem, none.
    pub async fn create_sessions(
        &self,
        actor: &str,
        sessions: &[Session],
    ) -> Result<Vec<SessionView>> {
        let mut defaults: std::collections::BTreeMap<&ProgramId, WindowDefaults> =
            std::collections::BTreeMap::new();
        for session in sessions {
            if !defaults.contains_key(session.program()) {
                // A program that is not stored has no default; its sessions are refused by the
                // insert (the foreign key) in any case.
                let window = self
                    .program(session.program().as_str())
                    .await?
                    .map(|program| program.settings().registration())
                    .unwrap_or_default();
                defaults.insert(session.program(), window);
            }
        }
        let news: Vec<NewSession> = sessions
            .iter()
            .map(|session| {
                let window = defaults
                    .get(session.program())
                    .copied()
                    .unwrap_or_default()
                    .window(session.starts_at());
                NewSession {
                    window,
                    ..NewSession::open_until_start(session.clone())
                }
            })
            .collect();
        self.create_sessions_with(actor, &news).await
    }

    async fn create_sessions_with(
        &self,
        actor: &str,
        news: &[NewSession],
    ) -> Result<Vec<SessionView>> {
        let rows: Vec<(SessionInsert, &NewSession)> = news
            .iter()
            .map(|new| (SessionInsert::new(&new.session), new))
            .collect();
        let now = loaded_at();
        write_tx!(self, |tx, _lock| {
            let mut views = Vec::with_capacity(rows.len());
            for (row, new) in &rows {
                let program: Option<String> =
                    sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                        .bind(&row.program_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if program.is_none() {
                    return Err(Error::UnknownProgram(row.program_id.clone()));
                }
                if let Some(hub) = &row.hub_id {
                    let found: Option<String> =
                        sqlx::query_scalar("SELECT id FROM hubs WHERE id = $1 AND program_id = $2")
                            .bind(hub)
                            .bind(&row.program_id)
                            .fetch_optional(&mut *tx)
                            .await?;
                    if found.is_none() {
                        return Err(Error::UnknownHub(hub.clone()));
                    }
                }
                let exists: Option<String> =
                    sqlx::query_scalar("SELECT id FROM sessions WHERE id = $1")
                        .bind(&row.id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if exists.is_some() {
                    return Err(Error::DuplicateSession(row.id.clone()));
                }
                sqlx::query(INSERT_SESSION)
                    .bind(&row.id)
                    .bind(&row.program_id)
                    .bind(&row.hub_id)
                    .bind(&row.title)
                    .bind(row.starts_at)
                    .bind(row.ends_at)
                    .bind(&row.zone)
                    .bind(row.mode)
                    .bind(row.level_min)
                    .bind(row.level_max)
                    .bind(row.seats_in_person)
                    .bind(row.seats_online)
                    .bind(new.policy.as_str())
                    .bind(new.window.opens_at())
                    .bind(new.window.closes_at())
                    .bind(new.commitment.as_ref().map(ToString::to_string))
                    .execute(&mut *tx)
                    .await?;
                let view: SessionView = sqlx::query_as(GET_SESSION)
                    .bind(&row.id)
                    .fetch_one(&mut *tx)
                    .await?;
                crate::audit::audit!(
                    tx,
                    now,
                    actor,
                    "session.create",
                    "session",
                    &row.id,
                    None::<String>,
                    serde_json::to_string(&view).ok()
                )?;
                views.push(view);
            }
            Ok(views)
        })
    }

    /// A program with the sessions the store holds for it (not only those of its definition),
    /// in start order.
    pub async fn program_with_sessions(&self, id: &str) -> Result<Option<Program>> {
        let Some(program) = self.program(id).await? else {
            return Ok(None);
        };
        let mut sessions = Vec::new();
        let mut filter = SessionFilter {
            program: Some(id.to_owned()),
            limit: Some(500),
            ..SessionFilter::default()
        };
        loop {
            let page = self.sessions(&filter).await?;
            let Some(last) = page.last() else { break };
            filter.after = Some((last.starts_at, last.id.to_string()));
            for view in &page {
                sessions.push(view.to_session()?);
            }
        }
        program
            .with_sessions(sessions)
            .map(Some)
            .map_err(|err| Error::Corrupt {
                table: "sessions",
                message: format!("{id}: {err}"),
            })
    }
}

impl SessionView {
    /// The core session this row describes, its local times recomputed in its zone.
    pub fn to_session(&self) -> Result<Session> {
        let corrupt = |message: String| Error::Corrupt {
            table: "sessions",
            message: format!("{}: {message}", self.id),
        };
        let level = match (self.level_min, self.level_max) {
            (Some(min), Some(max)) => Some(
                Level::new(min)
                    .and_then(|min| Level::new(max).and_then(|max| LevelRange::new(min, max)))
                    .map_err(|e| corrupt(e.to_string()))?,
            ),
            _ => None,
        };
        // The stored instants are the session; its local times follow from them.
        let spec = SessionSpec {
            id: self.id.clone(),
            program: self.program_id.clone(),
            hub: self.hub_id.clone(),
            room: None,
            title: self.title.clone(),
            competences: Vec::new(),
            level,
            mode: self.mode,
            seats: Seats::new(self.seats_in_person, self.seats_online)
                .map_err(|e| corrupt(e.to_string()))?,
            trainers: Vec::new(),
            date: chrono::NaiveDate::MIN,
            start: chrono::NaiveTime::MIN,
            end: chrono::NaiveTime::MIN,
            zone: self.zone,
            ambiguity: Ambiguity::Refuse,
        };
        Session::between(spec, self.starts_at, self.ends_at).map_err(|e| corrupt(e.to_string()))
    }
}

/// Parses a stored definition (a row that no longer parses is [`Error::Corrupt`]).
pub(crate) fn parse_stored(id: &str, format: &str, text: &str) -> Result<Program> {
    let corrupt = |message: String| Error::Corrupt {
        table: "programs",
        message: format!("{id}: {message}"),
    };
    let format = skillhub_core::definition::Format::parse(format)
        .ok_or_else(|| corrupt(format!("format {format:?}")))?;
    skillhub_core::definition::parse(format, text).map_err(|err| corrupt(err.to_string()))
}

/// The instant a write happens. The store is an adapter: reading the clock here is allowed.
/// How long a seat is held for `program`, in minutes, when it requires address confirmation.
pub(crate) fn hold_minutes(program: &Program) -> Option<i64> {
    match program.email_confirmation() {
        skillhub_core::program::EmailConfirmation::Required => {
            Some(i64::from(program.hold_minutes()))
        }
        skillhub_core::program::EmailConfirmation::None => None,
    }
}

pub(crate) fn loaded_at() -> DateTime<Utc> {
    Utc::now()
}

pub(crate) struct SessionInsert {
    id: String,
    program_id: String,
    hub_id: Option<String>,
    title: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    zone: String,
    mode: &'static str,
    level_min: Option<i64>,
    level_max: Option<i64>,
    seats_in_person: i64,
    seats_online: i64,
}

impl SessionInsert {
    pub(crate) fn new(s: &Session) -> Self {
        SessionInsert {
            id: s.id().to_string(),
            program_id: s.program().to_string(),
            hub_id: s.hub().map(ToString::to_string),
            title: s.title().to_owned(),
            starts_at: s.starts_at(),
            ends_at: s.ends_at(),
            zone: s.zone().name().to_owned(),
            mode: s.mode().as_str(),
            level_min: s.level().map(|l| i64::from(l.min().get())),
            level_max: s.level().map(|l| i64::from(l.max().get())),
            seats_in_person: i64::from(s.seats().get(SeatKind::InPerson)),
            seats_online: i64::from(s.seats().get(SeatKind::Online)),
        }
    }

    /// Binds the row to [`INSERT_SESSION`] as a session given by a program's definition: first
    /// come, open until its start, no draw commitment.
    pub(crate) fn bind_to<'q, DB: sqlx::Database>(
        &'q self,
        query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>,
        policy: Policy,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments>
    where
        String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        DateTime<Utc>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<DateTime<Utc>>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        query
            .bind(self.id.clone())
            .bind(self.program_id.clone())
            .bind(self.hub_id.clone())
            .bind(self.title.clone())
            .bind(self.starts_at)
            .bind(self.ends_at)
            .bind(self.zone.clone())
            .bind(self.mode)
            .bind(self.level_min)
            .bind(self.level_max)
            .bind(self.seats_in_person)
            .bind(self.seats_online)
            .bind(policy.as_str())
            .bind(None::<DateTime<Utc>>)
            .bind(None::<DateTime<Utc>>)
            .bind(None::<String>)
    }
}
