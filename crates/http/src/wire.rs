//! The wire types: the JSON bodies of the API, as the OpenAPI document describes them.
//!
//! They are converted from the store's views and core's types and never the other way round:
//! core types are not the API, so core can rename a field without breaking a client. Instants
//! are RFC 3339 in UTC with a `Z` (`2019-02-12T08:30:00Z`).

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use skillhub_core::capacity::{SeatKind as CoreSeatKind, Status};
use skillhub_core::hub::Hub as CoreHub;
use skillhub_core::lang::Lang;
use skillhub_core::program::Program as CoreProgram;
use skillhub_core::session::Mode as CoreMode;
use skillhub_store::{RegistrationView, SessionView};
use utoipa::ToSchema;

/// Writes an instant as RFC 3339 in UTC with `Z`, with fractions of a second only when present.
fn utc<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// An optional instant as RFC 3339 UTC, or null.
fn utc_opt<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => utc(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A count from the store (never negative there) as an unsigned number.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the server answers.
    #[schema(example = "ok")]
    pub status: String,
}

/// `GET /readyz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Readiness {
    /// Always `ready` when the answer is 200.
    #[schema(example = "ready")]
    pub status: String,
}

/// How people attend a session ("modalità").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// In the room ("in presenza").
    InPerson,
    /// Online.
    Online,
    /// Both, each with its own seats.
    Hybrid,
}

impl From<CoreMode> for Mode {
    fn from(mode: CoreMode) -> Mode {
        match mode {
            CoreMode::InPerson => Mode::InPerson,
            CoreMode::Online => Mode::Online,
            CoreMode::Hybrid => Mode::Hybrid,
        }
    }
}

/// A range of DigComp 2.2 proficiency levels (1–8) a session is meant for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Level {
    /// Lowest level, 1–8.
    #[schema(minimum = 1, maximum = 8)]
    pub min: u8,
    /// Highest level, 1–8, at least `min`.
    #[schema(minimum = 1, maximum = 8)]
    pub max: u8,
}

/// A session ("incontro") with its live seat counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Session {
    /// Id, e.g. `binario-f-2019-02-12`.
    pub id: String,
    /// The program it belongs to.
    pub program_id: String,
    /// The hub where it happens; null for an online session without a hub.
    #[schema(required = true)]
    pub hub_id: Option<String>,
    /// Title as published.
    pub title: String,
    /// Start, RFC 3339 UTC.
    #[serde(serialize_with = "utc")]
    pub starts_at: DateTime<Utc>,
    /// End, RFC 3339 UTC.
    #[serde(serialize_with = "utc")]
    pub ends_at: DateTime<Utc>,
    /// IANA zone of its local times (the hub's, or the program's without a hub).
    #[schema(example = "Europe/Rome")]
    pub zone: String,
    /// How people attend.
    pub mode: Mode,
    /// DigComp levels it is meant for, or null.
    #[schema(required = true)]
    pub level: Option<Level>,
    /// All seats (in person and online).
    pub capacity: u32,
    /// Seats given.
    pub confirmed: u32,
    /// People on the waiting list.
    pub waitlisted: u32,
    /// Seats still free.
    pub seats_left: u32,
    /// When registration opens; null when it has been open since the session was created.
    #[schema(required = true)]
    #[serde(serialize_with = "utc_opt")]
    pub registration_opens_at: Option<DateTime<Utc>>,
    /// When registration closes (at the start unless set earlier).
    #[serde(serialize_with = "utc")]
    pub registration_closes_at: DateTime<Utc>,
    /// A batch session's draw commitment, once recorded; null otherwise.
    #[schema(required = true)]
    pub draw_commitment: Option<String>,
    /// The public value its draw used, once it ran; null before.
    #[schema(required = true)]
    pub draw_public_value: Option<String>,
    /// When staff cancelled it (everyone registered was told); absent while it goes ahead.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "utc_opt"
    )]
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// The body of `PATCH /v1/sessions/{id}`: a new time, place, title or number of seats; what is
/// absent stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionChange {
    /// The new start (RFC 3339).
    pub starts_at: Option<DateTime<Utc>>,
    /// The new end (RFC 3339).
    pub ends_at: Option<DateTime<Utc>>,
    /// The new hub, one of the session's program.
    pub hub_id: Option<String>,
    /// The new title, 1–300 characters.
    pub title: Option<String>,
    /// All seats (split by the session's mode as at creation); never fewer than the seats
    /// already given. More seats go at once to the first people waiting.
    pub capacity: Option<u32>,
}

