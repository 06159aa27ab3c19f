//! A grant call ("bando"): budget, weighted criteria and thresholds, priority criteria, favoured
//! project kinds, who may apply, and how often funded projects report.
//!
//! Who may apply is checked in two layers. The call's [`Rule`] (for Cooperazione Digitale the
//! program's own: a cooperative or social cooperative in the Albo delle società cooperative) is
//! evaluated with [`skillhub_core::eligibility`], so its reasons read like every other refusal in
//! skillhub; around it, the facts every Italian call checks on paper: a partita IVA with the
//! right check digit ([`PartitaIva`]), an Albo number in the register's format (`A123456`), and
//! the region of the registered office, one of the twenty. Being refused is an outcome
//! ([`Admission::Ineligible`] with every [`Shortfall`]), not an error.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use super::monitoring::ReportingPlan;
use super::score::{Points, Weight};
use skillhub_core::codice_fiscale::PartitaIva;
use skillhub_core::eligibility::{Context, Eligibility, Reason, Rule};
use skillhub_core::ids::{IdError, Tag};
use skillhub_core::person::{Attributes, Country, OrganisationType};
use skillhub_core::program::{Cents, Criterion, Program};

macro_rules! grant_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a slug: 1–64 of `a-z 0-9 - _ .`, starting and ending with a letter or digit.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Tag::parse(text).map(|tag| Self(tag.as_str().to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Self::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
            }
        }
    };
}

grant_id!(
    /// An application's id, e.g. `coop-0042` ("domanda").
    ///
    /// ```
    /// use skillhub_grants::call::ApplicationId;
    /// assert!(ApplicationId::parse("coop-0042").is_ok());
    /// assert!(ApplicationId::parse("Coop 42").is_err());
    /// ```
    ApplicationId
);
grant_id!(
    /// An evaluator's id, e.g. `ev3` ("valutatore").
    EvaluatorId
);
grant_id!(
    /// A "transformer" enterprise's id ("impresa trasformatrice").
    EnterpriseId
);

/// Why a call cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// A call needs at least one criterion to score.
    #[error("a call needs at least one criterion")]
    NoCriteria,
    /// Two criteria with the same id.
    #[error("criterion {0} is defined twice")]
    DuplicateCriterion(Tag),
    /// Two priority criteria or favoured project kinds with the same id.
    #[error("preference {0} is listed twice")]
    DuplicatePreference(Tag),
    /// The program runs no grant call or has no budget.
    #[error("program {0} runs no grant call with a budget")]
    NotAGrantProgram(String),
}

/// A criterion evaluators score 0–5, with its weight and an optional minimum ("criterio").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionSpec {
    /// Id, e.g. `impact`.
    pub id: Tag,
    /// Italian name, used in explanations.
    pub label_it: String,
    /// Weight in the weighted mean.
    pub weight: Weight,
    /// The lowest mean score an application may have on this criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<Points>,
}

/// Everything a call says, before it is checked by [`Call::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec {
    /// Id, e.g. `cooperazione-digitale-2022`.
    pub id: Tag,
    /// Name as published.
    pub name: String,
    /// The money to award.
    pub budget: Cents,
    /// Scored criteria (at least one, ids unique).
    pub criteria: Vec<CriterionSpec>,
    /// The lowest total an application may have.
    pub min_total: Option<Points>,
    /// Priority criteria: each one an applicant meets counts in the tie-break.
    pub priority_criteria: Vec<Criterion>,
    /// Favoured project kinds: each one a project is counts in the tie-break too.
    pub favoured_projects: Vec<Criterion>,
    /// Who may apply, besides the checks every call makes (see the module docs).
    pub rule: Option<Rule>,
    /// How often funded projects report.
    pub reporting: ReportingPlan,
}

/// A checked grant call. Built by [`Call::new`] or [`Call::cooperazione_digitale`].
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    spec: CallSpec,
}

/// The rule of a call when none is given: a cooperative (or social cooperative) in the Albo.
const COOPERATIVE_RULE: &str = r#"{"all": [
    {"organisation_type": ["cooperative", "social_cooperative"]},
    {"membership": "albo_cooperative"}
]}"#;

