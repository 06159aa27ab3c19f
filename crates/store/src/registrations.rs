//! Registrations: the seat decision, cancellation with promotion, idempotent replays.
//!
//! Every operation here runs in one write transaction that first locks the session row, then asks
//! `skillhub-core`'s capacity rules ([`Phase::admit`](skillhub_core::capacity::Phase::admit),
//! [`after_cancel`], [`Phase::promotions`](skillhub_core::capacity::Phase::promotions)) with the
//! counts the row carries, then writes the registration, the new counts and the audit lines.
//! Registrations for one session that arrive together share that transaction
//! ([`crate::group`]: group commit), each decided as it would be alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use skillhub_allocation::batch::{self, Applicant};
use skillhub_allocation::lottery::{self, Commitment};
use skillhub_core::capacity::{Occupancy, Phase, Policy, SeatKind, Status, Tier, after_cancel};
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::ids::{IdError, SessionId};
use skillhub_core::lang::Lang;
use skillhub_core::person::Person;

use skillhub_core::window::WindowState;

use skillhub_notify::{Canceller, DrawOutcome, Event};

use crate::catalog::SessionView;
use crate::idempotency::Replay;
use crate::notices::{ADDRESSEE, Addressee, FACTS, FactsRow};
use crate::outbox::post;
use crate::{DrawRefusal, Error, Result, Store, audit::audit, hash_token, read, write_tx};

/// A registration request, after eligibility was checked and the tier chosen.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// The session.
    pub session_id: SessionId,
    /// Who.
    pub person: Person,
    /// Which seats; `None` for the session's default (in person unless online only).
    pub kind: Option<SeatKind>,
    /// Waiting-list tier from the program's priority rules.
    pub tier: Tier,
    /// Who asks, for the audit log.
    pub actor: String,
    /// Whether the session's registration window applies.
    pub timing: Timing,
    /// The language the person registered in: their messages are written in it.
    pub lang: Lang,
}

/// Whether a registration must fall inside the session's registration window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Timing {
    /// The public's registrations: refused outside the window
    /// ([`Error::RegistrationClosed`]).
    #[default]
    InWindow,
    /// Staff adding someone on purpose outside the window (the admin's `"late": true`, a
    /// spreadsheet of registrations): taken, and audited as `registration.late` when the
    /// window was not open.
    Late,
    /// An admin or manager adding someone on purpose even when no seat is left (the back
    /// office's explicit choice): outside the window too, never held; when no seat of its kind
    /// is free the session gains one for them first (audited as `session.overbook`), and they
    /// take it ahead of the waiting list, which keeps its order.
    BeyondSeats,
}

/// A registration as stored, typed: its status carries its waiting position when it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationView {
    /// Id.
    pub id: i64,
    /// Session.
    pub session_id: SessionId,
    /// E-mail, as typed (or the erased placeholder).
    pub email: String,
    /// Name.
    pub name: String,
    /// Declared attributes, JSON.
    pub attributes: String,
    /// The codice fiscale given with it (a program may require one), checked when given.
    pub codice_fiscale: Option<CodiceFiscale>,
    /// The kind of seat.
    pub kind: SeatKind,
    /// Waiting-list tier.
    pub tier: Tier,
    /// Where it stands; [`Status::Waitlisted`] with its 1-based position.
    pub status: Status,
    /// The language it was made in.
    pub lang: Lang,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl RegistrationView {
    /// The 1-based waiting position, when it waits.
    pub fn position(&self) -> Option<u32> {
        self.status.position()
    }
}

/// A `registrations` row as [`VIEW`] returns it; [`RegistrationView`] is it parsed, once.
#[derive(Debug, Clone, sqlx::FromRow, Serialize, Deserialize)]
pub(crate) struct RegistrationRow {
    id: i64,
    session_id: String,
    email: String,
    name: String,
    attributes: String,
    kind: String,
    tier: i64,
    status: String,
    position: Option<i64>,
    // Records remembered before registrations had a language read as Italian.
    #[serde(default = "italian")]
    lang: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    // Records remembered before holds existed have none.
    #[serde(default)]
    hold_expires_at: Option<DateTime<Utc>>,
    // Records remembered before registrations kept a codice fiscale, and lists that do not
    // read it, have none.
    #[serde(default)]
    #[sqlx(default)]
    codice_fiscale: Option<String>,
}

fn italian() -> String {
    Lang::It.code().to_owned()
}

impl TryFrom<RegistrationRow> for RegistrationView {
    type Error = Error;

    fn try_from(row: RegistrationRow) -> Result<RegistrationView> {
        let corrupt = |message: String| Error::Corrupt {
            table: "registrations",
            message: format!("registration {}: {message}", row.id),
        };
        let status = match row.status.as_str() {
            "held" => Status::Held {
                expires_at: row
                    .hold_expires_at
                    .ok_or_else(|| corrupt("a hold without its expiry".to_owned()))?,
            },
            "expired" => Status::Expired,
            "confirmed" => Status::Confirmed,
            "waitlisted" => Status::Waitlisted {
                position: row
                    .position
                    .and_then(|p| u32::try_from(p).ok())
                    .ok_or_else(|| corrupt(format!("waiting position {:?}", row.position)))?,
            },
            "cancelled" => Status::Cancelled,
            "attended" => Status::Attended,
            "no_show" => Status::NoShow,
            other => return Err(corrupt(format!("unknown status {other:?}"))),
        };
        Ok(RegistrationView {
            id: row.id,
            session_id: row
                .session_id
                .parse()
                .map_err(|e: IdError| corrupt(e.to_string()))?,
            kind: SeatKind::parse(&row.kind)
                .ok_or_else(|| corrupt(format!("unknown seat kind {:?}", row.kind)))?,
            tier: u8::try_from(row.tier)
                .map(Tier::new)
                .map_err(|_| corrupt(format!("tier {}", row.tier)))?,
            status,
            lang: row
                .lang
                .parse()
                .map_err(|e: skillhub_core::lang::UnknownLang| corrupt(e.to_string()))?,
            codice_fiscale: row
                .codice_fiscale
                .as_deref()
                .map(CodiceFiscale::parse)
                .transpose()
                .map_err(|e| corrupt(e.to_string()))?,
            email: row.email,
            name: row.name,
            attributes: row.attributes,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl From<&RegistrationView> for RegistrationRow {
    fn from(view: &RegistrationView) -> RegistrationRow {
        RegistrationRow {
            id: view.id,
            session_id: view.session_id.to_string(),
            email: view.email.clone(),
            name: view.name.clone(),
            attributes: view.attributes.clone(),
            kind: view.kind.as_str().to_owned(),
            tier: i64::from(view.tier.get()),
            status: view.status.name().to_owned(),
            position: view.position().map(i64::from),
            lang: view.lang.code().to_owned(),
            created_at: view.created_at,
            updated_at: view.updated_at,
            hold_expires_at: match view.status {
                Status::Held { expires_at } => Some(expires_at),
                _ => None,
            },
            codice_fiscale: view.codice_fiscale.as_ref().map(|c| c.as_str().to_owned()),
        }
    }
}

/// Rows decode straight into the typed view: the row struct, then [`TryFrom`].
impl<'r, R: sqlx::Row> sqlx::FromRow<'r, R> for RegistrationView
where
    RegistrationRow: sqlx::FromRow<'r, R>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        let row = RegistrationRow::from_row(row)?;
        RegistrationView::try_from(row).map_err(|err| sqlx::Error::Decode(Box::new(err)))
    }
}

/// A registration [`Store::register`] made: now, or for an earlier request with the same
/// idempotency key (then exactly as it was answered then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// The registration as it stood when it was made.
    pub registration: RegistrationView,
    /// The secret that lets the person see and cancel it (shown once, stored hashed; an
    /// idempotency record keeps it for [`IDEMPOTENCY_TTL_HOURS`](crate::IDEMPOTENCY_TTL_HOURS) to answer a retry).
    pub manage_token: String,
    /// Whether this answers a repeated request instead of registering again.
    pub replayed: bool,
}

/// What an idempotency record of a registration holds: the registration's row as it was made
/// and its manage token, so a retry is answered with exactly the first answer.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Remembered {
    registration: RegistrationRow,
    manage_token: String,
}