/// What `POST /v1/sessions/{id}/cancellation` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionCancelled {
    /// The session, with its `cancelled_at`.
    pub session: Session,
    /// The registrations cancelled with it (confirmed or waiting; each was told by e-mail).
    pub cancelled: Vec<i64>,
}

impl Session {
    /// The wire form of a stored session; `None` when the stored mode or levels are not ones
    /// the API knows (a hand-edited database).
    pub fn from_view(view: &SessionView) -> Option<Session> {
        let level = match (view.level_min, view.level_max) {
            (Some(min), Some(max)) => Some(Level {
                min: u8::try_from(min).ok()?,
                max: u8::try_from(max).ok()?,
            }),
            _ => None,
        };
        Some(Session {
            id: view.id.to_string(),
            program_id: view.program_id.to_string(),
            hub_id: view.hub_id.as_ref().map(ToString::to_string),
            title: view.title.clone(),
            starts_at: view.starts_at,
            ends_at: view.ends_at,
            zone: view.zone.name().to_owned(),
            mode: view.mode.into(),
            level,
            capacity: count(view.capacity()),
            confirmed: count(view.confirmed()),
            waitlisted: count(view.waitlisted()),
            seats_left: count(view.seats_left()),
            registration_opens_at: view.registration_opens_at,
            registration_closes_at: view.registration_closes_at.unwrap_or(view.starts_at),
            draw_commitment: view.draw_commitment.clone(),
            draw_public_value: view.draw_public_value.clone(),
            cancelled_at: view.cancelled_at,
        })
    }
}

/// A page of sessions in start order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SessionPage {
    /// The sessions of this page.
    pub items: Vec<Session>,
    /// Pass as `cursor` to get the next page; null on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Seats per kind, for `POST /v1/sessions` when a hybrid session's split is not half and half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Seats {
    /// Seats in the room.
    #[serde(default)]
    pub in_person: u32,
    /// Places online.
    #[serde(default)]
    pub online: u32,
}

/// The body of `POST /v1/sessions`.
///
/// Instants may carry any offset; the session's local times are derived in the hub's zone (the
/// program's zone without a hub) and must fall on one local day. Seats: `capacity` goes to the
/// mode's seats — all in the room for `in_person`, all online for `online`, and for `hybrid` half
/// and half with the odd seat in the room — unless `seats` says the split (then `capacity`, if
/// given, must be their sum). `in_person` and `hybrid` sessions need a hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewSession {
    /// The program (an operator token may only create sessions of its own program).
    pub program_id: String,
    /// The hub; may be null or absent for an online session.
    #[serde(default)]
    pub hub_id: Option<String>,
    /// Title, 1–300 characters.
    pub title: String,
    /// Start, RFC 3339.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: String,
    /// End, RFC 3339, on the same local day.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: String,
    /// All seats, 0–100000 per kind.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// How people attend.
    pub mode: Mode,
    /// Seats per kind, instead of (or checking) `capacity`.
    #[serde(default)]
    pub seats: Option<Seats>,
    /// The session's id; by default `HUB-YYYY-MM-DD-HHMM` (or `PROGRAM-…` without a hub) from the
    /// local start.
    #[serde(default)]
    pub id: Option<String>,
    /// DigComp levels it is meant for.
    #[serde(default)]
    pub level: Option<Level>,
    /// `first_come` (default: seats until they run out) or `batch` (everyone waits for the
    /// draw run with `POST /v1/sessions/{id}/allocation`).
    #[serde(default)]
    pub policy: Option<Policy>,
    /// When registration opens, RFC 3339 (default: at once).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub registration_opens_at: Option<String>,
    /// When registration closes, RFC 3339, at or before the start (default: the start).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub registration_closes_at: Option<String>,
    /// A batch session's draw commitment (see `DrawCommitment`), fixed now rather than later.
    #[serde(default)]
    pub draw_commitment: Option<String>,
}

