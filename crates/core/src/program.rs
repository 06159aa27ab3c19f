//! Programs: an initiative with sponsors, partners, a time window, places, audiences, targets
//! and possibly a budget ("programma", "iniziativa").
//!
//! A [`Program`] is only built by [`crate::fixture::parse_program`] (or by adapters through the
//! same validation), so its hubs, sessions and targets always refer to each other correctly.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::capacity::Tier;
use crate::eligibility::{Context, Eligibility, Rule};
use crate::fixture::{FieldError, ProgramError};
use crate::hub::Hub;
use crate::ids::{HubId, ProgramId, SessionId, Tag, TargetId};
use crate::person::{Attributes, Country};
use crate::reminder::Reminders;
use crate::session::{Mode, Session};
use crate::settings::Settings;
use crate::tz::Zone;

/// What a program's rules say of a person asking for one of its sessions ([`Program::judge`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// They may take part, with this priority tier.
    Admitted(Tier),
    /// They may not, for these reasons (at least one).
    Refused(Vec<crate::eligibility::Reason>),
}

/// Whether a program asks a person to confirm their e-mail address before a seat is theirs
/// (`email_confirmation` in the program file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailConfirmation {
    /// The seat is given at once (the default).
    #[default]
    None,
    /// The seat is held for [`Program::hold_minutes`] while the person follows the link sent to
    /// the address; unconfirmed, it is freed for the next person.
    Required,
}

/// How long a seat is held for an address to be confirmed, by default.
pub const DEFAULT_HOLD_MINUTES: u32 = 30;

/// An amount of money in euro cents, never negative ("importo").
///
/// ```
/// use skillhub_core::program::Cents;
/// assert_eq!(Cents::new(350_000_000).to_string(), "3.500.000,00 €");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cents(u64);

impl Cents {
    /// An amount in cents.
    pub const fn new(cents: u64) -> Self {
        Cents(cents)
    }

    /// The amount in cents.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Cents {
    /// Italian format: `.` for thousands, `,` for decimals, then `€`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let euros = crate::italian::thousands(self.0 / 100);
        write!(f, "{euros},{:02} €", self.0 % 100)
    }
}

/// A date range, inclusive at both ends; an open end means "until further notice".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateWindow {
    /// First day.
    pub from: NaiveDate,
    /// Last day, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
}

impl DateWindow {
    /// Whether `day` falls inside the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|until| day <= until)
    }
}

/// Who a program or target is for ("destinatari").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// People in general (citizens, job seekers, candidates).
    People,
    /// Entrepreneurs and small and medium enterprises.
    Smes,
    /// Women (entrepreneurs or aspiring ones).
    Women,
    /// Admins and founders of online communities.
    CommunityAdmins,
    /// Communicators and staff of public administrations and utilities.
    PaProfessionals,
    /// Cooperatives and non-profits.
    Cooperatives,
    /// Residents of a city's districts.
    Residents,
    /// Refugees.
    Refugees,
    /// Older people.
    Elderly,
}

/// What a target counts, and so by which key one thing counts once ("unità di misura").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// People trained, each once by their person key (the e-mail's key, hashed).
    People,
    /// Small and medium enterprises trained, each once by its partita IVA or codice fiscale
    /// (checked), however many of its people attended.
    Smes,
    /// Cooperatives and non-profits trained, each once by its partita IVA or codice fiscale.
    Cooperatives,
    /// Grants awarded: funded applications of the program's grant calls, each once.
    Awards,
    /// Circles or hubs active in the period: a hub counts once when at least one of its
    /// sessions was held (somebody was marked present).
    Circles,
    /// Sessions held: a session counts once when somebody was marked present at it.
    Sessions,
    /// People and organisations together ("realtà, persone e imprese"): each person by their key
    /// and each organisation by its code, as `people`, `smes` and `cooperatives` count them.
    PeopleAndOrganisations,
}

