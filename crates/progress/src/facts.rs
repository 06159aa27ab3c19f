//! The facts progress counts ("fatti"): one thing counted once, on a day. A person present at a
//! session, the organisation they declared, a completion on an e-learning platform, a grant
//! awarded, a session held, a hub active: each is an [`Attendance`] with a key that says which
//! thing it is (a hashed e-mail, a partita IVA, an application, a session, a hub), so that a
//! target counts each key once whatever the number of its facts.
//!
//! A fact also carries what the funders' breakdowns read ([`Profile`]: gender, age band, region,
//! hub, partner), never a name or an address.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use skillhub_core::capacity::SeatKind;
use skillhub_core::ids::{HubId, SessionId, Tag};
use skillhub_core::person::{Attributes, Country, Gender, OrganisationType};
use skillhub_core::program::{Program, Unit};
use skillhub_core::session::Mode;

/// One thing counted, once, on a day ("presenza", "completamento", "contributo").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    /// Which thing: a stable key (a hashed e-mail, a partita IVA, an award's id …); never empty.
    pub person: String,
    /// How it took place: in person or online; `None` for a thing that has no mode (an award).
    pub mode: Option<Mode>,
    /// What it counts as.
    pub unit: Unit,
    /// Where.
    pub country: Country,
    /// When (the session's local date, the completion's, the award's).
    pub date: NaiveDate,
    /// What the breakdowns read.
    #[serde(flatten)]
    pub profile: Profile,
}

/// What a fact says about whom it counts, for the breakdowns: each part only when known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The person's declared gender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// The person's age band on the fact's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_band: Option<AgeBand>,
    /// The region: the person's declared one, else the hub's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Tag>,
    /// The hub of the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubId>,
    /// The partner that runs that hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<Tag>,
}

/// Age bands of the reports ("fasce d'età"), as European statistics cut them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeBand {
    /// Under 18.
    #[serde(rename = "0-17")]
    Under18,
    /// 18 to 24.
    #[serde(rename = "18-24")]
    From18To24,
    /// 25 to 34.
    #[serde(rename = "25-34")]
    From25To34,
    /// 35 to 44.
    #[serde(rename = "35-44")]
    From35To44,
    /// 45 to 54.
    #[serde(rename = "45-54")]
    From45To54,
    /// 55 to 64.
    #[serde(rename = "55-64")]
    From55To64,
    /// 65 and over.
    #[serde(rename = "65+")]
    From65,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Under18,
        AgeBand::From18To24,
        AgeBand::From25To34,
        AgeBand::From35To44,
        AgeBand::From45To54,
        AgeBand::From55To64,
        AgeBand::From65,
    ];

    /// The band of an age in whole years.
    ///
    /// ```
    /// use skillhub_progress::AgeBand;
    /// assert_eq!(AgeBand::of(17), AgeBand::Under18);
    /// assert_eq!(AgeBand::of(18), AgeBand::From18To24);
    /// assert_eq!(AgeBand::of(64), AgeBand::From55To64);
    /// assert_eq!(AgeBand::of(65).label_it(), "65 e oltre");
    /// ```
    pub fn of(age: u32) -> AgeBand {
        match age {
            0..=17 => AgeBand::Under18,
            18..=24 => AgeBand::From18To24,
            25..=34 => AgeBand::From25To34,
            35..=44 => AgeBand::From35To44,
            45..=54 => AgeBand::From45To54,
            55..=64 => AgeBand::From55To64,
            _ => AgeBand::From65,
        }
    }

    /// As a report writes it (`18–24`, `65 e oltre`).
    pub fn label_it(self) -> &'static str {
        match self {
            AgeBand::Under18 => "meno di 18",
            AgeBand::From18To24 => "18–24",
            AgeBand::From25To34 => "25–34",
            AgeBand::From35To44 => "35–44",
            AgeBand::From45To54 => "45–54",
            AgeBand::From55To64 => "55–64",
            AgeBand::From65 => "65 e oltre",
        }
    }
}

/// Why an attendance file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttendanceError {
    /// Not JSON, or not the expected shape.
    #[error("line {line} column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// A fact breaks a rule; the pointer says which.
    #[error("{pointer}: {message}")]
    Invalid {
        /// JSON pointer, e.g. `/attendance/3/mode`.
        pointer: String,
        /// What is wrong.
        message: String,
    },
}