impl Remembered {
    /// The record's text, for [`Answers::remember`] (status 0: a store record, not a response).
    pub(crate) fn replay(registration: &RegistrationView, manage_token: &str) -> Result<Replay> {
        let body = serde_json::to_string(&Remembered {
            registration: RegistrationRow::from(registration),
            manage_token: manage_token.to_owned(),
        })
        .map_err(|err| Error::Corrupt {
            table: "idempotency_keys",
            message: err.to_string(),
        })?;
        Ok(Replay { status: 0, body })
    }

    /// The registration a record holds; `None` for a record this version cannot read (one
    /// written before registrations remembered their own record): it is forgotten like a stale
    /// one.
    pub(crate) fn registered(replay: &Replay) -> Option<Registered> {
        let remembered: Remembered = serde_json::from_str(&replay.body).ok()?;
        Some(Registered {
            registration: RegistrationView::try_from(remembered.registration).ok()?,
            manage_token: remembered.manage_token,
            replayed: true,
        })
    }
}

/// What [`Store::allocate`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// The seed of the draw (64 hex digits): SHA-256 of the pool's canonical list followed by
    /// the public value.
    pub seed: String,
    /// The public value the commitment promised.
    pub public_value: String,
    /// The whole pool (every waiting registration, both seat kinds) in the order the lottery
    /// drew it, before tiers: what `skillhub lottery verify` recomputes from the ids and the
    /// public value.
    pub lottery_order: Vec<i64>,
    /// Registrations given a seat, in draw order.
    pub confirmed: Vec<i64>,
    /// Registrations left waiting, in list order.
    pub waitlisted: Vec<i64>,
}

/// What [`Store::cancel`] did.
#[derive(Debug, Clone)]
pub struct Cancellation {
    /// The cancelled registration.
    pub registration: RegistrationView,
    /// The registrations promoted from the waiting list, in order.
    pub promoted: Vec<i64>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct Locked {
    #[sqlx(flatten)]
    pub(crate) view: SessionView,
    pub(crate) next_sequence: i64,
    /// With [`LOCK_FOR_SEAT_SQLITE`] or [`LOCK_FOR_SEAT_POSTGRES`], the id reserved for the
    /// registration about to be seated (so one call can write it and its audit line).
    #[sqlx(default)]
    pub(crate) reserved_id: Option<i64>,
    /// How many of `seated_in_person` are holds.
    pub(crate) held_in_person: i64,
    /// How many of `seated_online` are holds.
    pub(crate) held_online: i64,
    /// The program's hold in minutes when it requires address confirmation
    /// (`programs.hold_minutes`, NULL unless it does), read by every session lock so an
    /// operation knows without another query whether it gives holds.
    #[sqlx(default)]
    pub(crate) hold_minutes: Option<i64>,
    /// The soonest expiry of the session's holds, if any (read by every session lock from the
    /// index of held registrations), so an operation knows whether holds expire first.
    #[sqlx(default)]
    pub(crate) next_hold_expiry: Option<DateTime<Utc>>,
}

/// The live registrations of session `$1` among the address keys (`$2`) and codes (`$3`) of
/// a batch, each list as a JSON array of strings: SQLite. Two lookups of the unique indexes
/// (a row may come twice): with `OR`, SQLite's planner walks every registration of the session.
pub(crate) const TAKEN_SQLITE: &str = "SELECT email_key, codice_fiscale FROM registrations \
     WHERE session_id = $1 AND status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show') \
     AND email_key IN (SELECT value FROM json_each($2)) \
     UNION ALL SELECT email_key, codice_fiscale FROM registrations \
     WHERE session_id = $1 AND status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show') \
     AND codice_fiscale IN (SELECT value FROM json_each($3))";
/// [`TAKEN_SQLITE`] on PostgreSQL.
pub(crate) const TAKEN_POSTGRES: &str = "SELECT email_key, codice_fiscale FROM registrations \
     WHERE session_id = $1 AND status IN ('held', 'confirmed', 'waitlisted', 'attended', 'no_show') \
     AND (email_key IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb))) \
     OR codice_fiscale IN (SELECT jsonb_array_elements_text(CAST($3 AS jsonb))))";

/// `$1` ids reserved from PostgreSQL's identity sequence of registrations in one round trip
/// (an id not used is only a gap).
pub(crate) const RESERVE_IDS_POSTGRES: &str =
    "SELECT nextval(pg_get_serial_sequence('registrations', 'id')) FROM generate_series(1, $1)";

/// `items` as a JSON array of strings (what [`TAKEN_SQLITE`] and [`TAKEN_POSTGRES`] read).
pub(crate) fn json_list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// The session row for [`seat!`] on SQLite, with the id the next registration gets
/// (`AUTOINCREMENT`: one past the largest ever given; `BEGIN IMMEDIATE` already holds the write
/// lock, so nobody else can take it). The soonest hold is read from the index of held
/// registrations, as in [`crate::LOCK_SESSION_SQLITE`].
pub(crate) const LOCK_FOR_SEAT_SQLITE: &str = "SELECT *, (SELECT COALESCE(MAX(seq), 0) + 1 \
     FROM sqlite_sequence WHERE name = 'registrations') AS reserved_id, \
     (SELECT hold_minutes FROM programs WHERE programs.id = sessions.program_id) AS hold_minutes, \
     (SELECT MIN(hold_expires_at) FROM registrations INDEXED BY registrations_holds \
      WHERE registrations.session_id = sessions.id \
      AND registrations.status = 'held') AS next_hold_expiry FROM sessions WHERE id = $1";
/// The session row for [`seat!`] on PostgreSQL, locked until the transaction ends, with an id
/// reserved from the registrations' identity sequence (an unused one is only a gap).
pub(crate) const LOCK_FOR_SEAT_POSTGRES: &str = "SELECT *, \
     nextval(pg_get_serial_sequence('registrations', 'id')) AS reserved_id, \
     (SELECT hold_minutes FROM programs WHERE programs.id = sessions.program_id) AS hold_minutes, \
     (SELECT MIN(hold_expires_at) FROM registrations WHERE registrations.session_id = sessions.id \
      AND registrations.status = 'held') AS next_hold_expiry \
     FROM sessions WHERE id = $1 FOR UPDATE";

impl Locked {
    pub(crate) fn occupancy(&self, kind: SeatKind) -> Occupancy {
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        let v = &self.view;
        let (seats, taken, held, waiting) = match kind {
            SeatKind::InPerson => (
                v.seats_in_person,
                v.seated_in_person,
                self.held_in_person,
                v.waiting_in_person,
            ),
            SeatKind::Online => (
                v.seats_online,
                v.seated_online,
                self.held_online,
                v.waiting_online,
            ),
        };
        // `seated_*` counts every seat taken, holds included; `held_*` says how many are holds.
        Occupancy {
            seats: count(seats),
            seated: count(taken - held),
            held: count(held),
            waiting: count(waiting),
        }
    }

    /// Until when a seat given now is held, when the session's program requires address
    /// confirmation; `None` when it does not.
    pub(crate) fn hold_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.hold_minutes
            .filter(|minutes| *minutes > 0)
            .map(|minutes| micros(now + chrono::Duration::minutes(minutes)))
    }