/// The body of `POST /v1/sessions/{id}/draw-commitment`: what will fix a batch session's draw,
/// recorded before registration closes, so nobody can pick a seed after seeing who applied.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DrawCommitment {
    /// `sha256:` and the 64 hex digits of the SHA-256 of a secret to be revealed at the draw
    /// (a hash commitment), or the description of a public value nobody knows yet, e.g.
    /// `Lotto, estrazione del 2019-03-02, ruota di Roma, i cinque numeri separati da spazi`.
    #[schema(
        example = "Lotto, estrazione del 2019-03-02, ruota di Roma, i cinque numeri separati da spazi"
    )]
    pub commitment: String,
}

/// How a session gives its seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Until seats run out.
    FirstCome,
    /// A draw by priority tier, then lottery, when registration closes.
    Batch,
}

/// The body of `POST /v1/sessions/{id}/allocation`: the public value the session's draw
/// commitment promised (the secret whose hash was committed, or the public value described).
/// The seed is SHA-256 of the pool's registration ids, sorted as text, one per line, then the
/// value; no other seed is accepted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AllocationRequest {
    /// The public value, exactly as published (e.g. a lotto draw's numbers).
    pub public_value: String,
}

/// What a draw did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationResult {
    /// The session.
    pub session_id: String,
    /// The seed used (64 hex digits): SHA-256 of the pool's canonical list and the public value.
    pub seed: String,
    /// The public value the commitment promised.
    pub public_value: String,
    /// Every registration of the pool (both seat kinds) in the lottery's order, before tiers:
    /// `skillhub lottery verify --ids POOL --public-value VALUE --order THIS` checks it.
    pub lottery_order: Vec<i64>,
    /// Registrations given a seat, in draw order.
    pub confirmed: Vec<i64>,
    /// Registrations left waiting, in list order.
    pub waitlisted: Vec<i64>,
}

/// What a person declares about themselves; every field is optional, and an eligibility rule
/// that needs a missing one refuses with a reason that asks for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attributes {
    /// `female`, `male` or `non_binary`.
    #[schema(example = "female")]
    pub gender: Option<String>,
    /// Roles, e.g. `community_admin`, `pa_communicator`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Country of residence, ISO 3166-1 alpha-2.
    #[schema(example = "IT")]
    pub country: Option<String>,
    /// Region of residence, e.g. `lazio`.
    pub region: Option<String>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// `public_administration`, `utility`, `sme`, `startup`, `cooperative`, `social_cooperative`,
    /// `non_profit`, `large_enterprise` or `education`.
    pub organisation_type: Option<String>,
    /// The partita IVA or codice fiscale of that organisation (11 digits with their check digit,
    /// or a person's 16 characters): the key by which it counts once for a target of `smes` or
    /// `cooperatives`; a wrong check digit is refused at `/attributes/organisation_code`.
    #[schema(example = "01234567897")]
    pub organisation_code: Option<String>,
    /// Memberships, e.g. `albo_cooperative`.
    #[serde(default)]
    pub memberships: Vec<String>,
}

/// The body of `POST /v1/sessions/{id}/registrations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewRegistration {
    /// Contact address; one live registration per address and session.
    #[schema(example = "anna.rossi@example.it")]
    pub email: String,
    /// Name and surname, 1–200 characters.
    #[schema(example = "Anna Rossi")]
    pub name: String,
    /// What the program's eligibility and priority rules read.
    #[serde(default)]
    pub attributes: Option<Attributes>,
    /// The person's codice fiscale (16 characters, any case; its check letter is verified).
    /// Required by a program whose settings say `codice_fiscale = "required"` (422 at
    /// `/codice_fiscale` without it, or when it disagrees with `attributes.birth_date`); one
    /// live registration per code and session (409).
    #[schema(example = "RSSMRA85T10A562S")]
    #[serde(default)]
    pub codice_fiscale: Option<String>,
    /// The kind of seat: a hybrid session offers both (default: in the room, unless the
    /// session has online seats only).
    #[serde(default)]
    pub seat: Option<SeatKind>,
    /// Admin only: add the person outside the registration window on purpose (audited as
    /// `registration.late`). Anyone else gets 403 for it.
    #[serde(default)]
    pub late: Option<bool>,
    /// The language of the messages about this registration (default Italian).
    #[serde(default)]
    pub lang: Option<Language>,
}