impl Call {
    /// Checks a call: at least one criterion, ids unique, preferences unique.
    ///
    /// ```
    /// use skillhub_grants::call::{Call, CallSpec, CriterionSpec};
    /// use skillhub_grants::monitoring::ReportingPlan;
    /// use skillhub_grants::score::{Points, Weight};
    /// use skillhub_core::ids::Tag;
    /// use skillhub_core::program::Cents;
    /// let call = Call::new(CallSpec {
    ///     id: Tag::parse("bando-2022")?,
    ///     name: "Bando 2022".into(),
    ///     budget: Cents::new(350_000_000),
    ///     criteria: vec![CriterionSpec {
    ///         id: Tag::parse("impact")?,
    ///         label_it: "impatto".into(),
    ///         weight: Weight::whole(2)?,
    ///         min_score: Some(Points::whole(2)?),
    ///     }],
    ///     min_total: Some(Points::whole(3)?),
    ///     priority_criteria: vec![],
    ///     favoured_projects: vec![],
    ///     rule: None,
    ///     reporting: ReportingPlan::new(6, 24)?,
    /// })?;
    /// assert_eq!(call.criteria().len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(spec: CallSpec) -> Result<Call, CallError> {
        if spec.criteria.is_empty() {
            return Err(CallError::NoCriteria);
        }
        let mut seen = BTreeSet::new();
        if let Some(c) = spec.criteria.iter().find(|c| !seen.insert(&c.id)) {
            return Err(CallError::DuplicateCriterion(c.id.clone()));
        }
        let mut seen = BTreeSet::new();
        let preferences = spec.priority_criteria.iter().chain(&spec.favoured_projects);
        if let Some(c) = preferences.into_iter().find(|c| !seen.insert(&c.id)) {
            return Err(CallError::DuplicatePreference(c.id.clone()));
        }
        Ok(Call { spec })
    }

    /// The call of a program that runs one (Cooperazione Digitale): its budget, its five
    /// priority criteria and three favoured project kinds, its eligibility rule, reports every
    /// `6` months over `24` and the criteria of [`Call::default_criteria`] with a minimum total
    /// of 3.
    ///
    /// ```
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_grants::call::Call;
    /// let catalog = Catalog::seeds().unwrap();
    /// let call = Call::cooperazione_digitale(catalog.program("cooperazione-digitale").unwrap())?;
    /// assert_eq!(call.budget().get(), 350_000_000);
    /// assert_eq!(call.priority_criteria().len(), 5);
    /// # Ok::<(), skillhub_grants::call::CallError>(())
    /// ```
    pub fn cooperazione_digitale(program: &Program) -> Result<Call, CallError> {
        let not_grant = || CallError::NotAGrantProgram(program.id().to_string());
        let info = program.grant_call().ok_or_else(not_grant)?;
        let budget = program.budget().ok_or_else(not_grant)?;
        Call::new(CallSpec {
            id: Tag::parse(program.id().as_str()).map_err(|_| not_grant())?,
            name: program.name().to_owned(),
            budget: budget.total,
            criteria: Call::default_criteria(),
            min_total: Points::whole(3).ok(),
            priority_criteria: info.priority_criteria.clone(),
            favoured_projects: info.favoured_projects.clone(),
            rule: program.eligibility().cloned(),
            reporting: ReportingPlan::SEMESTRAL,
        })
    }

    /// Four criteria an evaluation committee of this kind typically uses (the seed names none):
    /// impact on the cooperative and its community (weight 3, at least 2), quality and
    /// feasibility of the project (2, at least 2), digital readiness of the team (1) and
    /// sustainability after the grant (1).
    pub fn default_criteria() -> Vec<CriterionSpec> {
        let spec = |id: &str, label: &str, weight: u32, min: Option<u8>| {
            Tag::parse(id)
                .ok()
                .zip(Weight::whole(weight).ok())
                .map(|(id, weight)| CriterionSpec {
                    id,
                    label_it: label.to_owned(),
                    weight,
                    min_score: min.and_then(|m| Points::whole(m).ok()),
                })
        };
        [
            spec(
                "impact",
                "impatto sulla cooperativa e sul territorio",
                3,
                Some(2),
            ),
            spec("quality", "qualità e fattibilità del progetto", 2, Some(2)),
            spec("readiness", "competenze digitali del gruppo", 1, None),
            spec(
                "sustainability",
                "sostenibilità dopo il contributo",
                1,
                None,
            ),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// Id.
    pub fn id(&self) -> &Tag {
        &self.spec.id
    }
    /// Name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }
    /// The money to award.
    pub fn budget(&self) -> Cents {
        self.spec.budget
    }
    /// Scored criteria, in the order the call lists them.
    pub fn criteria(&self) -> &[CriterionSpec] {
        &self.spec.criteria
    }
    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&CriterionSpec> {
        self.spec.criteria.iter().find(|c| c.id.as_str() == id)
    }
    /// The lowest total allowed.
    pub fn min_total(&self) -> Option<Points> {
        self.spec.min_total
    }
    /// Priority criteria.
    pub fn priority_criteria(&self) -> &[Criterion] {
        &self.spec.priority_criteria
    }
    /// Favoured project kinds.
    pub fn favoured_projects(&self) -> &[Criterion] {
        &self.spec.favoured_projects
    }
    /// How often funded projects report.
    pub fn reporting(&self) -> ReportingPlan {
        self.spec.reporting
    }

    /// How many of the call's preferences an application meets: priority criteria the applicant
    /// declares plus favoured kinds its project is. This is the number the ranking's second key
    /// counts (the `priority` list of `skillhub grants rank`); declarations the call does not
    /// list count nothing.
    ///
    /// **Decision:** favoured project kinds count like priority criteria. The seed says both are
    /// "favoured" and neither excludes; the tie-break is where a preference acts without
    /// overriding the evaluators' scores.
    pub fn preferences_met(
        &self,
        priorities: &BTreeSet<Tag>,
        project_kinds: &BTreeSet<Tag>,
    ) -> u32 {
        let met = |list: &[Criterion], declared: &BTreeSet<Tag>| {
            list.iter().filter(|c| declared.contains(&c.id)).count()
        };
        let n = met(&self.spec.priority_criteria, priorities)
            + met(&self.spec.favoured_projects, project_kinds);
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// Whether an applicant may apply, judged on day `on`, with every reason when not.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::fixture::Catalog;
    /// use skillhub_grants::call::{Admission, Applicant, Call};
    /// use skillhub_core::ids::Tag;
    /// use skillhub_core::person::OrganisationType;
    /// let catalog = Catalog::seeds().unwrap();
    /// let call = Call::cooperazione_digitale(catalog.program("cooperazione-digitale").unwrap())?;
    /// let on = NaiveDate::from_ymd_opt(2022, 4, 1).unwrap();
    /// let mut coop = Applicant {
    ///     name: "Cooperativa Sociale Il Granello".into(),
    ///     partita_iva: "01234567897".into(),
    ///     organisation_type: Some(OrganisationType::SocialCooperative),
    ///     albo_number: Some("A123456".into()),
    ///     region: Some(Tag::parse("umbria")?),
    ///     sector: None,
    ///     email: None,
    /// };
    /// assert_eq!(call.check_applicant(&coop, on), Admission::Eligible);
    /// coop.partita_iva = "01234567890".into();
    /// coop.region = None;
    /// let Admission::Ineligible(reasons) = call.check_applicant(&coop, on) else { panic!() };
    /// assert_eq!(reasons.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_applicant(&self, applicant: &Applicant, on: NaiveDate) -> Admission {
        let mut shortfalls = Vec::new();
        if PartitaIva::parse(&applicant.partita_iva).is_err() {
            shortfalls.push(Shortfall::PartitaIva(applicant.partita_iva.clone()));
        }
        let albo_ok = match applicant.albo_number.as_deref() {
            Some(number) if is_albo_number(number) => true,
            Some(number) => {
                shortfalls.push(Shortfall::AlboNumber(number.to_owned()));
                false
            }
            None => false,
        };
        match &applicant.region {
            None => shortfalls.push(Shortfall::MissingRegion),
            Some(region) if region_name(region.as_str()).is_none() => {
                shortfalls.push(Shortfall::UnknownRegion(region.clone()));
            }
            Some(_) => {}
        }
        let attributes = applicant.attributes(albo_ok);
        let default_rule;
        let rule = match &self.spec.rule {
            Some(rule) => rule,
            None => {
                default_rule = serde_json::from_str::<Rule>(COOPERATIVE_RULE).ok();
                match &default_rule {
                    Some(rule) => rule,
                    None => return Admission::from(shortfalls),
                }
            }
        };
        if let Eligibility::Ineligible(reasons) = rule.evaluate(&attributes, &Context::new(on)) {
            shortfalls.extend(reasons.into_iter().map(Shortfall::Rule));
        }
        Admission::from(shortfalls)
    }
}

/// A cooperative as it declares itself in its application ("soggetto proponente"). Fields are
/// as written: the call's check says what is wrong with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    /// Company name ("ragione sociale").
    pub name: String,
    /// Partita IVA as written.
    pub partita_iva: String,
    /// Kind of organisation.
    #[serde(default)]
    pub organisation_type: Option<OrganisationType>,
    /// Registration number in the Albo delle società cooperative, e.g. `A123456`.
    #[serde(default)]
    pub albo_number: Option<String>,
    /// Region of the registered office, e.g. `emilia-romagna`.
    #[serde(default)]
    pub region: Option<Tag>,
    /// Sector of activity, e.g. `agrifood`, for matching with mentors.
    #[serde(default)]
    pub sector: Option<Tag>,
    /// The contact address the call writes to (receipt, stage changes, reports due), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<skillhub_core::person::Email>,
}