    /// The row as it is after `seated` was written from it ([`seat!`]): its counters moved,
    /// the next arrival sequence, the id reserved for the next one (`next_id`: one past this
    /// one on SQLite, one of the batch's reserved ids on PostgreSQL; `None`: the write takes
    /// one from the sequence), and the soonest hold.
    pub(crate) fn after_seat(mut self, seated: &RegistrationView, next_id: Option<i64>) -> Locked {
        let (taken, held, waiting) = match seated.status {
            Status::Held { .. } => (1, 1, 0),
            Status::Waitlisted { .. } => (0, 0, 1),
            _ => (1, 0, 0),
        };
        let (a, b, c, d) = deltas(seated.kind, taken, waiting);
        let (held_in_person, held_online) = held_deltas(seated.kind, held);
        self.view.seated_in_person += a;
        self.view.seated_online += b;
        self.view.waiting_in_person += c;
        self.view.waiting_online += d;
        self.held_in_person += held_in_person;
        self.held_online += held_online;
        self.next_sequence += 1;
        self.reserved_id = next_id;
        if let Status::Held { expires_at } = seated.status {
            self.next_hold_expiry = Some(
                self.next_hold_expiry
                    .map_or(expires_at, |soonest| soonest.min(expires_at)),
            );
        }
        self
    }

    /// Whether a hold of the session is due to expire at `now` (then it expires before the
    /// operation, [`expire_due!`]).
    pub(crate) fn holds_due(&self, now: DateTime<Utc>) -> bool {
        self.next_hold_expiry.is_some_and(|at| at <= now)
    }
}

/// The counter deltas of holds `(held_in_person, held_online)`.
pub(crate) fn held_deltas(kind: SeatKind, held: i64) -> (i64, i64) {
    match kind {
        SeatKind::InPerson => (held, 0),
        SeatKind::Online => (0, held),
    }
}

/// Moves the hold counters of session `$1` by `$2` (in person) and `$3` (online).
pub(crate) const UPDATE_HELD: &str = "UPDATE sessions SET held_in_person = held_in_person + $2, \
     held_online = held_online + $3 WHERE id = $1";

/// The counter deltas `(seated_in_person, seated_online, waiting_in_person, waiting_online)`.
pub(crate) fn deltas(kind: SeatKind, seated: i64, waiting: i64) -> (i64, i64, i64, i64) {
    match kind {
        SeatKind::InPerson => (seated, 0, waiting, 0),
        SeatKind::Online => (0, seated, 0, waiting),
    }
}

pub(crate) const UPDATE_COUNTS: &str = "UPDATE sessions SET seated_in_person = seated_in_person + $2, \
     seated_online = seated_online + $3, waiting_in_person = waiting_in_person + $4, \
     waiting_online = waiting_online + $5, next_sequence = next_sequence + $6 WHERE id = $1";

pub(crate) const VIEW: &str = "SELECT r.id, r.session_id, r.email, r.name, r.attributes, r.kind, r.tier, r.status, r.lang, \
     CASE WHEN r.status = 'waitlisted' THEN (SELECT COUNT(*) FROM registrations w \
        WHERE w.session_id = r.session_id AND w.kind = r.kind AND w.status = 'waitlisted' \
        AND (w.tier < r.tier OR (w.tier = r.tier AND w.sequence <= r.sequence))) END AS position, \
     r.created_at, r.updated_at, r.hold_expires_at, r.codice_fiscale FROM registrations r \
     WHERE r.id = $1";

/// What the audit log keeps of a registration: its id and where it stands, never who it is (no
/// e-mail, name or attributes), so erasing a person ([`Store::erase_person`]) leaves no personal
/// data in the append-only log.
#[derive(Serialize)]
struct AuditedRegistration<'a> {
    id: i64,
    session_id: &'a str,
    kind: &'a str,
    tier: u8,
    status: &'a str,
    position: Option<u32>,
}

/// The audit form of a registration, as JSON.
pub(crate) fn audited(view: &RegistrationView) -> Option<String> {
    serde_json::to_string(&AuditedRegistration {
        id: view.id,
        session_id: view.session_id.as_str(),
        kind: view.kind.as_str(),
        tier: view.tier.get(),
        status: view.status.name(),
        position: view.position(),
    })
    .ok()
}

/// Whether `err` is the violation of the partial unique index `registrations_live_email` (the
/// e-mail already holds a live registration in the session): the duplicate check of [`seat!`]
/// is that index, hit by its INSERT, not a separate read.
pub(crate) fn is_live_email_violation(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    // PostgreSQL names the index; SQLite names its columns
    // ("UNIQUE constraint failed: registrations.session_id, registrations.email").
    db.is_unique_violation()
        && (db.constraint() == Some("registrations_live_email")
            || db.message().contains("registrations.email"))
}

/// Whether `err` is the violation of the partial unique index `registrations_live_codice_fiscale`
/// (migration 0015: one live registration per codice fiscale and session).
pub(crate) fn is_live_codice_fiscale_violation(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    db.is_unique_violation()
        && (db.constraint() == Some("registrations_live_codice_fiscale")
            || db.message().contains("registrations.codice_fiscale"))
}

/// `now` truncated to microseconds, what PostgreSQL keeps of a timestamp: a registration built
/// in memory from it equals the one a later read returns, on either backend.
pub(crate) fn micros(now: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    now.trunc_subsecs(6)
}

/// The writes of one seated registration, after the decision: the registration row, the
/// session's counters and the audit line.
pub(crate) struct SeatWrite<'a> {
    /// The registration as it will be stored (`id` is filled in by [`WriteSeat::write_seat`]).
    pub(crate) view: RegistrationView,
    /// Its arrival sequence.
    pub(crate) sequence: i64,
    /// The hash of its manage token.
    pub(crate) token_hash: &'a str,
    /// The person's identity (`Email::key`), under the one-live-registration index.
    pub(crate) email_key: String,
    /// The counter deltas (see [`deltas`]).
    pub(crate) deltas: (i64, i64, i64, i64),
    /// The hold counter deltas (see [`held_deltas`]).
    pub(crate) held: (i64, i64),
    /// Whether the person must confirm their address: `none`, `pending` (see migration 0010).
    pub(crate) address_check: &'static str,
    /// Who asked, for the audit log.
    pub(crate) actor: &'a str,
    /// The id reserved for it under the lock (PostgreSQL's `nextval`), if any.
    pub(crate) reserved_id: Option<i64>,
}

/// Writes a [`SeatWrite`] on one backend's connection with as few round trips as it allows;
/// a live registration of the same e-mail fails with [`Error::AlreadyRegistered`].
pub(crate) trait WriteSeat {
    /// Writes the registration, the counters and the audit line; returns the registration.
    fn write_seat(
        &mut self,
        seat: SeatWrite<'_>,
    ) -> impl std::future::Future<Output = Result<RegistrationView>> + Send;
}

fn already_registered(view: &RegistrationView) -> Error {
    Error::AlreadyRegistered {
        session: view.session_id.to_string(),
        email: view.email.clone(),
    }
}

fn map_insert_error(err: sqlx::Error, view: &RegistrationView) -> Error {
    if is_live_email_violation(&err) {
        already_registered(view)
    } else if is_live_codice_fiscale_violation(&err) {
        Error::CodiceFiscaleRegistered {
            session: view.session_id.to_string(),
        }
    } else {
        Error::Database(err)
    }
}

/// SQLite: the registration (with the id reserved under the lock), the counters and the audit
/// line, three statements sent in one call (`$n` parameters number the whole text).
const SEAT_SQLITE: &str = "INSERT INTO registrations (id, session_id, email, name, attributes, \
     kind, tier, sequence, status, manage_token_hash, created_at, updated_at, email_key, lang, \
     hold_expires_at, address_check, codice_fiscale) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $19, $20, $21, $22, $25); \
     UPDATE sessions SET seated_in_person = seated_in_person + $12, \
     seated_online = seated_online + $13, waiting_in_person = waiting_in_person + $14, \
     waiting_online = waiting_online + $15, held_in_person = held_in_person + $23, \
     held_online = held_online + $24, next_sequence = next_sequence + 1 WHERE id = $2; \
     INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
     VALUES ($11, $16, 'registration.create', 'registration', $17, NULL, $18)";