/// The profile of a person on a day at a hub: their declared gender, age band and region
/// (else the hub's region), the hub and the partner that runs it.
pub fn profile_of(
    program: &Program,
    attributes: &Attributes,
    hub: Option<&HubId>,
    date: NaiveDate,
) -> Profile {
    let at = hub.and_then(|h| program.hub(h));
    Profile {
        gender: attributes.gender,
        age_band: attributes.age_on(date).map(AgeBand::of),
        region: attributes
            .region
            .clone()
            .or_else(|| at.and_then(|h| h.address.region.clone())),
        hub: hub.cloned(),
        partner: at.and_then(|h| h.partner.clone()),
    }
}

/// The country a fact about this person at this hub is counted in: the person's declared one,
/// else the hub's, else the program's when it has exactly one.
pub fn country_of(
    program: &Program,
    attributes: &Attributes,
    hub: Option<&HubId>,
) -> Option<Country> {
    attributes
        .country
        .or_else(|| hub.and_then(|h| program.hub(h)).map(|h| h.address.country))
        .or_else(|| match program.countries() {
            [only] => Some(*only),
            _ => None,
        })
}

/// The unit an organisation of this type counts in, if a target counts it.
pub fn organisation_unit(kind: Option<OrganisationType>) -> Option<Unit> {
    match kind {
        Some(OrganisationType::Sme) => Some(Unit::Smes),
        Some(
            OrganisationType::Cooperative
            | OrganisationType::SocialCooperative
            | OrganisationType::NonProfit,
        ) => Some(Unit::Cooperatives),
        _ => None,
    }
}

/// Whether a person declared an organisation that a target counts but no tax code for it: its
/// presence then counts the person, not the organisation (reports say how many).
pub fn organisation_without_code(attributes: &Attributes) -> bool {
    organisation_unit(attributes.organisation_type).is_some()
        && attributes.organisation_code.is_none()
}

/// The facts one attended registration (or one completion online) gives: the person counts
/// among `people`, keyed by `who`; a person who declared an SME with its
/// partita IVA or codice fiscale also counts that organisation among `smes`, and a cooperative
/// or non-profit among `cooperatives`, keyed by the organisation's code: so an organisation
/// counts once however many of its people attend. An organisation without a code is not
/// counted ([`organisation_without_code`]).
///
/// The country is [`country_of`]; when none is known (an online session of a program in several
/// countries, with no country declared) the registration gives no fact, since counting it in
/// the wrong country would be worse than not counting it.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::capacity::SeatKind;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_core::partner::FiscalCode;
/// use skillhub_core::person::{Attributes, OrganisationType};
/// use skillhub_core::program::Unit;
/// use skillhub_progress::facts_of;
/// let catalog = Catalog::seeds().unwrap();
/// let program = catalog.program("binario-f").unwrap();
/// let attributes = Attributes {
///     organisation_type: Some(OrganisationType::Sme),
///     organisation_code: Some(FiscalCode::parse("01234567897").unwrap()),
///     ..Attributes::default()
/// };
/// let day = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
/// let facts = facts_of(program, "r-1", &attributes, SeatKind::InPerson, None, day);
/// let units: Vec<(Unit, &str)> = facts.iter().map(|f| (f.unit, f.person.as_str())).collect();
/// assert_eq!(units, [(Unit::People, "r-1"), (Unit::Smes, "org:01234567897")]);
/// assert_eq!(facts[0].country.as_str(), "IT");
/// ```
pub fn facts_of(
    program: &Program,
    who: &str,
    attributes: &Attributes,
    kind: SeatKind,
    hub: Option<&HubId>,
    date: NaiveDate,
) -> Vec<Attendance> {
    let Some(country) = country_of(program, attributes, hub) else {
        return Vec::new();
    };
    let mode = match kind {
        SeatKind::InPerson => Mode::InPerson,
        SeatKind::Online => Mode::Online,
    };
    let profile = profile_of(program, attributes, hub, date);
    let organisation = organisation_unit(attributes.organisation_type)
        .zip(attributes.organisation_code.as_ref())
        .map(|(unit, code)| (unit, organisation_key(code.as_str())));
    std::iter::once((Unit::People, who.to_owned()))
        .chain(organisation)
        .map(|(unit, person)| Attendance {
            person,
            mode: Some(mode),
            unit,
            country,
            date,
            profile: profile.clone(),
        })
        .collect()
}