impl Applicant {
    /// The attributes the call's rule judges: kind, region, Italy, and the Albo membership when
    /// the number is well formed.
    fn attributes(&self, in_albo: bool) -> Attributes {
        let mut memberships = BTreeSet::new();
        if in_albo && let Ok(tag) = Tag::parse("albo_cooperative") {
            memberships.insert(tag);
        }
        Attributes {
            organisation_type: self.organisation_type,
            region: self.region.clone(),
            country: Country::parse("IT").ok(),
            memberships,
            ..Attributes::default()
        }
    }
}

/// Whether `text` is an Albo number: `A` and six digits (`A123456`), any case, spaces around.
pub fn is_albo_number(text: &str) -> bool {
    let t = text.trim().as_bytes();
    t.len() == 7 && t[0].eq_ignore_ascii_case(&b'A') && t[1..].iter().all(u8::is_ascii_digit)
}

/// The twenty Italian regions as slugs, with their Italian names.
pub const REGIONS: [(&str, &str); 20] = [
    ("abruzzo", "Abruzzo"),
    ("basilicata", "Basilicata"),
    ("calabria", "Calabria"),
    ("campania", "Campania"),
    ("emilia-romagna", "Emilia-Romagna"),
    ("friuli-venezia-giulia", "Friuli-Venezia Giulia"),
    ("lazio", "Lazio"),
    ("liguria", "Liguria"),
    ("lombardia", "Lombardia"),
    ("marche", "Marche"),
    ("molise", "Molise"),
    ("piemonte", "Piemonte"),
    ("puglia", "Puglia"),
    ("sardegna", "Sardegna"),
    ("sicilia", "Sicilia"),
    ("toscana", "Toscana"),
    ("trentino-alto-adige", "Trentino-Alto Adige"),
    ("umbria", "Umbria"),
    ("valle-d-aosta", "Valle d'Aosta"),
    ("veneto", "Veneto"),
];