/// PostgreSQL: the registration (with the id reserved under the lock), the counters and the
/// audit line in one statement of data-modifying CTEs.
const SEAT_POSTGRES: &str = "WITH reg AS (INSERT INTO registrations (id, session_id, email, name, \
     attributes, kind, tier, sequence, status, manage_token_hash, created_at, updated_at, email_key, lang, \
     hold_expires_at, address_check, codice_fiscale) \
     OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $19, $20, $21, $22, $25) \
     RETURNING id), \
     counts AS (UPDATE sessions SET seated_in_person = seated_in_person + $12, \
     seated_online = seated_online + $13, waiting_in_person = waiting_in_person + $14, \
     waiting_online = waiting_online + $15, held_in_person = held_in_person + $23, \
     held_online = held_online + $24, next_sequence = next_sequence + 1 WHERE id = $2 \
     RETURNING id), \
     logged AS (INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after) \
     VALUES ($11, $16, 'registration.create', 'registration', $17, NULL, $18) RETURNING id) \
     SELECT (SELECT COUNT(*) FROM reg) + (SELECT COUNT(*) FROM counts) \
     + (SELECT COUNT(*) FROM logged)";

/// Binds the 25 parameters of [`SEAT_SQLITE`] and [`SEAT_POSTGRES`] (the same on both).
// A macro: the two are different sqlx query types (`query` and `query_scalar`) of two drivers.
macro_rules! bind_seat {
    ($query:expr, $view:expr, $seat:expr) => {{
        let view: &RegistrationView = $view;
        let (a, b, c, d) = $seat.deltas;
        let (held_in_person, held_online) = $seat.held;
        let hold_expires_at = match view.status {
            skillhub_core::capacity::Status::Held { expires_at } => Some(expires_at),
            _ => None,
        };
        $query
            .bind(view.id)
            .bind(view.session_id.as_str())
            .bind(&view.email)
            .bind(&view.name)
            .bind(&view.attributes)
            .bind(view.kind.as_str())
            .bind(i64::from(view.tier.get()))
            .bind($seat.sequence)
            .bind(view.status.name())
            .bind($seat.token_hash)
            .bind(view.created_at)
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(d)
            .bind($seat.actor)
            .bind(view.id.to_string())
            .bind(audited(view))
            .bind(&$seat.email_key)
            .bind(view.lang.code())
            .bind(hold_expires_at)
            .bind($seat.address_check)
            .bind(held_in_person)
            .bind(held_online)
            .bind(view.codice_fiscale.as_ref().map(|c| c.as_str()))
    }};
}

/// The three rows a seat writes (registration, session, audit line), or an error.
fn wrote_three(written: u64, view: &RegistrationView) -> Result<()> {
    if written == 3 {
        Ok(())
    } else {
        Err(Error::Corrupt {
            table: "sessions",
            message: format!(
                "seating registration {} wrote {written} rows instead of 3",
                view.id
            ),
        })
    }
}

impl WriteSeat for sqlx::SqliteConnection {
    async fn write_seat(&mut self, seat: SeatWrite<'_>) -> Result<RegistrationView> {
        let mut view = seat.view;
        view.id = match seat.reserved_id {
            Some(id) => id,
            None => {
                sqlx::query_scalar(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM sqlite_sequence \
                     WHERE name = 'registrations'",
                )
                .fetch_one(&mut *self)
                .await?
            }
        };
        let done = bind_seat!(sqlx::query(SEAT_SQLITE), &view, seat)
            .execute(&mut *self)
            .await
            .map_err(|err| map_insert_error(err, &view))?;
        wrote_three(done.rows_affected(), &view)?;
        Ok(view)
    }
}

impl WriteSeat for sqlx::PgConnection {
    async fn write_seat(&mut self, seat: SeatWrite<'_>) -> Result<RegistrationView> {
        let mut view = seat.view;
        view.id = match seat.reserved_id {
            Some(id) => id,
            None => {
                sqlx::query_scalar("SELECT nextval(pg_get_serial_sequence('registrations', 'id'))")
                    .fetch_one(&mut *self)
                    .await?
            }
        };
        let written: i64 = bind_seat!(sqlx::query_scalar(SEAT_POSTGRES), &view, seat)
            .fetch_one(&mut *self)
            .await
            .map_err(|err| map_insert_error(err, &view))?;
        wrote_three(u64::try_from(written).unwrap_or(0), &view)?;
        Ok(view)
    }
}

/// Who expires holds in the audit log: no person asked.
pub(crate) const EXPIRY_ACTOR: &str = "system:holds";