/// A language people are written to in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Italiano.
    It,
    /// English.
    En,
}

impl From<Language> for Lang {
    fn from(language: Language) -> Lang {
        match language {
            Language::It => Lang::It,
            Language::En => Lang::En,
        }
    }
}

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Holds a seat until `hold_expires_at` while the person confirms their address (a program
    /// that requires address confirmation): the link is in the message sent to it.
    Held,
    /// Has a seat.
    Confirmed,
    /// On the waiting list ("lista d'attesa").
    Waitlisted,
    /// Cancelled.
    Cancelled,
    /// Came.
    Attended,
    /// Did not come.
    NoShow,
    /// A hold whose address was not confirmed in time: its seat went on.
    Expired,
}

impl RegistrationStatus {
    /// The wire status of a stored one.
    fn of(status: &Status) -> RegistrationStatus {
        match status {
            Status::Held { .. } => RegistrationStatus::Held,
            Status::Confirmed => RegistrationStatus::Confirmed,
            Status::Waitlisted { .. } => RegistrationStatus::Waitlisted,
            Status::Cancelled => RegistrationStatus::Cancelled,
            Status::Attended => RegistrationStatus::Attended,
            Status::NoShow => RegistrationStatus::NoShow,
            Status::Expired => RegistrationStatus::Expired,
        }
    }
}

/// When a held seat is freed unless the address is confirmed; `None` unless held.
fn hold_expiry(status: &Status) -> Option<DateTime<Utc>> {
    match status {
        Status::Held { expires_at } => Some(*expires_at),
        _ => None,
    }
}

impl From<CoreSeatKind> for SeatKind {
    fn from(kind: CoreSeatKind) -> SeatKind {
        match kind {
            CoreSeatKind::InPerson => SeatKind::InPerson,
            CoreSeatKind::Online => SeatKind::Online,
        }
    }
}

impl From<SeatKind> for CoreSeatKind {
    fn from(kind: SeatKind) -> CoreSeatKind {
        match kind {
            SeatKind::InPerson => CoreSeatKind::InPerson,
            SeatKind::Online => CoreSeatKind::Online,
        }
    }
}

/// The kind of seat a registration holds or waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatKind {
    /// In the room.
    InPerson,
    /// Online.
    Online,
}

/// The answer to a new registration (201); the only time `manage_token` is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RegistrationCreated {
    /// Id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// `confirmed` or `waitlisted`.
    pub status: RegistrationStatus,
    /// 1-based place on the waiting list; null when confirmed.
    #[schema(required = true)]
    pub waitlist_position: Option<u32>,
    /// For a held seat only (`status: held`): when it is freed unless the address is confirmed
    /// by the link mailed to it (RFC 3339 UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "utc_opt"
    )]
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// The secret that lets the person see and cancel the registration
    /// (`Authorization: Bearer …`); stored only as a hash.
    pub manage_token: String,
}

impl RegistrationCreated {
    /// The 201 body for a new registration.
    pub fn from_view(view: &RegistrationView, manage_token: &str) -> Option<RegistrationCreated> {
        Some(RegistrationCreated {
            id: view.id,
            session_id: view.session_id.to_string(),
            status: RegistrationStatus::of(&view.status),
            waitlist_position: view.position(),
            hold_expires_at: hold_expiry(&view.status),
            manage_token: manage_token.to_owned(),
        })
    }
}