/// The key an organisation counts by: its code, marked so that it never meets a person's key.
pub fn organisation_key(code: &str) -> String {
    format!("org:{code}")
}

/// The fact of a grant awarded: the application counts once among `awards`, on the day it was
/// awarded, whatever happens to its sessions; `None` when the program's country is not one.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_core::program::Unit;
/// use skillhub_progress::award_fact;
/// let catalog = Catalog::seeds().unwrap();
/// let program = catalog.program("cooperazione-digitale").unwrap();
/// let day = NaiveDate::from_ymd_opt(2022, 9, 1).unwrap();
/// let fact = award_fact(program, "bando-2022", "coop-7", None, day).unwrap();
/// assert_eq!((fact.unit, fact.person.as_str(), fact.mode), (Unit::Awards, "award:bando-2022/coop-7", None));
/// ```
pub fn award_fact(
    program: &Program,
    call: &str,
    application: &str,
    region: Option<Tag>,
    date: NaiveDate,
) -> Option<Attendance> {
    let [country] = program.countries() else {
        return None;
    };
    Some(Attendance {
        person: format!("award:{call}/{application}"),
        mode: None,
        unit: Unit::Awards,
        country: *country,
        date,
        profile: Profile {
            region,
            ..Profile::default()
        },
    })
}

/// The facts of a session held on `date` (somebody was marked present): the session counts
/// among `sessions`, and its hub among `circles` (a circle or hub active in the period). A
/// session counts in its hub's country, else in the program's only one.
pub fn held_facts(
    program: &Program,
    session: &SessionId,
    hub: Option<&HubId>,
    mode: Mode,
    date: NaiveDate,
) -> Vec<Attendance> {
    let Some(country) = country_of(program, &Attributes::default(), hub) else {
        return Vec::new();
    };
    let profile = profile_of(program, &Attributes::default(), hub, date);
    let mode = (mode != Mode::Hybrid).then_some(mode);
    std::iter::once((Unit::Sessions, format!("session:{session}")))
        .chain(hub.map(|h| (Unit::Circles, format!("hub:{h}"))))
        .map(|(unit, person)| Attendance {
            person,
            mode,
            unit,
            country,
            date,
            profile: profile.clone(),
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    attendance: Vec<RawAttendance>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttendance {
    person: String,
    #[serde(default)]
    mode: Option<Mode>,
    unit: Unit,
    country: Country,
    date: NaiveDate,
    #[serde(default)]
    gender: Option<Gender>,
    #[serde(default)]
    age_band: Option<AgeBand>,
    #[serde(default)]
    region: Option<Tag>,
    #[serde(default)]
    hub: Option<HubId>,
    #[serde(default)]
    partner: Option<Tag>,
}

/// Reads `{"attendance": [{"person", "mode", "unit", "country", "date"}]}`: `mode` is
/// `in_person` or `online` (or absent, for an award), `unit` one of `people`, `smes`,
/// `cooperatives`, `awards`, `circles`, `sessions`, `country` an ISO code (`IT`), `date`
/// `YYYY-MM-DD`; optionally what the breakdowns read: `gender`, `age_band` (`18-24` …),
/// `region`, `hub`, `partner`.
pub fn parse_attendance(text: &str) -> Result<Vec<Attendance>, AttendanceError> {
    let raw: RawFile = serde_json::from_str(text).map_err(|err| {
        let full = err.to_string();
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        AttendanceError::Syntax {
            line: err.line(),
            column: err.column(),
            message: full.strip_suffix(&suffix).unwrap_or(&full).to_owned(),
        }
    })?;
    raw.attendance
        .into_iter()
        .enumerate()
        .map(|(i, fact)| {
            let invalid = |field: &str, message: &str| AttendanceError::Invalid {
                pointer: format!("/attendance/{i}/{field}"),
                message: message.to_owned(),
            };
            if fact.person.trim().is_empty() {
                return Err(invalid("person", "must not be empty"));
            }
            if fact.mode == Some(Mode::Hybrid) {
                return Err(invalid(
                    "mode",
                    "say how the person attended: in_person or online",
                ));
            }
            Ok(Attendance {
                person: fact.person,
                mode: fact.mode,
                unit: fact.unit,
                country: fact.country,
                date: fact.date,
                profile: Profile {
                    gender: fact.gender,
                    age_band: fact.age_band,
                    region: fact.region,
                    hub: fact.hub,
                    partner: fact.partner,
                },
            })
        })
        .collect()
}