/// Promotes the first `$count` registrations (`ORDER BY tier, sequence`) of the waiting list of
/// kind `$kind` of the session `$locked` (a `Locked`, read under its lock in the open write
/// transaction `$tx`): each gets a confirmed seat and [`Event::Promoted`], or, when the program
/// requires address confirmation and the person has not confirmed theirs (`address_check =
/// 'pending'`), a hold until now + the program's `hold_minutes` and
/// [`Event::ConfirmAddress`]. Writes the statuses, the counters, the audit lines and the
/// messages; evaluates to `Result<Vec<i64>>`, the promoted ids in order. The one promotion
/// step of a cancellation and of an expired hold. A macro, like `audit!`, so it expands for
/// either backend's transaction; it returns nothing from its caller.
macro_rules! promote {
    ($tx:ident, $locked:expr, $kind:expr, $count:expr, $actor:expr, $now:expr) => {
        async {
            let locked: &$crate::registrations::Locked = $locked;
            let kind: skillhub_core::capacity::SeatKind = $kind;
            let count = i64::from($count);
            let now: chrono::DateTime<chrono::Utc> = $now;
            let session_id = locked.view.id.as_str();
            let heads: Vec<(i64, String)> = if count > 0 {
                sqlx::query_as(
                    "SELECT id, address_check FROM registrations WHERE session_id = $1 \
                     AND kind = $2 AND status = 'waitlisted' ORDER BY tier, sequence LIMIT $3",
                )
                .bind(session_id)
                .bind(kind.as_str())
                .bind(count)
                .fetch_all(&mut *$tx)
                .await?
            } else {
                Vec::new()
            };
            if heads.is_empty() {
                return Ok::<Vec<i64>, $crate::Error>(Vec::new());
            }
            let facts: $crate::notices::FactsRow = sqlx::query_as($crate::notices::FACTS)
                .bind(session_id)
                .fetch_one(&mut *$tx)
                .await?;
            let session = facts.facts(kind)?;
            let hold_until = locked.hold_until(now);
            let mut letters = Vec::with_capacity(heads.len());
            let mut held = 0_i64;
            for (id, check) in &heads {
                let event = match hold_until.filter(|_| check == "pending") {
                    Some(expires_at) => {
                        held += 1;
                        sqlx::query(
                            "UPDATE registrations SET status = 'held', hold_expires_at = $3, \
                             updated_at = $2 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(now)
                        .bind(expires_at)
                        .execute(&mut *$tx)
                        .await?;
                        skillhub_notify::Event::ConfirmAddress {
                            registration: *id,
                            session: session.clone(),
                            hold_until: expires_at,
                        }
                    }
                    None => {
                        sqlx::query(
                            "UPDATE registrations SET status = 'confirmed', updated_at = $2 \
                             WHERE id = $1",
                        )
                        .bind(id)
                        .bind(now)
                        .execute(&mut *$tx)
                        .await?;
                        skillhub_notify::Event::Promoted {
                            registration: *id,
                            session: session.clone(),
                        }
                    }
                };
                let after = serde_json::json!({ "status": if matches!(event, skillhub_notify::Event::Promoted { .. }) { "confirmed" } else { "held" } });
                $crate::audit::audit!(
                    $tx,
                    now,
                    $actor,
                    "registration.promote",
                    "registration",
                    &id.to_string(),
                    Some("{\"status\":\"waitlisted\"}".to_owned()),
                    Some(after.to_string())
                )?;
                let to: $crate::notices::Addressee = sqlx::query_as($crate::notices::ADDRESSEE)
                    .bind(id)
                    .fetch_one(&mut *$tx)
                    .await?;
                letters.push(to.letter(event, now)?);
            }
            let moved = i64::try_from(heads.len()).unwrap_or(i64::MAX);
            let (a, b, c, d) = $crate::registrations::deltas(kind, moved, -moved);
            sqlx::query($crate::registrations::UPDATE_COUNTS)
                .bind(session_id)
                .bind(a)
                .bind(b)
                .bind(c)
                .bind(d)
                .bind(0_i64)
                .execute(&mut *$tx)
                .await?;
            if held > 0 {
                let (e, f) = $crate::registrations::held_deltas(kind, held);
                sqlx::query($crate::registrations::UPDATE_HELD)
                    .bind(session_id)
                    .bind(e)
                    .bind(f)
                    .execute(&mut *$tx)
                    .await?;
            }
            $crate::outbox::post!($tx, letters, now)?;
            Ok(heads.into_iter().map(|(id, _)| id).collect())
        }
        .await
    };
}
pub(crate) use promote;

/// Expires every hold of the session `$locked` (a `Locked`, read under its lock in the open
/// write transaction `$tx`) whose time has come at `$now` (`hold_expires_at <= now`, as core's
/// `Status::Held` says): each becomes `expired`, gives its seat back and is told
/// ([`Event::HoldExpired`]), then each kind's freed seats go to the heads of its waiting list by
/// [`promote!`], as after a cancellation. Evaluates to `Result<u64>`, the holds expired. The
/// caller's `Locked` is stale afterwards: read the session row again before deciding on it.
macro_rules! expire_due {
    ($tx:ident, $locked:expr, $actor:expr, $now:expr) => {
        async {
            let locked: &$crate::registrations::Locked = $locked;
            let now: chrono::DateTime<chrono::Utc> = $now;
            let session_id = locked.view.id.as_str();
            let due: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, kind FROM registrations WHERE session_id = $1 AND status = 'held' \
                 AND hold_expires_at <= $2 ORDER BY id",
            )
            .bind(session_id)
            .bind(now)
            .fetch_all(&mut *$tx)
            .await?;
            if due.is_empty() {
                return Ok::<u64, $crate::Error>(0);
            }
            sqlx::query(
                "UPDATE registrations SET status = 'expired', updated_at = $2 \
                 WHERE session_id = $1 AND status = 'held' AND hold_expires_at <= $2",
            )
            .bind(session_id)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            let facts: $crate::notices::FactsRow = sqlx::query_as($crate::notices::FACTS)
                .bind(session_id)
                .fetch_one(&mut *$tx)
                .await?;
            let mut letters = Vec::with_capacity(due.len());
            for (id, _) in &due {
                $crate::audit::audit!(
                    $tx,
                    now,
                    $actor,
                    "registration.expire",
                    "registration",
                    &id.to_string(),
                    Some("{\"status\":\"held\"}".to_owned()),
                    Some("{\"status\":\"expired\"}".to_owned())
                )?;
                let to: $crate::notices::Addressee = sqlx::query_as($crate::notices::ADDRESSEE)
                    .bind(id)
                    .fetch_one(&mut *$tx)
                    .await?;
                let event = skillhub_notify::Event::HoldExpired {
                    registration: *id,
                    session: facts.facts(to.kind()?)?,
                };
                letters.push(to.letter(event, now)?);
            }
            $crate::outbox::post!($tx, letters, now)?;
            for kind in skillhub_core::capacity::SeatKind::ALL {
                let expired = due.iter().filter(|(_, k)| k == kind.as_str()).count();
                let Ok(expired) = u32::try_from(expired) else {
                    continue;
                };
                if expired == 0 {
                    continue;
                }
                let n = i64::from(expired);
                let (a, b, c, d) = $crate::registrations::deltas(kind, -n, 0);
                sqlx::query($crate::registrations::UPDATE_COUNTS)
                    .bind(session_id)
                    .bind(a)
                    .bind(b)
                    .bind(c)
                    .bind(d)
                    .bind(0_i64)
                    .execute(&mut *$tx)
                    .await?;
                let (e, f) = $crate::registrations::held_deltas(kind, -n);
                sqlx::query($crate::registrations::UPDATE_HELD)
                    .bind(session_id)
                    .bind(e)
                    .bind(f)
                    .execute(&mut *$tx)
                    .await?;
                let mut after = locked.occupancy(kind);
                after.held = after.held.saturating_sub(expired);
                let count = locked.view.phase().promotions(&after);
                $crate::registrations::promote!($tx, locked, kind, count, $actor, now)?;
            }
            Ok(due.len() as u64)
        }
        .await
    };
}
pub(crate) use expire_due;

/// Gives a session one more seat of `kind`, for [`Timing::BeyondSeats`], audited as
/// `session.overbook` with the seats before and after.
macro_rules! add_seat {
    ($tx:ident, $locked:expr, $kind:expr, $actor:expr, $now:expr) => {
        async {
            let locked: &$crate::registrations::Locked = $locked;
            let (sql, before) = match $kind {
                skillhub_core::capacity::SeatKind::InPerson => (
                    "UPDATE sessions SET seats_in_person = seats_in_person + 1 WHERE id = $1",
                    locked.view.seats_in_person,
                ),
                skillhub_core::capacity::SeatKind::Online => (
                    "UPDATE sessions SET seats_online = seats_online + 1 WHERE id = $1",
                    locked.view.seats_online,
                ),
            };
            sqlx::query(sql)
                .bind(locked.view.id.as_str())
                .execute(&mut *$tx)
                .await?;
            let seats = |n: i64| serde_json::json!({ "kind": $kind.as_str(), "seats": n }).to_string();
            $crate::audit::audit!(
                $tx,
                $now,
                $actor,
                "session.overbook",
                "session",
                locked.view.id.as_str(),
                Some(seats(before)),
                Some(seats(before + 1))
            )?;
            Ok::<(), $crate::Error>(())
        }
        .await
    };
}
pub(crate) use add_seat;