impl Unit {
    /// Every unit, in this order.
    pub const ALL: [Unit; 7] = [
        Unit::People,
        Unit::Smes,
        Unit::Cooperatives,
        Unit::Awards,
        Unit::Circles,
        Unit::Sessions,
        Unit::PeopleAndOrganisations,
    ];

    /// The wire name (`people`, `smes` …).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::People => "people",
            Unit::Smes => "smes",
            Unit::Cooperatives => "cooperatives",
            Unit::Awards => "awards",
            Unit::Circles => "circles",
            Unit::Sessions => "sessions",
            Unit::PeopleAndOrganisations => "people_and_organisations",
        }
    }

    /// What one counted thing is and by which key it counts once, in Italian.
    pub fn counting_it(self) -> &'static str {
        match self {
            Unit::People => "persone (una volta per persona)",
            Unit::Smes => "PMI (una volta per partita IVA o codice fiscale)",
            Unit::Cooperatives => {
                "cooperative e no profit (una volta per partita IVA o codice fiscale)"
            }
            Unit::Awards => "contributi assegnati (domande finanziate)",
            Unit::Circles => "circle o hub attivi (almeno un incontro svolto)",
            Unit::Sessions => "sessioni svolte (almeno un presente)",
            Unit::PeopleAndOrganisations => {
                "persone e organizzazioni (una volta per persona o per codice dell'organizzazione)"
            }
        }
    }

    /// What one counted thing is and by which key it counts once, in English.
    pub fn counting_en(self) -> &'static str {
        match self {
            Unit::People => "people (once per person)",
            Unit::Smes => "SMEs (once per partita IVA or codice fiscale)",
            Unit::Cooperatives => "cooperatives and non-profits (once per tax code)",
            Unit::Awards => "grants awarded (funded applications)",
            Unit::Circles => "circles or hubs active (at least one meeting held)",
            Unit::Sessions => "sessions held (at least one person present)",
            Unit::PeopleAndOrganisations => {
                "people and organisations (once per person or organisation)"
            }
        }
    }

    /// Whether a thing of this unit is an organisation, counted by its tax code.
    pub fn is_organisation(self) -> bool {
        matches!(self, Unit::Smes | Unit::Cooperatives)
    }

    /// Whether a target of this unit counts a thing of `unit`: its own unit, and for
    /// `people_and_organisations` also people, SMEs and cooperatives. A part of a target counts
    /// a unit its parent counts.
    ///
    /// ```
    /// use skillhub_core::program::Unit;
    /// assert!(Unit::PeopleAndOrganisations.counts(Unit::Smes));
    /// assert!(!Unit::People.counts(Unit::Smes));
    /// assert!(!Unit::PeopleAndOrganisations.counts(Unit::Awards));
    /// ```
    pub fn counts(self, unit: Unit) -> bool {
        self == unit
            || (self == Unit::PeopleAndOrganisations
                && matches!(unit, Unit::People | Unit::Smes | Unit::Cooperatives))
    }
}

/// A goal to reach by a date, possibly part of a larger one ("obiettivo").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Id, unique within the program.
    pub id: TargetId,
    /// Italian label.
    pub label_it: String,
    /// English label.
    pub label_en: String,
    /// What is counted.
    pub unit: Unit,
    /// How many.
    pub goal: u64,
    /// Only this mode counts, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    /// Only people of this country count, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
    /// The larger target this one is part of: its goal never exceeds the parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<TargetId>,
    /// When it must be reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<NaiveDate>,
    /// Why the goal is an estimate, when the seed does not give it as a goal ("obiettivo
    /// stimato"); reports show the target as estimated, with this note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assumption: Option<String>,
}

/// A partner organisation of a program (see [`crate::partner`]).
pub use crate::partner::Partner;

/// Money a program distributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// The total.
    pub total: Cents,
    /// Who gives it.
    pub funder: String,
}