/// A registration as its owner, the program's operators and the admin see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Registration {
    /// Id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// Where it stands.
    pub status: RegistrationStatus,
    /// 1-based place on the waiting list; null unless waitlisted.
    #[schema(required = true)]
    pub waitlist_position: Option<u32>,
    /// For a held seat only (`status: held`): when it is freed unless the address is confirmed
    /// by the link mailed to it (RFC 3339 UTC).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "utc_opt"
    )]
    pub hold_expires_at: Option<DateTime<Utc>>,
    /// The kind of seat.
    pub seat: SeatKind,
    /// Contact address.
    pub email: String,
    /// Name and surname.
    pub name: String,
    /// What the person declared.
    #[schema(value_type = Attributes)]
    pub attributes: serde_json::Value,
    /// When it was made.
    #[serde(serialize_with = "utc")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "utc")]
    pub updated_at: DateTime<Utc>,
}

impl Registration {
    /// The wire form of a stored registration; `None` for a status or seat kind the API does
    /// not know (a hand-edited database).
    pub fn from_view(view: &RegistrationView) -> Option<Registration> {
        let attributes = serde_json::from_str(&view.attributes)
            .unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()));
        Some(Registration {
            id: view.id,
            session_id: view.session_id.to_string(),
            status: RegistrationStatus::of(&view.status),
            waitlist_position: view.position(),
            hold_expires_at: hold_expiry(&view.status),
            seat: view.kind.into(),
            email: view.email.clone(),
            name: view.name.clone(),
            attributes,
            created_at: view.created_at,
            updated_at: view.updated_at,
        })
    }
}

/// The registrations of a session: waiting ones in list order, then the others.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RegistrationList {
    /// The registrations.
    pub items: Vec<Registration>,
}

/// A sentence in Italian and in English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Text {
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
}

/// A program's date range; `until` null means open-ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Window {
    /// First day.
    pub from: NaiveDate,
    /// Last day, if known.
    #[schema(required = true)]
    pub until: Option<NaiveDate>,
}

/// A partner organisation and its part (its tax codes and contact are not published).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Partner {
    /// Id within the program, e.g. `pa-social`: what a hub's `partner` and `?partner=` name.
    pub id: String,
    /// Name.
    pub name: String,
    /// What kind of organisation: `association`, `social_cooperative`, `cooperative`,
    /// `company`, `foundation`, `school`, `public_body` or `other`.
    pub kind: String,
    /// What it does, in Italian; null when the program does not say.
    #[schema(required = true)]
    pub role: Option<String>,
}

/// A program ("programma").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Program {
    /// Id, e.g. `binario-f`.
    pub id: String,
    /// Name as published.
    pub name: String,
    /// One paragraph in Italian.
    pub summary_it: String,
    /// Zone of its dates and of its sessions without a hub.
    pub zone: String,
    /// When it runs.
    pub window: Window,
    /// Who it is for, e.g. `women`, `smes`.
    pub audiences: Vec<String>,
    /// Countries where it runs (ISO 3166-1 alpha-2).
    pub countries: Vec<String>,
    /// Sponsors.
    pub sponsors: Vec<String>,
    /// Partners.
    pub partners: Vec<Partner>,
    /// Its hubs' ids.
    pub hubs: Vec<String>,
    /// Who may take part, in words; null when everyone may.
    #[schema(required = true)]
    pub eligibility: Option<Text>,
    /// Who goes first on waiting lists, best tier first.
    pub priority: Vec<Text>,
    /// Its current version: 1 when first stored, one more at each edit.
    pub version: i64,
}

impl Program {
    /// The program at `version`.
    pub(crate) fn new(p: &CoreProgram, version: i64) -> Self {
        Program {
            version,
            id: p.id().to_string(),
            name: p.name().to_owned(),
            summary_it: p.summary_it().to_owned(),
            zone: p.zone().name().to_owned(),
            window: Window {
                from: p.window().from,
                until: p.window().until,
            },
            audiences: p.audiences().iter().map(serde_name).collect(),
            countries: p.countries().iter().map(ToString::to_string).collect(),
            sponsors: p.sponsors().to_vec(),
            partners: p
                .partners()
                .iter()
                .map(|x| Partner {
                    id: x.id.to_string(),
                    name: x.name.clone(),
                    kind: x.kind.code().to_owned(),
                    role: x.role.clone(),
                })
                .collect(),
            hubs: p.hubs().iter().map(|h| h.id.to_string()).collect(),
            eligibility: p.eligibility().map(|rule| {
                let d = rule.describe();
                Text {
                    it: d.it().to_owned(),
                    en: d.en().to_owned(),
                }
            }),
            priority: p
                .priority()
                .iter()
                .map(|t| Text {
                    it: t.name_it.clone(),
                    en: t.name_en.clone(),
                })
                .collect(),
        }
    }
}