/// Seats one registration inside the caller's open write transaction `$tx`, whose session row
/// `$locked` (a `Locked`) was read under the session lock: checks the seat kind, asks
/// `skillhub_core::capacity::admit` (or waits for the draw of a batch session), then writes the
/// registration with `$token_hash`, the session's counters and the audit line
/// ([`WriteSeat`]); a live registration of the same e-mail is refused by the partial unique
/// index `registrations_live_email` on that INSERT ([`Error::AlreadyRegistered`]). The returned
/// view is built from the decision (status and waiting position are known from the admission,
/// `$now` is truncated to microseconds), so it equals what a later read returns. Evaluates to
/// `Result<RegistrationView>`; on `Err` the caller must not commit. Shared by
/// [`Store::register`] and the bulk import (`imports.rs`), so a row of an import is decided
/// exactly as a registration of its own would be. A macro, like `audit!`, so it is expanded
/// for whichever backend's transaction it is given.
macro_rules! seat {
    ($tx:ident, $locked:expr, $request:expr, $token_hash:expr, $now:expr) => {
        $crate::registrations::seat!(
            $tx,
            $locked,
            $request,
            $token_hash,
            $now,
            &mut $crate::registrations::Seating::default()
        )
    };
    // `$seating` (`&mut Seating`) is what seats of one session in one transaction share.
    ($tx:ident, $locked:expr, $request:expr, $token_hash:expr, $now:expr, $seating:expr) => {
        async {
            let locked: &$crate::registrations::Locked = $locked;
            let request: &$crate::RegisterRequest = $request;
            let now = $crate::registrations::micros($now);
            let admitted = locked.admits(request, now)?;
            let ahead: i64 = if locked.needs_ahead(admitted.kind) {
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM registrations WHERE session_id = $1 AND kind = $2 \
                     AND status = 'waitlisted' AND tier <= $3",
                )
                .bind(request.session_id.as_str())
                .bind(admitted.kind.as_str())
                .bind(i64::from(request.tier.get()))
                .fetch_one(&mut *$tx)
                .await?
            } else {
                0
            };
            let placed = locked.place(request, now, &admitted, ahead);
            let written = $crate::registrations::WriteSeat::write_seat(
                &mut *$tx,
                placed.write(locked, request, $token_hash),
            )
            .await?;
            let seating: &mut $crate::registrations::Seating = $seating;
            let facts = $crate::registrations::facts!($tx, seating, &request.session_id)?;
            let letter = locked.letter(&written, request, &facts)?;
            match &mut seating.letters {
                Some(letters) => letters.push((letter, now)),
                None => {
                    $crate::outbox::post!($tx, [letter], now)?;
                }
            }
            if let Some(state) = admitted.late {
                $crate::audit::audit!(
                    $tx,
                    now,
                    &request.actor,
                    "registration.late",
                    "registration",
                    &written.id.to_string(),
                    None::<String>,
                    serde_json::to_string(&state).ok()
                )?;
            }
            Ok::<$crate::RegistrationView, $crate::Error>(written)
        }
        .await
    };
}
pub(crate) use seat;

/// The facts of session `$session` (a `&SessionId`) for the messages, as `$seating` (a
/// `&mut Seating`) keeps them, read in the transaction `$tx` the first time; evaluates to
/// `Result<FactsRow>`. A macro, like `seat!`, so it expands for either backend's transaction.
macro_rules! facts {
    ($tx:ident, $seating:expr, $session:expr) => {
        async {
            let seating: &mut $crate::registrations::Seating = $seating;
            let session: &skillhub_core::ids::SessionId = $session;
            match &seating.facts {
                Some(row) if row.is_of(session) => Ok::<_, $crate::Error>(row.clone()),
                _ => {
                    let row: $crate::notices::FactsRow = sqlx::query_as($crate::notices::FACTS)
                        .bind(session.as_str())
                        .fetch_one(&mut *$tx)
                        .await?;
                    seating.facts = Some(row.clone());
                    Ok(row)
                }
            }
        }
        .await
    };
}
pub(crate) use facts;

/// A request that passed [`Locked::admits`]: the kind of seat it takes, and the window's state
/// when it came outside it (staff's late or beyond-seats adds: audited).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admitted {
    pub(crate) kind: SeatKind,
    pub(crate) late: Option<WindowState>,
}

/// What [`Locked::place`] decided for a request, before anything is written.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    /// The registration as it will be stored (`id` 0 until the write gives it one).
    pub(crate) view: RegistrationView,
    /// Seats taken (1 or 0), waiting (0 or 1) and held (1 for a hold).
    seated: i64,
    waiting: i64,
    held: i64,
    /// A seat held until the address is confirmed: the person must confirm, also when
    /// promoted later.
    pending_address: bool,
}

impl Placed {
    /// The writes of this decision ([`WriteSeat::write_seat`]).
    pub(crate) fn write<'a>(
        self,
        locked: &Locked,
        request: &'a RegisterRequest,
        token_hash: &'a str,
    ) -> SeatWrite<'a> {
        let kind = self.view.kind;
        SeatWrite {
            sequence: locked.next_sequence,
            token_hash,
            email_key: request.person.email.key(),
            deltas: deltas(kind, self.seated, self.waiting),
            held: held_deltas(kind, self.held),
            address_check: if self.pending_address {
                "pending"
            } else {
                "none"
            },
            actor: &request.actor,
            reserved_id: locked.reserved_id,
            view: self.view,
        }
    }
}

impl Locked {
    /// Whether the session takes `request` at `now` at all, and in which kind of seat: a
    /// cancelled session, a kind it does not offer, or (for the public) a closed window refuse
    /// it before anything is decided.
    pub(crate) fn admits(&self, request: &RegisterRequest, now: DateTime<Utc>) -> Result<Admitted> {
        if self.view.cancelled_at.is_some() {
            return Err(Error::SessionCancelled(request.session_id.to_string()));
        }
        let kind = request.kind.unwrap_or_else(|| self.view.default_kind());
        if !self.view.mode.offers(kind) {
            return Err(Error::NoSuchSeats {
                session: request.session_id.to_string(),
                kind: kind.as_str(),
            });
        }
        let state = self.view.window()?.state_at(now);
        let late = (state != WindowState::Open).then_some(state);
        if late.is_some() && request.timing == Timing::InWindow {
            return Err(Error::RegistrationClosed {
                session: request.session_id.to_string(),
                state,
            });
        }
        Ok(Admitted { kind, late })
    }

    /// Whether deciding a `kind` seat needs how many wait ahead (no seat free, or a line).
    pub(crate) fn needs_ahead(&self, kind: SeatKind) -> bool {
        let occupancy = self.occupancy(kind);
        occupancy.free() == 0 || occupancy.waiting > 0
    }

    /// Decides `request`'s seat by core's rules: confirmed, held until the address is
    /// confirmed, or waitlisted behind `ahead` (those of its kind waiting in its tier or a
    /// better one; 0 unless [`Locked::needs_ahead`]).
    pub(crate) fn place(
        &self,
        request: &RegisterRequest,
        now: DateTime<Utc>,
        admitted: &Admitted,
        ahead: i64,
    ) -> Placed {
        use skillhub_core::capacity::{Admission, Request};
        let kind = admitted.kind;
        let ahead = u32::try_from(ahead).unwrap_or(u32::MAX);
        // A program that requires address confirmation holds a public registration's seat
        // until the link is followed; staff (late adds, spreadsheets) are never held.
        let hold_until = match request.timing {
            Timing::InWindow => self.hold_until(now),
            Timing::Late | Timing::BeyondSeats => None,
        };
        let asked = match hold_until {
            Some(expires_at) => Request::Hold { expires_at },
            None => Request::Confirm,
        };
        // A batch session gives no seat before its draw: everyone waits for it.
        let admission = if request.timing == Timing::BeyondSeats {
            self.view.phase().admit_beyond_seats(ahead)
        } else {
            self.view.phase().admit(&self.occupancy(kind), ahead, asked)
        };
        let (status, seated, waiting, held) = match admission {
            Admission::Confirm => (Status::Confirmed, 1, 0, 0),
            Admission::Hold { expires_at } => (Status::Held { expires_at }, 1, 0, 1),
            Admission::Waitlist { position } => (Status::Waitlisted { position }, 0, 1, 0),
        };
        Placed {
            view: RegistrationView {
                id: 0,
                session_id: request.session_id.clone(),
                email: request.person.email.as_str().to_owned(),
                name: request.person.name.as_str().to_owned(),
                attributes: serde_json::to_string(&request.person.attributes).unwrap_or_default(),
                codice_fiscale: request.person.codice_fiscale.clone(),
                kind,
                tier: request.tier,
                status,
                lang: request.lang,
                created_at: now,
                updated_at: now,
            },
            seated,
            waiting,
            held,
            pending_address: hold_until.is_some(),
        }
    }