/// A named criterion, with its Italian and English text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Id, e.g. `social_coop`.
    pub id: Tag,
    /// Italian text.
    pub it: String,
    /// English text.
    pub en: String,
}

/// The facts of a grant call that a program publishes (the rules come with the grants issue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantCallInfo {
    /// About how many beneficiaries the call aims at.
    pub beneficiaries: u32,
    /// Who evaluates the applications.
    pub evaluator: String,
    /// Who selects the mentoring ("transformer") enterprises.
    pub mentor_selectors: Vec<String>,
    /// What mentors are favoured for.
    pub mentor_preference_it: String,
    /// The priority criteria, in the order the call lists them.
    pub priority_criteria: Vec<Criterion>,
    /// The kinds of project that are favoured.
    pub favoured_projects: Vec<Criterion>,
    /// Whether a final report is mandatory.
    pub final_report_required: bool,
}

/// A priority tier: people matching `rule` go before those of later tiers (never excluded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTier {
    /// Italian name, e.g. "professionisti della comunicazione della PA".
    pub name_it: String,
    /// English name.
    pub name_en: String,
    /// Who belongs to it.
    pub rule: Rule,
}

/// A milestone of a program, such as a pilot week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Italian name.
    pub name_it: String,
    /// When.
    pub window: DateWindow,
}

/// A program with everything it holds. Built only through validation (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Program {
    pub(crate) id: ProgramId,
    pub(crate) name: String,
    pub(crate) summary_it: String,
    pub(crate) source: String,
    pub(crate) sponsors: Vec<String>,
    pub(crate) partners: Vec<Partner>,
    pub(crate) countries: Vec<Country>,
    pub(crate) regions: Vec<Tag>,
    pub(crate) window: DateWindow,
    pub(crate) audiences: Vec<Audience>,
    pub(crate) targets: Vec<Target>,
    pub(crate) assumptions: Vec<String>,
    pub(crate) budget: Option<Budget>,
    pub(crate) grant_call: Option<GrantCallInfo>,
    pub(crate) eligibility: Option<Rule>,
    pub(crate) priority: Vec<PriorityTier>,
    pub(crate) milestones: Vec<Milestone>,
    pub(crate) trainer_pool: Option<u32>,
    pub(crate) hubs: Vec<Hub>,
    pub(crate) sessions: Vec<Session>,
    pub(crate) settings: Settings,
}