/// The string serde writes for a core enum, so the wire names follow the fixtures' names.
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => other.map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// The programs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramList {
    /// Every program, in id order.
    pub items: Vec<Program>,
}

/// One change a program's new definition makes ("modifica"), said in Italian and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramChange {
    /// What kind: `renamed`, `target_added`, `eligibility_changed`, `priority_changed`,
    /// `hub_added`, `hub_removed`, `hub_moved`, `hub_renamed`, `room_added`, `session_added`,
    /// `session_dropped`, `session_differs`, ….
    pub kind: String,
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
    /// What to know about it: a change of eligibility or priority applies to registrations
    /// made after it only; a published session is not changed from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// What storing a program's definition does, or for a dry run would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramPlan {
    /// The program.
    pub program_id: String,
    /// Whether the program is new.
    pub created: bool,
    /// The version it was at; null for a new program.
    #[schema(required = true)]
    pub previous_version: Option<i64>,
    /// The version it is at after the write (1 for a new program).
    pub version: i64,
    /// Whether it was written (false for a dry run).
    pub written: bool,
    /// What changes against the current version, in the order of the program's fields.
    pub changes: Vec<ProgramChange>,
    /// The definition's sessions that were not stored yet: published under the new version.
    pub sessions_added: Vec<String>,
    /// Said when a change of eligibility or priority applies to registrations made after it
    /// only (seats already given never change); null otherwise.
    #[schema(required = true)]
    pub note: Option<Text>,
}

/// One version of a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramVersion {
    /// 1, 2, …
    pub version: i64,
    /// How its definition was written: `toml` or `json`.
    pub format: String,
    /// Who stored it: `seed`, `admin`, `cli`, `staff:ID`.
    pub actor: String,
    /// When.
    #[serde(serialize_with = "utc")]
    pub created_at: DateTime<Utc>,
    /// A short Italian summary of what it changed.
    pub summary: String,
    /// What it changed.
    pub changes: Vec<ProgramChange>,
}

/// A program's versions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProgramHistory {
    /// The program.
    pub program_id: String,
    /// Its versions, newest first.
    pub items: Vec<ProgramVersion>,
}

/// A hub ("polo", "sede").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Hub {
    /// Id, unique across programs.
    pub id: String,
    /// The program it belongs to.
    pub program_id: String,
    /// Name.
    pub name: String,
    /// Address on one line.
    pub address: String,
    /// IANA zone of its sessions' local times.
    pub zone: String,
    /// The id of the partner organisation that runs it, if the program names one.
    #[schema(required = true)]
    pub partner: Option<String>,
}

impl Hub {
    /// The wire form of a program's hub.
    pub fn new(program: &CoreProgram, hub: &CoreHub) -> Hub {
        Hub {
            id: hub.id.to_string(),
            program_id: program.id().to_string(),
            name: hub.name.clone(),
            address: hub.address.one_line(),
            zone: hub.zone.name().to_owned(),
            partner: hub.partner.as_ref().map(ToString::to_string),
        }
    }
}

/// The hubs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HubList {
    /// Every hub, by program then in the program's order.
    pub items: Vec<Hub>,
}

/// One invalid part of a request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldProblem {
    /// JSON pointer (RFC 6901) to the part, e.g. `/attributes/gender`; empty for the whole body.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
    /// The line of the body it is on (1-based), when known: a program's definition in TOML.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The column (1-based), for a body that does not parse.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
}

/// An error, as RFC 9457 `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI reference naming the kind of problem, e.g. `/problems/ineligible`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// For invalid bodies: every invalid part with its JSON pointer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// For a person who may not take part: each condition not met, in Italian and English.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Text>,
}