    /// The message telling `request`'s person of `written`, their new registration: in the
    /// draw, waitlisted, asked to confirm their address, or confirmed.
    pub(crate) fn letter(
        &self,
        written: &RegistrationView,
        request: &RegisterRequest,
        facts: &FactsRow,
    ) -> Result<crate::outbox::Letter> {
        let session = facts.facts(written.kind)?;
        let registration = written.id;
        let event = match written.status {
            // Before a batch session's draw everyone waits for the draw, not in a line.
            Status::Waitlisted { .. } if self.view.phase() == Phase::AwaitingDraw => {
                Event::InDraw {
                    registration,
                    session,
                    closes_at: self.view.window()?.closes_at(),
                }
            }
            Status::Waitlisted { position } => Event::Waitlisted {
                registration,
                session,
                position,
            },
            // No invitation yet: it comes with the confirmation.
            Status::Held { expires_at } => Event::ConfirmAddress {
                registration,
                session,
                hold_until: expires_at,
            },
            _ => Event::Confirmed {
                registration,
                session,
            },
        };
        crate::notices::letter(
            Some(registration),
            request.person.email.as_str(),
            &request.person.email.key(),
            skillhub_notify::Notice {
                lang: request.lang,
                name: request.person.name.as_str().to_owned(),
                event,
            },
            written.created_at,
        )
    }
}

/// What the seats of one session in one transaction share ([`seat!`]): the session's facts for
/// the messages, read once (a registration does not change them), and, when the caller writes
/// the messages itself, the letters not yet written, each with when it was decided.
#[derive(Debug, Default)]
pub(crate) struct Seating {
    /// The session's facts, once read.
    pub(crate) facts: Option<FactsRow>,
    /// `None`: each seat writes its message at once; `Some`: it is kept here for the caller.
    pub(crate) letters: Option<Vec<(crate::outbox::Letter, DateTime<Utc>)>>,
}

impl Store {
    /// Cancels a registration; a freed seat goes at once to the head of its waiting list, in the
    /// same transaction, and the positions behind move up.
    /// The person (`by`: [`Canceller::Person`]) or staff is told, and so is everyone promoted,
    /// by messages written with the cancellation.
    pub async fn cancel(
        &self,
        actor: &str,
        by: Canceller,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        self.cancel_because(actor, by, None, id, now).await
    }

    /// Cancels a registration as [`Store::cancel`] does, from staff, with the `reason` the
    /// person reads in their message.
    pub async fn cancel_by_staff(
        &self,
        actor: &str,
        id: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        self.cancel_because(actor, Canceller::Staff, Some(reason), id, now)
            .await
    }