impl Program {
    /// Id.
    pub fn id(&self) -> &ProgramId {
        &self.id
    }
    /// Name as published.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// One paragraph in Italian saying what it is.
    pub fn summary_it(&self) -> &str {
        &self.summary_it
    }
    /// Where the facts come from (a seed document).
    pub fn source(&self) -> &str {
        &self.source
    }
    /// Its settings, in one place (`[settings]` in the program file).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    /// The reminders sent before each session (by default 48 and 2 hours before; may be none).
    pub fn reminders(&self) -> &Reminders {
        self.settings.reminders()
    }
    /// Whether a person confirms their address before the seat is theirs (by default not).
    pub fn email_confirmation(&self) -> EmailConfirmation {
        self.settings.email_confirmation()
    }
    /// How many minutes a seat is held for an address to be confirmed: 1–1440, by default 30.
    pub fn hold_minutes(&self) -> u32 {
        self.settings.hold_minutes()
    }
    /// Zone for sessions without a hub (online), and for the program's dates.
    pub fn zone(&self) -> Zone {
        self.settings.zone()
    }
    /// Sponsors.
    pub fn sponsors(&self) -> &[String] {
        &self.sponsors
    }
    /// Partners and what they do.
    pub fn partners(&self) -> &[Partner] {
        &self.partners
    }
    /// The partner with this id.
    pub fn partner(&self, id: &Tag) -> Option<&Partner> {
        self.partners.iter().find(|p| &p.id == id)
    }
    /// The hubs `partner` runs.
    pub fn hubs_of(&self, partner: &Tag) -> impl Iterator<Item = &Hub> {
        self.hubs
            .iter()
            .filter(move |h| h.partner.as_ref() == Some(partner))
    }
    /// Countries where it runs.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }
    /// Regions where it runs, if narrower than the countries.
    pub fn regions(&self) -> &[Tag] {
        &self.regions
    }
    /// When it runs.
    pub fn window(&self) -> DateWindow {
        self.window
    }
    /// Who it is for.
    pub fn audiences(&self) -> &[Audience] {
        &self.audiences
    }
    /// Targets, parents before children.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }
    /// Whether a target counts organisations (SMEs, cooperatives, or people and organisations
    /// together): then the forms ask for the organisation's kind and tax code, by which it counts
    /// once.
    pub fn counts_organisations(&self) -> bool {
        self.targets
            .iter()
            .any(|t| t.unit.is_organisation() || t.unit == Unit::PeopleAndOrganisations)
    }
    /// What its definition assumes beyond its seed (a start date, a rule), in Italian: the
    /// progress report lists them beside the targets estimated ([`Target::assumption`]).
    pub fn assumptions(&self) -> &[String] {
        &self.assumptions
    }
    /// Money it distributes, if any.
    pub fn budget(&self) -> Option<&Budget> {
        self.budget.as_ref()
    }
    /// The grant call it runs, if any.
    pub fn grant_call(&self) -> Option<&GrantCallInfo> {
        self.grant_call.as_ref()
    }
    /// Who may take part (none: everyone).
    pub fn eligibility(&self) -> Option<&Rule> {
        self.eligibility.as_ref()
    }
    /// Who goes first, best tier first.
    pub fn priority(&self) -> &[PriorityTier] {
        &self.priority
    }
    /// Milestones such as pilot weeks.
    pub fn milestones(&self) -> &[Milestone] {
        &self.milestones
    }
    /// How many trainers partners lend, if the program says.
    pub fn trainer_pool(&self) -> Option<u32> {
        self.trainer_pool
    }
    /// Hubs.
    pub fn hubs(&self) -> &[Hub] {
        &self.hubs
    }
    /// Sessions, in start order.
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }
    /// The hub with this id.
    pub fn hub(&self, id: &HubId) -> Option<&Hub> {
        self.hubs.iter().find(|h| &h.id == id)
    }
    /// The session with this id.
    pub fn session(&self, id: &SessionId) -> Option<&Session> {
        self.sessions.iter().find(|s| s.id() == id)
    }
    /// Whether a person may take part, judged on `ctx.on`; a program without rules is open to all.
    pub fn eligibility_of(&self, attributes: &Attributes, ctx: &Context) -> Eligibility {
        self.eligibility
            .as_ref()
            .map_or(Eligibility::Eligible, |rule| rule.evaluate(attributes, ctx))
    }

    /// The first priority tier the person belongs to, with its 0-based rank; `None` when the
    /// person is in no tier (and so goes after everyone who is).
    pub fn priority_tier_of(
        &self,
        attributes: &Attributes,
        ctx: &Context,
    ) -> Option<(usize, &PriorityTier)> {
        self.priority
            .iter()
            .enumerate()
            .find(|(_, tier)| matches!(tier.rule.evaluate(attributes, ctx), Eligibility::Eligible))
    }

    /// The waiting-list tier of a person: the rank of their first priority tier, or the tier after
    /// all of them when they are in none (so nobody is excluded, only ordered).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::capacity::Tier;
    /// use skillhub_core::eligibility::Context;
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_core::person::{Attributes, OrganisationType};
    /// let catalog = Catalog::seeds().unwrap();
    /// let binario_f = catalog.program("binario-f").unwrap();
    /// let ctx = Context { on: NaiveDate::from_ymd_opt(2019, 2, 1).unwrap() };
    /// let pa = Attributes { organisation_type: Some(OrganisationType::PublicAdministration), ..Default::default() };
    /// assert_eq!(binario_f.tier_of(&pa, &ctx), Tier::FIRST);
    /// assert_eq!(binario_f.tier_of(&Attributes::default(), &ctx), Tier::new(1));
    /// ```
    pub fn tier_of(&self, attributes: &Attributes, ctx: &Context) -> Tier {
        let rank = self
            .priority_tier_of(attributes, ctx)
            .map_or(self.priority.len(), |(rank, _)| rank);
        Tier::new(u8::try_from(rank).unwrap_or(u8::MAX))
    }

    /// Whether a person may register for a session of this program that starts at `starts_at`
    /// in `zone`, and if so their priority tier: the rules are judged on the session's local day.
    /// The one way every adapter (the API, the web form, a spreadsheet of registrations) judges
    /// a registration before asking for a seat.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use skillhub_core::capacity::Tier;
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_core::person::{Attributes, OrganisationType};
    /// use skillhub_core::program::Verdict;
    /// use skillhub_core::tz::Zone;
    /// let catalog = Catalog::seeds()?;
    /// let binario_f = catalog.program("binario-f").unwrap();
    /// let rome = Zone::parse("Europe/Rome")?;
    /// let starts_at = Utc.with_ymd_and_hms(2019, 2, 12, 8, 30, 0).unwrap();
    /// let pa = Attributes { organisation_type: Some(OrganisationType::PublicAdministration), ..Default::default() };
    /// assert_eq!(binario_f.judge(&pa, &rome, starts_at)?, Verdict::Admitted(Tier::FIRST));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn judge(
        &self,
        attributes: &Attributes,
        zone: &Zone,
        starts_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Verdict, crate::tz::TzError> {
        let context = Context::new(zone.to_local(starts_at)?.date());
        Ok(match self.eligibility_of(attributes, &context) {
            Eligibility::Ineligible(reasons) => Verdict::Refused(reasons),
            Eligibility::Eligible => Verdict::Admitted(self.tier_of(attributes, &context)),
        })
    }

    /// The same program with `sessions` in place of the ones it was defined with (a store keeps
    /// sessions apart from the program's definition). Every session must belong to this program
    /// and to one of its hubs (or none); the result is in start order.
    pub fn with_sessions(mut self, mut sessions: Vec<Session>) -> Result<Program, ProgramError> {
        let mut problems = Vec::new();
        for (i, session) in sessions.iter().enumerate() {
            if session.program() != &self.id {
                problems.push(FieldError {
                    pointer: format!("/sessions/{i}/program"),
                    message: format!(
                        "session {} belongs to program {}",
                        session.id(),
                        session.program()
                    ),
                });
            }
            if let Some(hub) = session.hub()
                && self.hub(hub).is_none()
            {
                problems.push(FieldError {
                    pointer: format!("/sessions/{i}/hub"),
                    message: format!("the program has no hub \"{hub}\""),
                });
            }
        }
        if !problems.is_empty() {
            return Err(ProgramError::Invalid(problems));
        }
        sessions.sort_by(|a, b| (a.starts_at(), a.id()).cmp(&(b.starts_at(), b.id())));
        self.sessions = sessions;
        Ok(self)
    }

    /// Each target with its children's ids.
    pub fn target_tree(&self) -> BTreeMap<&TargetId, Vec<&TargetId>> {
        let mut tree: BTreeMap<&TargetId, Vec<&TargetId>> =
            self.targets.iter().map(|t| (&t.id, Vec::new())).collect();
        for target in &self.targets {
            if let Some(parent) = &target.parent {
                tree.entry(parent).or_default().push(&target.id);
            }
        }
        tree
    }
}

/// Deserializes a `Vec` that must not be empty.
pub(crate) fn non_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items = Vec::<T>::deserialize(deserializer)?;
    if items.is_empty() {
        return Err(serde::de::Error::custom("the list must not be empty"));
    }
    Ok(items)
}