/// The Italian name of a region slug; separators are ignored (`emiliaromagna`,
/// `emilia_romagna` and `emilia-romagna` are the same region).
pub fn region_name(slug: &str) -> Option<&'static str> {
    let bare = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
    };
    let wanted = bare(slug);
    REGIONS
        .iter()
        .find(|(s, _)| bare(s) == wanted)
        .map(|(_, name)| *name)
}

/// The verdict on an applicant ("ammissibile" / "non ammissibile").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "admission", content = "reasons", rename_all = "snake_case")]
pub enum Admission {
    /// May apply.
    Eligible,
    /// May not, for these reasons (at least one).
    Ineligible(Vec<Shortfall>),
}

impl From<Vec<Shortfall>> for Admission {
    fn from(shortfalls: Vec<Shortfall>) -> Self {
        if shortfalls.is_empty() {
            Admission::Eligible
        } else {
            Admission::Ineligible(shortfalls)
        }
    }
}

/// One reason an applicant may not apply ("motivo di inammissibilità").
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shortfall {
    /// The partita IVA is not 11 digits with the right check digit.
    PartitaIva(String),
    /// The Albo number is not in the register's format.
    AlboNumber(String),
    /// No region given.
    MissingRegion,
    /// A region that is not one of the twenty.
    UnknownRegion(Tag),
    /// The call's rule is not met (organisation type, Albo membership …).
    Rule(Reason),
}

impl Shortfall {
    /// The reason in Italian.
    pub fn it(&self) -> String {
        match self {
            Shortfall::PartitaIva(given) => format!(
                "La partita IVA «{given}» non è valida: servono 11 cifre e l'ultima deve essere la cifra di controllo."
            ),
            Shortfall::AlboNumber(given) => format!(
                "Il numero di iscrizione all'Albo delle società cooperative «{given}» non è valido: è una A seguita da 6 cifre."
            ),
            Shortfall::MissingRegion => "Serve indicare la regione della sede legale.".to_owned(),
            Shortfall::UnknownRegion(region) => {
                format!("«{region}» non è una regione italiana.")
            }
            Shortfall::Rule(reason) => reason.it().to_owned(),
        }
    }

    /// The reason in English.
    pub fn en(&self) -> String {
        match self {
            Shortfall::PartitaIva(given) => format!(
                "The partita IVA “{given}” is not valid: it is 11 digits, the last a check digit."
            ),
            Shortfall::AlboNumber(given) => format!(
                "The Albo delle società cooperative number “{given}” is not valid: it is an A and 6 digits."
            ),
            Shortfall::MissingRegion => {
                "The region of the registered office is required.".to_owned()
            }
            Shortfall::UnknownRegion(region) => format!("“{region}” is not an Italian region."),
            Shortfall::Rule(reason) => reason.en().to_owned(),
        }
    }
}

impl Serialize for Shortfall {
    /// `{"it": "…", "en": "…"}`, like every reason in skillhub.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Shortfall", 2)?;
        out.serialize_field("it", &self.it())?;
        out.serialize_field("en", &self.en())?;
        out.end()
    }
}