    async fn cancel_because(
        &self,
        actor: &str,
        by: Canceller,
        reason: Option<&str>,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Cancellation> {
        let session_id = self.session_of_registration(id).await?;
        write_tx!(self, |tx, lock| {
            let mut locked: Locked = sqlx::query_as(lock)
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
            // Holds due to expire go first (this one too: an expired hold cannot be cancelled).
            if locked.holds_due(now) {
                expire_due!(tx, &locked, EXPIRY_ACTOR, now)?;
                locked = sqlx::query_as(lock)
                    .bind(&session_id)
                    .fetch_one(&mut *tx)
                    .await?;
            }
            let before: RegistrationView =
                sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
            let kind = before.kind;
            let status = before.status;
            let Some(after) = after_cancel(&locked.occupancy(kind), &status) else {
                return Err(Error::Transition {
                    id,
                    status: status.name().to_owned(),
                    action: "cancelled",
                });
            };
            sqlx::query(
                "UPDATE registrations SET status = 'cancelled', updated_at = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let (freed_seat, freed_wait, freed_hold) = match status {
                Status::Waitlisted { .. } => (0, -1, 0),
                Status::Held { .. } => (-1, 0, -1),
                _ => (-1, 0, 0),
            };
            let (a, b, c, d) = deltas(kind, freed_seat, freed_wait);
            sqlx::query(UPDATE_COUNTS)
                .bind(&session_id)
                .bind(a)
                .bind(b)
                .bind(c)
                .bind(d)
                .bind(0_i64)
                .execute(&mut *tx)
                .await?;
            if freed_hold != 0 {
                let (e, f) = held_deltas(kind, freed_hold);
                sqlx::query(UPDATE_HELD)
                    .bind(&session_id)
                    .bind(e)
                    .bind(f)
                    .execute(&mut *tx)
                    .await?;
            }
            let facts: FactsRow = sqlx::query_as(FACTS)
                .bind(&session_id)
                .fetch_one(&mut *tx)
                .await?;
            let to: Addressee = sqlx::query_as(ADDRESSEE)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            let letter = to.letter(
                Event::Cancelled {
                    registration: id,
                    session: facts.facts(kind)?,
                    by,
                    reason: reason.map(ToOwned::to_owned),
                },
                now,
            )?;
            post!(tx, [letter], now)?;
            // Before a batch session's draw a cancellation only leaves the pool.
            let promote = locked.view.phase().promotions(&after);
            let promoted = promote!(tx, &locked, kind, promote, actor, now)?;
            let registration: RegistrationView =
                sqlx::query_as(VIEW).bind(id).fetch_one(&mut *tx).await?;
            audit!(
                tx,
                now,
                actor,
                "registration.cancel",
                "registration",
                &id.to_string(),
                audited(&before),
                audited(&registration)
            )?;
            Ok(Cancellation {
                registration,
                promoted,
            })
        })
    }

    /// Records what will fix a batch session's draw ([`Commitment`]), while its registration
    /// is not yet closed, so the seed cannot be chosen after the applicants are known. Once.
    pub async fn commit_draw(
        &self,
        actor: &str,
        session_id: &str,
        commitment: &Commitment,
        now: DateTime<Utc>,
    ) -> Result<SessionView> {
        let refused = |refusal| Error::Draw {
            session: session_id.to_owned(),
            refusal,
        };
        write_tx!(self, |tx, lock| {
            let locked = batch_session(
                sqlx::query_as(lock)
                    .bind(session_id)
                    .fetch_optional(&mut *tx)
                    .await?,
                session_id,
            )?;
            if let Some(recorded) = &locked.view.draw_commitment {
                return Err(refused(DrawRefusal::AlreadyCommitted(recorded.clone())));
            }
            if matches!(
                locked.view.window()?.state_at(now),
                WindowState::Closed { .. }
            ) {
                return Err(refused(DrawRefusal::TooLateToCommit));
            }
            let text = commitment.to_string();
            sqlx::query("UPDATE sessions SET draw_commitment = $2 WHERE id = $1")
                .bind(session_id)
                .bind(&text)
                .execute(&mut *tx)
                .await?;
            audit!(
                tx,
                now,
                actor,
                "session.commit_draw",
                "session",
                session_id,
                None::<String>,
                Some(serde_json::json!({ "draw_commitment": text }).to_string())
            )?;
            let mut view = locked.view;
            view.draw_commitment = Some(text);
            Ok(view)
        })
    }

    /// Runs the draw of a batch session once its registration has closed, with the public
    /// value its recorded commitment promised. Inside the transaction that holds the session's
    /// lock, the pool is read (every waiting registration), the verifiable draw is made over
    /// the pool's ids (`skillhub_allocation::lottery::verifiable_draw`: seed = SHA-256 of
    /// the canonical list followed by the public value), and per seat kind the waiting
    /// registrations are ordered by tier, then by their place in that draw
    /// (`batch::allocate_placed`): the first ones get the free seats and the rest keep that
    /// order on the waiting list. The public value and the seed are stored with the session and
    /// in the audit log, so anyone can recompute the order (`skillhub lottery verify`). Runs
    /// once.
    pub async fn allocate(
        &self,
        actor: &str,
        session_id: &str,
        public_value: &str,
        now: DateTime<Utc>,
    ) -> Result<Allocation> {
        let refused = |refusal| Error::Draw {
            session: session_id.to_owned(),
            refusal,
        };
        write_tx!(self, |tx, lock| {
            let locked = batch_session(
                sqlx::query_as(lock)
                    .bind(session_id)
                    .fetch_optional(&mut *tx)
                    .await?,
                session_id,
            )?;
            if let Some(done) = &locked.view.lottery_seed {
                return Err(Error::AlreadyAllocated {
                    session: session_id.to_owned(),
                    seed: done.clone(),
                });
            }
            let window = locked.view.window()?;
            if !matches!(window.state_at(now), WindowState::Closed { .. }) {
                return Err(refused(DrawRefusal::StillOpen(window.closes_at())));
            }
            let Some(commitment) = locked.view.commitment()? else {
                return Err(refused(DrawRefusal::NotCommitted));
            };
            if !commitment.admits(public_value) {
                return Err(refused(DrawRefusal::ValueRefused));
            }
            let pool: Vec<(i64, i64, String)> = sqlx::query_as(
                "SELECT id, tier, kind FROM registrations WHERE session_id = $1 \
                 AND status = 'waitlisted' ORDER BY id",
            )
            .bind(session_id)
            .fetch_all(&mut *tx)
            .await?;
            let ids: Vec<String> = pool.iter().map(|(id, ..)| id.to_string()).collect();
            let draw =
                lottery::verifiable_draw(&ids, public_value).map_err(|err| Error::Corrupt {
                    table: "registrations",
                    message: format!("the pool of {session_id} cannot be drawn: {err}"),
                })?;
            let places: std::collections::HashMap<&str, u32> = draw
                .order
                .iter()
                .zip(0u32..)
                .map(|(id, place)| (*id, place))
                .collect();
            let mut result = Allocation {
                seed: draw.seed.to_string(),
                public_value: public_value.to_owned(),
                lottery_order: draw.order.iter().filter_map(|id| id.parse().ok()).collect(),
                confirmed: Vec::new(),
                waitlisted: Vec::new(),
            };
            for kind in SeatKind::ALL {
                let applicants = pool
                    .iter()
                    .zip(&ids)
                    .filter(|((_, _, k), _)| k == kind.as_str())
                    .map(|(&(id, tier, _), text)| {
                        let applicant = Applicant {
                            id,
                            tier: Tier::new(u8::try_from(tier).unwrap_or(u8::MAX)),
                        };
                        (
                            applicant,
                            places.get(text.as_str()).copied().unwrap_or(u32::MAX),
                        )
                    });
                let drawn =
                    batch::allocate_placed(applicants, locked.occupancy(kind).free(), draw.seed);
                for (sequence, placed) in drawn.order().iter().enumerate() {
                    let confirmed = matches!(placed.outcome, batch::Outcome::Confirmed);
                    sqlx::query(
                        "UPDATE registrations SET sequence = $2, status = $3, updated_at = $4 WHERE id = $1",
                    )
                    .bind(placed.id)
                    .bind(i64::try_from(sequence).unwrap_or(i64::MAX))
                    .bind(if confirmed { "confirmed" } else { "waitlisted" })
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    if confirmed {
                        result.confirmed.push(placed.id);
                    } else {
                        result.waitlisted.push(placed.id);
                    }
                }
                let moved = i64::try_from(drawn.confirmed().count()).unwrap_or(i64::MAX);
                let (a, b, c, d) = deltas(kind, moved, -moved);
                sqlx::query(UPDATE_COUNTS)
                    .bind(session_id)
                    .bind(a)
                    .bind(b)
                    .bind(c)
                    .bind(d)
                    .bind(0_i64)
                    .execute(&mut *tx)
                    .await?;
            }
            // Everyone in the pool hears the result: a seat, or a place in line.
            let facts: FactsRow = sqlx::query_as(FACTS)
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await?;
            let mut letters = Vec::with_capacity(pool.len());
            let mut in_line = std::collections::HashMap::<String, u32>::new();
            let told = result
                .confirmed
                .iter()
                .map(|id| (*id, true))
                .chain(result.waitlisted.iter().map(|id| (*id, false)));
            for (id, seated) in told {
                let to: Addressee = sqlx::query_as(ADDRESSEE)
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
                let kind = to.kind()?;
                let outcome = if seated {
                    DrawOutcome::Confirmed
                } else {
                    let position = in_line.entry(to.kind.clone()).or_insert(0);
                    *position += 1;
                    DrawOutcome::Waitlisted {
                        position: *position,
                    }
                };
                letters.push(to.letter(
                    Event::Drawn {
                        registration: id,
                        session: facts.facts(kind)?,
                        outcome,
                    },
                    now,
                )?);
            }
            post!(tx, letters, now)?;
            sqlx::query(
                "UPDATE sessions SET lottery_seed = $2, draw_public_value = $3 WHERE id = $1",
            )
            .bind(session_id)
            .bind(&result.seed)
            .bind(public_value)
            .execute(&mut *tx)
            .await?;
            let after = serde_json::json!({
                "seed": result.seed,
                "public_value": result.public_value,
                "pool": ids,
                "lottery_order": result.lottery_order,
                "confirmed": result.confirmed,
                "waitlisted": result.waitlisted,
            });
            audit!(
                tx,
                now,
                actor,
                "session.allocate",
                "session",
                session_id,
                None::<String>,
                Some(after.to_string())
            )?;
            Ok(result)
        })
    }

    /// The session of a registration (which never changes, so it is read before the write
    /// transaction that locks that session).
    pub(crate) async fn session_of_registration(&self, id: i64) -> Result<String> {
        let session_id: Option<String> = read!(self, |pool| {
            sqlx::query_scalar("SELECT session_id FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        session_id.ok_or(Error::UnknownRegistration(id))
    }

    /// One registration with its current waiting position.
    pub async fn registration(&self, id: i64) -> Result<Option<RegistrationView>> {
        Ok(read!(self, |pool| {
            sqlx::query_as(VIEW).bind(id).fetch_optional(pool).await?
        }))
    }

    /// Whether `token` is the registration's manage token (compared as hashes, in constant time).
    pub async fn check_manage_token(&self, id: i64, token: &str) -> Result<bool> {
        let hash = hash_token(token);
        let (stored, mailed): (Option<String>, Option<i64>) = read!(self, |pool| {
            let stored =
                sqlx::query_scalar("SELECT manage_token_hash FROM registrations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
            // A link mailed to the person (`issue_manage_tokens`), found by its hash.
            let mailed = sqlx::query_scalar(
                "SELECT registration_id FROM manage_tokens WHERE token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(pool)
            .await?;
            (stored, mailed)
        });
        Ok(stored.is_some_and(|stored| crate::tokens::same(&stored, &hash)) || mailed == Some(id))
    }

    /// Every registration of a session: waiting ones in list order with their positions, then
    /// the others by id.
    pub async fn session_registrations(&self, session_id: &str) -> Result<Vec<RegistrationView>> {
        let mut rows: Vec<RegistrationRow> = read!(self, |pool| {
            sqlx::query_as(
                "SELECT id, session_id, email, name, attributes, kind, tier, status, \
                 CAST(NULL AS BIGINT) AS position, lang, created_at, updated_at, hold_expires_at, \
                 codice_fiscale FROM registrations \
                 WHERE session_id = $1 ORDER BY kind, CASE WHEN status = 'waitlisted' THEN 0 ELSE 1 END, \
                 tier, sequence, id",
            )
            .bind(session_id)
            .fetch_all(pool)
            .await?
        });
        let mut position = 0;
        let mut kind = String::new();
        for row in rows.iter_mut().filter(|r| r.status == "waitlisted") {
            if row.kind != kind {
                kind.clone_from(&row.kind);
                position = 0;
            }
            position += 1;
            row.position = Some(position);
        }
        rows.into_iter().map(RegistrationView::try_from).collect()
    }
}

/// The locked row of a batch session (what its draw and commitment need), or why there is none.
fn batch_session(locked: Option<Locked>, session_id: &str) -> Result<Locked> {
    let Some(locked) = locked else {
        return Err(Error::UnknownSession(session_id.to_owned()));
    };
    if locked.view.policy != Policy::Batch {
        return Err(Error::NotBatch(session_id.to_owned()));
    }
    Ok(locked)
}
