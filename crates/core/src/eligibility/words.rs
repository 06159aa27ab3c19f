//! The wording: conditions as clauses ("hai almeno 18 anni"), and reasons as sentences
//! ("È riservato a chi ha almeno 18 anni; in data 1º giugno 2018 ne hai 17."), in Italian and
//! English.
//!
//! Clauses are written in the second person so they read after "Disponibile solo se:" and
//! inside lists of alternatives; reasons are whole sentences. Every test has a positive and a
//! negative phrasing, so `not` is pushed down to the tests instead of being said as
//! "non è vero che …".

use chrono::{Datelike, NaiveDate};

use super::evaluate::{Polarity, Reason, Truth};
use super::rule::{CountryWindow, Rule};
use crate::ids::Tag;
use crate::person::{Attributes, Country, Gender, OrganisationType};

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Text {
    pub(super) it: String,
    pub(super) en: String,
}

fn text(it: impl Into<String>, en: impl Into<String>) -> Text {
    Text {
        it: it.into(),
        en: en.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    It,
    En,
}

impl Text {
    fn pick(&self, lang: Lang) -> &str {
        match lang {
            Lang::It => &self.it,
            Lang::En => &self.en,
        }
    }
}

/// A rule as a condition in negation normal form: `not` pushed down to the tests, nested `and`s
/// and `or`s flattened, and tests that cannot vary folded into constants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Clause {
    Const(bool),
    Leaf(Text),
    And(Vec<Clause>),
    Or(Vec<Clause>),
}

impl Clause {
    fn and(parts: Vec<Clause>) -> Clause {
        Clause::join(parts, true)
    }

    fn or(parts: Vec<Clause>) -> Clause {
        Clause::join(parts, false)
    }

    /// `and` when `conjunction`, else `or`; the neutral constant is dropped, the absorbing one
    /// wins.
    fn join(parts: Vec<Clause>, conjunction: bool) -> Clause {
        let mut flat = Vec::with_capacity(parts.len());
        for part in parts {
            match part {
                Clause::Const(value) if value == conjunction => {}
                Clause::Const(value) => return Clause::Const(value),
                Clause::And(inner) if conjunction => flat.extend(inner),
                Clause::Or(inner) if !conjunction => flat.extend(inner),
                other => flat.push(other),
            }
        }
        match flat.len() {
            0 => Clause::Const(conjunction),
            1 => flat.pop().unwrap_or(Clause::Const(conjunction)),
            _ if conjunction => Clause::And(flat),
            _ => Clause::Or(flat),
        }
    }

    /// The clause in one language; nested groups are put in parentheses.
    fn render(&self, lang: Lang, nested: bool) -> String {
        let (parts, joiner) = match (self, lang) {
            (Clause::Const(true), Lang::It) => return "sempre".to_owned(),
            (Clause::Const(true), Lang::En) => return "always".to_owned(),
            (Clause::Const(false), Lang::It) => return "mai".to_owned(),
            (Clause::Const(false), Lang::En) => return "never".to_owned(),
            (Clause::Leaf(leaf), _) => return leaf.pick(lang).to_owned(),
            (Clause::And(parts), Lang::It) => (parts, " e "),
            (Clause::And(parts), Lang::En) => (parts, " and "),
            (Clause::Or(parts), Lang::It) => (parts, " oppure "),
            (Clause::Or(parts), Lang::En) => (parts, " or "),
        };
        let inner: Vec<String> = parts.iter().map(|p| p.render(lang, true)).collect();
        let inner = inner.join(joiner);
        if nested { format!("({inner})") } else { inner }
    }

    fn text(&self) -> Text {
        text(self.render(Lang::It, false), self.render(Lang::En, false))
    }
}

/// The condition `rule` states (or, under [`Polarity::Negative`], its negation).
pub(super) fn clause(rule: &Rule, polarity: Polarity) -> Clause {
    let positive = polarity == Polarity::Positive;
    match rule {
        Rule::Not(part) => clause(part, polarity.flip()),
        Rule::All(parts) | Rule::Any(parts) => {
            let parts = parts.iter().map(|p| clause(p, polarity)).collect();
            if matches!(rule, Rule::All(_)) == positive {
                Clause::and(parts)
            } else {
                Clause::or(parts)
            }
        }
        leaf => match constant(leaf) {
            Some(value) => Clause::Const(value == positive),
            None => Clause::Leaf(condition(leaf, polarity)),
        },
    }
}

/// The value of a test that does not depend on the person or the day, if it is one
/// (possible only in rules built in code: reading a rule refuses these).
fn constant(leaf: &Rule) -> Option<bool> {
    match leaf {
        Rule::Window {
            from: None,
            until: None,
        } => Some(true),
        Rule::Window {
            from: Some(from),
            until: Some(until),
        } if from > until => Some(false),
        Rule::Age {
            min: Some(min),
            max: Some(max),
        } if min > max => Some(false),
        Rule::Gender(set) if set.is_empty() => Some(false),
        Rule::Country(set) if set.is_empty() => Some(false),
        Rule::Region(set) if set.is_empty() => Some(false),
        Rule::OrganisationType(set) if set.is_empty() => Some(false),
        Rule::Available(list) if list.is_empty() => Some(false),
        _ => None,
    }
}

/// "Disponibile solo se: …." for a catalog page.
///
/// Three or more conditions that must all hold are listed with semicolons, like Moodle's list of
/// restrictions; fewer, or nested ones, are joined with "e" / "and".
pub(super) fn only_if(clause: &Clause) -> Text {
    let body = match clause {
        Clause::And(parts) if parts.len() >= 3 => {
            let list = |lang| {
                parts
                    .iter()
                    .map(|part| part.render(lang, false))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            text(list(Lang::It), list(Lang::En))
        }
        other => other.text(),
    };
    text(
        format!("Disponibile solo se: {}.", body.it),
        format!("Available only if: {}.", body.en),
    )
}

/// The description of a rule that admits everyone.
pub(super) fn everyone() -> Text {
    text("Aperto a tutti.", "Open to everyone.")
}

/// The description of a rule that admits nobody.
pub(super) fn nobody_description() -> Text {
    text("Non è aperto a nessuno.", "Not open to anyone.")
}

/// The reason given by a rule that admits nobody.
pub(super) fn nobody() -> Reason {
    Reason::unmet(
        "Non è aperto a nessuno.".to_owned(),
        "It is not open to anyone.".to_owned(),
    )
}

/// The reason for a disjunction that is not true: `any` wanted true (the alternatives), or
/// `all` wanted false (the combination that excludes).
pub(super) fn alternatives(rule: &Rule, polarity: Polarity) -> Reason {
    let items = match (clause(rule, Polarity::Positive), polarity) {
        (Clause::Or(items), Polarity::Positive) | (Clause::And(items), Polarity::Negative) => items,
        (Clause::Const(_), _) => Vec::new(),
        (other, _) => vec![other],
    };
    let list = |lang| {
        items
            .iter()
            .map(|item| item.render(lang, false))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let (it, en) = (list(Lang::It), list(Lang::En));
    match (items.len(), polarity) {
        (0, _) => nobody(),
        (1, Polarity::Positive) => Reason::unmet(
            format!("Serve questa condizione: {it}."),
            format!("You need to meet this condition: {en}."),
        ),
        (_, Polarity::Positive) => Reason::unmet(
            format!("Serve almeno una di queste condizioni: {it}."),
            format!("You need to meet at least one of these conditions: {en}."),
        ),
        (1, Polarity::Negative) => Reason::unmet(
            format!("Non è aperto se {it}."),
            format!("It is not open to you if {en}."),
        ),
        (_, Polarity::Negative) => Reason::unmet(
            format!("Non è aperto se valgono insieme queste condizioni: {it}."),
            format!("It is not open to you if all of these apply: {en}."),
        ),
    }
}

/// What a test reads besides the rule.
pub(super) struct LeafCtx<'a> {
    pub(super) attributes: &'a Attributes,
    pub(super) on: NaiveDate,
}

/// The reason a test does not do what `polarity` wants, given its wanted truth (false or
/// unknown).
pub(super) fn leaf_reason(
    leaf: &Rule,
    polarity: Polarity,
    truth: Truth,
    ctx: &LeafCtx<'_>,
) -> Reason {
    if constant(leaf).is_some() {
        // Fails whatever the person declares: a rule built in code that admits nobody.
        return nobody();
    }
    let reason = match (truth, polarity) {
        (Truth::Unknown, _) => None,
        (_, Polarity::Positive) => unmet(leaf, ctx),
        (_, Polarity::Negative) => excluded(leaf, ctx),
    };
    reason.unwrap_or_else(|| missing(leaf, ctx))
}

// ---------------------------------------------------------------------------------------------
// Conditions, as clauses.

fn condition(leaf: &Rule, polarity: Polarity) -> Text {
    let positive = polarity == Polarity::Positive;
    match leaf {
        Rule::Gender(set) => {
            let it: Vec<String> = set.iter().map(|g| gender_it(*g).to_owned()).collect();
            let en: Vec<String> = set.iter().map(|g| g.en().to_owned()).collect();
            if positive {
                text(
                    format!("sei {}", or_it(&it)),
                    format!("you are {}", or_en(&en)),
                )
            } else {
                text(
                    format!("non sei {}", neither_it(&it)),
                    format!("you are not {}", or_en(&en)),
                )
            }
        }
        Rule::Role(tag) => {
            let (it, en) = tag_label(tag);
            if positive {
                text(
                    format!("hai il ruolo {it}"),
                    format!("you have the role {en}"),
                )
            } else {
                text(
                    format!("non hai il ruolo {it}"),
                    format!("you do not have the role {en}"),
                )
            }
        }
        Rule::Country(set) => {
            let places: Vec<Place> = set.iter().map(|c| Place::country(*c)).collect();
            lives_in(&places, positive)
        }
        Rule::Region(set) => {
            let places: Vec<Place> = set.iter().map(Place::region).collect();
            lives_in(&places, positive)
        }
        Rule::Age { min, max } => age_condition(*min, *max, positive),
        Rule::OrganisationType(set) => {
            let it: Vec<String> = set.iter().map(|o| organisation_it(*o)).collect();
            let en: Vec<String> = set.iter().map(|o| organisation_en(*o)).collect();
            if positive {
                text(
                    format!("la tua organizzazione è {}", or_it(&it)),
                    format!("your organisation is {}", or_en(&en)),
                )
            } else {
                text(
                    format!("la tua organizzazione non è {}", neither_it(&it)),
                    format!("your organisation is not {}", or_en(&en)),
                )
            }
        }
        Rule::Membership(tag) => {
            let (it, en) = tag_label(tag);
            if positive {
                text(
                    format!("fai parte di {it}"),
                    format!("you are a member of {en}"),
                )
            } else {
                text(
                    format!("non fai parte di {it}"),
                    format!("you are not a member of {en}"),
                )
            }
        }
        Rule::Window { from, until } => window_condition(*from, *until, positive),
        Rule::Available(list) => {
            let places = available_places(list);
            if positive {
                text(
                    format!("risiedi in un paese in cui è disponibile ({})", places.it),
                    format!(
                        "you live in a country where it is available ({})",
                        places.en
                    ),
                )
            } else {
                text(
                    format!(
                        "non risiedi in un paese in cui è disponibile ({})",
                        places.it
                    ),
                    format!(
                        "you do not live in a country where it is available ({})",
                        places.en
                    ),
                )
            }
        }
        Rule::All(_) | Rule::Any(_) | Rule::Not(_) => clause(leaf, polarity).text(),
    }
}

fn lives_in(places: &[Place], positive: bool) -> Text {
    let it: Vec<String> = places.iter().map(|p| p.in_it.clone()).collect();
    let en: Vec<String> = places.iter().map(|p| p.en.clone()).collect();
    if positive {
        text(
            format!("risiedi {}", or_it(&it)),
            format!("you live in {}", or_en(&en)),
        )
    } else {
        text(
            format!("non risiedi {}", neither_it(&it)),
            format!("you do not live in {}", or_en(&en)),
        )
    }
}

fn age_condition(min: Option<u32>, max: Option<u32>, positive: bool) -> Text {
    match (min, max, positive) {
        (Some(a), None, true) => text(
            format!("hai almeno {}", years_it(a)),
            format!("you are at least {} old", years_en(a)),
        ),
        (None, Some(b), true) => text(
            format!("hai al massimo {}", years_it(b)),
            format!("you are at most {} old", years_en(b)),
        ),
        (Some(a), Some(b), true) if a == b => text(
            format!("hai {}", years_it(a)),
            format!("you are {} old", years_en(a)),
        ),
        (Some(a), Some(b), true) => text(
            format!("hai tra {a} e {}", years_it(b)),
            format!("you are between {a} and {} old", years_en(b)),
        ),
        (Some(a), None, false) => text(
            format!("hai meno di {}", years_it(a)),
            format!("you are under {a}"),
        ),
        (None, Some(b), false) => text(
            format!("hai più di {}", years_it(b)),
            format!("you are over {b}"),
        ),
        (Some(a), Some(b), false) => text(
            format!("hai meno di {} o più di {}", years_it(a), years_it(b)),
            format!("you are under {a} or over {b}"),
        ),
        (None, None, true) => text(
            "hai indicato la data di nascita",
            "you have stated your date of birth",
        ),
        (None, None, false) => text(
            "non hai indicato la data di nascita",
            "you have not stated your date of birth",
        ),
    }
}

fn window_condition(from: Option<NaiveDate>, until: Option<NaiveDate>, positive: bool) -> Text {
    match (from, until, positive) {
        (Some(f), None, true) => text(
            format!("la data è {} o successiva", il(f)),
            format!("it is on or after {}", date_en(f)),
        ),
        (None, Some(u), true) => text(
            format!("la data è {} o precedente", il(u)),
            format!("it is on or before {}", date_en(u)),
        ),
        (Some(f), Some(u), true) => text(
            format!("la data è compresa tra {} e {}", il(f), il(u)),
            format!("it is between {} and {}", date_en(f), date_en(u)),
        ),
        (Some(f), None, false) => text(
            format!("la data è precedente {}", al(f)),
            format!("it is before {}", date_en(f)),
        ),
        (None, Some(u), false) => text(
            format!("la data è successiva {}", al(u)),
            format!("it is after {}", date_en(u)),
        ),
        (Some(f), Some(u), false) => text(
            format!("la data è precedente {} o successiva {}", al(f), al(u)),
            format!("it is before {} or after {}", date_en(f), date_en(u)),
        ),
        (None, None, true) => text("sempre", "always"),
        (None, None, false) => text("mai", "never"),
    }
}

// ---------------------------------------------------------------------------------------------
// Reasons: a test wanted true that is false.

fn unmet(leaf: &Rule, ctx: &LeafCtx<'_>) -> Option<Reason> {
    let a = ctx.attributes;
    let reason = match leaf {
        Rule::Gender(set) => {
            let g = a.gender?;
            let it: Vec<String> = set.iter().map(|g| gender_to_it(*g).to_owned()).collect();
            let en: Vec<String> = set
                .iter()
                .map(|g| gender_plural_en(*g).to_owned())
                .collect();
            Reason::unmet(
                format!(
                    "È riservato {}; hai indicato di essere {}.",
                    or_it(&it),
                    gender_it(g)
                ),
                format!(
                    "It is only open to {}; you stated that you are {}.",
                    or_en(&en),
                    g.en()
                ),
            )
        }
        Rule::Role(tag) => {
            let (it, en) = tag_label(tag);
            Reason::unmet(
                format!("È riservato a chi ha il ruolo {it}; non l'hai indicato."),
                format!(
                    "It is only open to people with the role {en}; you have not stated that role."
                ),
            )
        }
        Rule::Country(set) => {
            let places: Vec<Place> = set.iter().map(|c| Place::country(*c)).collect();
            lives_elsewhere(&places, &Place::country(a.country?))
        }
        Rule::Region(set) => {
            let places: Vec<Place> = set.iter().map(Place::region).collect();
            lives_elsewhere(&places, &Place::region(a.region.as_ref()?))
        }
        Rule::Age { min, max } => {
            let age = a.age_on(ctx.on)?;
            let (it, en) = age_requirement(*min, *max)?;
            Reason::unmet(
                format!(
                    "È riservato a chi ha {it}; in data {} ne hai {age}.",
                    date_it(ctx.on)
                ),
                format!(
                    "It is only open to people {en}; on {} you are {age}.",
                    date_en(ctx.on)
                ),
            )
        }
        Rule::OrganisationType(set) => {
            let o = a.organisation_type?;
            let it: Vec<String> = set
                .iter()
                .map(|o| format!("di {}", organisation_it(*o)))
                .collect();
            let en: Vec<String> = set.iter().map(|o| organisation_en(*o)).collect();
            Reason::unmet(
                format!(
                    "È riservato a chi fa parte {}; hai indicato {}.",
                    or_it(&it),
                    organisation_it(o)
                ),
                format!(
                    "It is only open to people from {}; you stated {}.",
                    or_en(&en),
                    organisation_en(o)
                ),
            )
        }
        Rule::Membership(tag) => {
            let (it, en) = tag_label(tag);
            Reason::unmet(
                format!("È riservato a chi fa parte di {it}; non l'hai indicato."),
                format!("It is only open to members of {en}; you have not stated that membership."),
            )
        }
        Rule::Window { from, until } => closed(*from, *until, ctx.on, None)?,
        Rule::Available(list) => not_available(list, ctx),
        Rule::All(_) | Rule::Any(_) | Rule::Not(_) => return None,
    };
    Some(reason)
}

fn lives_elsewhere(places: &[Place], actual: &Place) -> Reason {
    let it: Vec<String> = places.iter().map(|p| p.in_it.clone()).collect();
    let en: Vec<String> = places.iter().map(|p| p.en.clone()).collect();
    Reason::unmet(
        format!(
            "È riservato a chi risiede {}; hai indicato di risiedere {}.",
            or_it(&it),
            actual.in_it
        ),
        format!(
            "It is only open to people who live in {}; you stated that you live in {}.",
            or_en(&en),
            actual.en
        ),
    )
}

/// "Not yet" or "no longer", for a window that does not contain `on`; `place` says where, for
/// per-country availability.
fn closed(
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    on: NaiveDate,
    place: Option<&Place>,
) -> Option<Reason> {
    if let Some(f) = from.filter(|f| on < *f) {
        return Some(match place {
            None => Reason::unmet(
                format!("Non è ancora disponibile: apre {}.", il(f)),
                format!("It is not available yet: it opens on {}.", date_en(f)),
            ),
            Some(p) => Reason::unmet(
                format!(
                    "{} non è ancora disponibile: apre {}.",
                    capitalise(&p.in_it),
                    il(f)
                ),
                format!(
                    "It is not available in {} yet: it opens there on {}.",
                    p.en,
                    date_en(f)
                ),
            ),
        });
    }
    let u = until.filter(|u| on > *u)?;
    Some(match place {
        None => Reason::unmet(
            format!("Non è più disponibile: era aperto fino {}.", al(u)),
            format!(
                "It is no longer available: it was open until {}.",
                date_en(u)
            ),
        ),
        Some(p) => Reason::unmet(
            format!(
                "{} non è più disponibile: era aperto fino {}.",
                capitalise(&p.in_it),
                al(u)
            ),
            format!(
                "It is no longer available in {}: it was open there until {}.",
                p.en,
                date_en(u)
            ),
        ),
    })
}

fn not_available(list: &[CountryWindow], ctx: &LeafCtx<'_>) -> Reason {
    let Some(country) = ctx.attributes.country else {
        return Reason::unmet(
            format!(
                "Non è disponibile in nessun paese in data {}.",
                date_it(ctx.on)
            ),
            format!("It is not available in any country on {}.", date_en(ctx.on)),
        );
    };
    let place = Place::country(country);
    let closed_here = list
        .iter()
        .filter(|e| e.country == country)
        .find_map(|e| closed(e.from, e.until, ctx.on, Some(&place)));
    closed_here.unwrap_or_else(|| {
        let places = available_places(list);
        Reason::unmet(
            format!(
                "Non è disponibile {}; è disponibile in: {}.",
                place.in_it, places.it
            ),
            format!(
                "It is not available in {}; it is available in: {}.",
                place.en, places.en
            ),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Reasons: a test wanted false (under `not`) that is true, phrased as an exclusion.

fn excluded(leaf: &Rule, ctx: &LeafCtx<'_>) -> Option<Reason> {
    let a = ctx.attributes;
    let not_open_to = |it: String, en: String| {
        Reason::unmet(
            format!("Non è aperto {it}."),
            format!("It is not open to {en}."),
        )
    };
    let reason = match leaf {
        Rule::Gender(_) => {
            let g = a.gender?;
            not_open_to(gender_to_it(g).to_owned(), gender_plural_en(g).to_owned())
        }
        Rule::Role(tag) => {
            let (it, en) = tag_label(tag);
            not_open_to(
                format!("a chi ha il ruolo {it}"),
                format!("people with the role {en}"),
            )
        }
        Rule::Country(_) => {
            let place = Place::country(a.country?);
            not_open_to(
                format!("a chi risiede {}", place.in_it),
                format!("people who live in {}", place.en),
            )
        }
        Rule::Region(_) => {
            let place = Place::region(a.region.as_ref()?);
            not_open_to(
                format!("a chi risiede {}", place.in_it),
                format!("people who live in {}", place.en),
            )
        }
        Rule::Age { min, max } => match age_requirement(*min, *max) {
            Some((it, en)) => not_open_to(format!("a chi ha {it}"), format!("people {en}")),
            None => not_open_to(
                "a chi indica la data di nascita".to_owned(),
                "people who state their date of birth".to_owned(),
            ),
        },
        Rule::OrganisationType(_) => {
            let o = a.organisation_type?;
            not_open_to(
                format!("a chi fa parte di {}", organisation_it(o)),
                format!("people from {}", organisation_en(o)),
            )
        }
        Rule::Membership(tag) => {
            let (it, en) = tag_label(tag);
            not_open_to(
                format!("a chi fa parte di {it}"),
                format!("members of {en}"),
            )
        }
        Rule::Window { from, until } => {
            let (it, en) = match (from, until) {
                (Some(f), None) => (
                    format!("{} in poi", dal(*f)),
                    format!("on or after {}", date_en(*f)),
                ),
                (None, Some(u)) => (
                    format!("fino {} compreso", al(*u)),
                    format!("on or before {}", date_en(*u)),
                ),
                (Some(f), Some(u)) => (
                    format!("{} {}", dal(*f), al(*u)),
                    format!("from {} to {}", date_en(*f), date_en(*u)),
                ),
                (None, None) => ("in nessuna data".to_owned(), "on any date".to_owned()),
            };
            Reason::unmet(
                format!("Non è disponibile {it}."),
                format!("It is not available {en}."),
            )
        }
        Rule::Available(list) => {
            let country = a.country?;
            let entry = list
                .iter()
                .find(|e| e.country == country && e.contains(ctx.on))?;
            let place = Place::country(country);
            let (when_it, when_en) = match window_phrase(entry.from, entry.until) {
                Some(w) => (format!(" ({})", w.it), format!(" ({})", w.en)),
                None => (String::new(), String::new()),
            };
            not_open_to(
                format!("a chi risiede {}{when_it}", place.in_it),
                format!("people who live in {}{when_en}", place.en),
            )
        }
        Rule::All(_) | Rule::Any(_) | Rule::Not(_) => return None,
    };
    Some(reason)
}

// ---------------------------------------------------------------------------------------------
// Reasons: an attribute the test needs is missing.

fn missing(leaf: &Rule, ctx: &LeafCtx<'_>) -> Reason {
    let ask = |it: &str, en: &str| Reason::information(it.to_owned(), en.to_owned());
    match leaf {
        Rule::Gender(_) => ask("Serve indicare il genere.", "Please state your gender."),
        Rule::Country(_) | Rule::Available(_) => ask(
            "Serve indicare il paese di residenza.",
            "Please state your country of residence.",
        ),
        Rule::Region(_) => ask(
            "Serve indicare la regione di residenza.",
            "Please state your region of residence.",
        ),
        Rule::Age { .. } => match ctx.attributes.birth_date {
            Some(born) if born > ctx.on => Reason::information(
                format!(
                    "La data di nascita indicata ({}) è successiva {}.",
                    date_it(born),
                    al(ctx.on)
                ),
                format!(
                    "The date of birth you stated ({}) is after {}.",
                    date_en(born),
                    date_en(ctx.on)
                ),
            ),
            _ => ask(
                "Serve indicare la data di nascita.",
                "Please state your date of birth.",
            ),
        },
        Rule::OrganisationType(_) => ask(
            "Serve indicare il tipo di organizzazione di cui fai parte.",
            "Please state what kind of organisation you belong to.",
        ),
        _ => ask(
            "Servono altre informazioni per valutare questo requisito.",
            "More information is needed to assess this requirement.",
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Words.

/// A place as written after "risiedi" ("in Italia", "nel Lazio") and after "live in".
struct Place {
    in_it: String,
    en: String,
}

impl Place {
    fn country(country: Country) -> Place {
        let in_it = match country.as_str() {
            "GB" => "nel Regno Unito".to_owned(),
            _ => format!("in {}", country.name_it()),
        };
        Place {
            in_it,
            en: country.name_en().to_owned(),
        }
    }

    fn region(region: &Tag) -> Place {
        let key: String = region
            .as_str()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        match REGIONS.iter().find(|(k, _, _)| *k == key) {
            Some((_, in_it, en)) => Place {
                in_it: (*in_it).to_owned(),
                en: (*en).to_owned(),
            },
            None => {
                let name = humanise(region);
                Place {
                    in_it: format!("nella regione «{name}»"),
                    en: format!("the region “{name}”"),
                }
            }
        }
    }
}

/// The twenty Italian regions: slug without separators, "in …" in Italian, English name.
pub(super) const REGIONS: [(&str, &str, &str); 20] = [
    ("abruzzo", "in Abruzzo", "Abruzzo"),
    ("basilicata", "in Basilicata", "Basilicata"),
    ("calabria", "in Calabria", "Calabria"),
    ("campania", "in Campania", "Campania"),
    ("emiliaromagna", "in Emilia-Romagna", "Emilia-Romagna"),
    (
        "friuliveneziagiulia",
        "in Friuli-Venezia Giulia",
        "Friuli-Venezia Giulia",
    ),
    ("lazio", "nel Lazio", "Lazio"),
    ("liguria", "in Liguria", "Liguria"),
    ("lombardia", "in Lombardia", "Lombardy"),
    ("marche", "nelle Marche", "Marche"),
    ("molise", "in Molise", "Molise"),
    ("piemonte", "in Piemonte", "Piedmont"),
    ("puglia", "in Puglia", "Apulia"),
    ("sardegna", "in Sardegna", "Sardinia"),
    ("sicilia", "in Sicilia", "Sicily"),
    ("toscana", "in Toscana", "Tuscany"),
    (
        "trentinoaltoadige",
        "in Trentino-Alto Adige",
        "Trentino-South Tyrol",
    ),
    ("umbria", "in Umbria", "Umbria"),
    ("valledaosta", "in Valle d'Aosta", "the Aosta Valley"),
    ("veneto", "in Veneto", "Veneto"),
];

/// Roles and memberships the seed programs name, with their wording; other tags are shown with
/// underscores as spaces.
pub(super) const TAGS: [(&str, &str, &str); 6] = [
    (
        "community_admin",
        "amministratore di community",
        "community admin",
    ),
    (
        "community_founder",
        "fondatore di community",
        "community founder",
    ),
    (
        "albo_cooperative",
        "Albo delle società cooperative",
        "Albo delle società cooperative",
    ),
    (
        "pa_communicator",
        "comunicatore della pubblica amministrazione",
        "public administration communicator",
    ),
    (
        "communication_professional",
        "professionista della comunicazione",
        "communication professional",
    ),
    (
        "digital_professional",
        "professionista del digitale",
        "digital professional",
    ),
];

/// A tag's wording, quoted: («…», “…”).
fn tag_label(tag: &Tag) -> (String, String) {
    let (it, en) = match TAGS.iter().find(|(k, _, _)| *k == tag.as_str()) {
        Some((_, it, en)) => ((*it).to_owned(), (*en).to_owned()),
        None => (humanise(tag), humanise(tag)),
    };
    (format!("«{it}»"), format!("“{en}”"))
}

fn humanise(tag: &Tag) -> String {
    tag.as_str().replace('_', " ")
}

/// With its indefinite article, after "sei" and "di essere".
fn gender_it(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "una donna",
        Gender::Male => "un uomo",
        Gender::NonBinary => "una persona non binaria",
    }
}

fn gender_to_it(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "alle donne",
        Gender::Male => "agli uomini",
        Gender::NonBinary => "alle persone non binarie",
    }
}

fn gender_plural_en(gender: Gender) -> &'static str {
    match gender {
        Gender::Female => "women",
        Gender::Male => "men",
        Gender::NonBinary => "non-binary people",
    }
}

/// With its indefinite article: "una società cooperativa", "un ente no profit".
fn organisation_it(kind: OrganisationType) -> String {
    let article = match kind {
        OrganisationType::Utility => "un'",
        OrganisationType::NonProfit => "un ",
        _ => "una ",
    };
    format!("{article}{}", kind.it())
}

/// With its indefinite article: "a cooperative".
fn organisation_en(kind: OrganisationType) -> String {
    let name = kind.en();
    let vowel = name
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// The age bounds as a requirement: ("almeno 18 anni", "aged 18 or over").
fn age_requirement(min: Option<u32>, max: Option<u32>) -> Option<(String, String)> {
    Some(match (min, max) {
        (Some(a), None) => (
            format!("almeno {}", years_it(a)),
            format!("aged {a} or over"),
        ),
        (None, Some(b)) => (
            format!("al massimo {}", years_it(b)),
            format!("aged {b} or under"),
        ),
        (Some(a), Some(b)) if a == b => (years_it(a), format!("aged {a}")),
        (Some(a), Some(b)) => (
            format!("tra {a} e {}", years_it(b)),
            format!("aged {a} to {b}"),
        ),
        (None, None) => return None,
    })
}

fn years_it(n: u32) -> String {
    if n == 1 {
        "1 anno".to_owned()
    } else {
        format!("{n} anni")
    }
}

fn years_en(n: u32) -> String {
    if n == 1 {
        "1 year".to_owned()
    } else {
        format!("{n} years")
    }
}

/// The countries of an `available` list grouped by window, in the order written:
/// "Italia, Regno Unito; Irlanda, Spagna, Svezia dal 1º gennaio 2018".
fn available_places(list: &[CountryWindow]) -> Text {
    type Window = (Option<NaiveDate>, Option<NaiveDate>);
    let mut groups: Vec<(Window, Vec<Country>)> = Vec::new();
    for entry in list {
        let window = (entry.from, entry.until);
        match groups.iter_mut().find(|(w, _)| *w == window) {
            Some((_, countries)) => countries.push(entry.country),
            None => groups.push((window, vec![entry.country])),
        }
    }
    let render = |lang: Lang| {
        groups
            .iter()
            .map(|((from, until), countries)| {
                let names: Vec<&str> = countries
                    .iter()
                    .map(|c| match lang {
                        Lang::It => c.name_it(),
                        Lang::En => c.name_en(),
                    })
                    .collect();
                let names = names.join(", ");
                match window_phrase(*from, *until) {
                    Some(w) => format!("{names} {}", w.pick(lang)),
                    None => names,
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    text(render(Lang::It), render(Lang::En))
}

/// "dal 1º gennaio 2018", "fino al 31 dicembre 2021", "dal … al …"; `None` for no bounds.
fn window_phrase(from: Option<NaiveDate>, until: Option<NaiveDate>) -> Option<Text> {
    Some(match (from, until) {
        (Some(f), None) => text(dal(f), format!("from {}", date_en(f))),
        (None, Some(u)) => text(format!("fino {}", al(u)), format!("until {}", date_en(u))),
        (Some(f), Some(u)) => text(
            format!("{} {}", dal(f), al(u)),
            format!("from {} to {}", date_en(f), date_en(u)),
        ),
        (None, None) => return None,
    })
}

fn list(items: &[String], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., tail] => format!("{}{last}{tail}", init.join(", ")),
    }
}

fn or_it(items: &[String]) -> String {
    list(items, " o ")
}

fn or_en(items: &[String]) -> String {
    list(items, " or ")
}

/// "X" or "né X né Y", after "non è".
fn neither_it(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => items
            .iter()
            .map(|item| format!("né {item}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn capitalise(phrase: &str) -> String {
    let mut chars = phrase.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "1º gennaio 2018", "12 febbraio 2019".
fn date_it(day: NaiveDate) -> String {
    let month = crate::italian::MONTHS[day.month0() as usize];
    match day.day() {
        1 => format!("1º {month} {}", day.year()),
        d => format!("{d} {month} {}", day.year()),
    }
}

/// "1 January 2018".
fn date_en(day: NaiveDate) -> String {
    let month = MONTHS_EN[day.month0() as usize];
    format!("{} {month} {}", day.day(), day.year())
}

/// Whether the article before the day is elided: "l'8", "dall'11".
fn elided(day: NaiveDate) -> bool {
    matches!(day.day(), 8 | 11)
}

/// "il 12 febbraio 2019", "l'8 marzo 2019".
fn il(day: NaiveDate) -> String {
    let article = if elided(day) { "l'" } else { "il " };
    format!("{article}{}", date_it(day))
}

/// "dal 12 febbraio 2019", "dall'8 marzo 2019".
fn dal(day: NaiveDate) -> String {
    let article = if elided(day) { "dall'" } else { "dal " };
    format!("{article}{}", date_it(day))
}

/// "al 12 febbraio 2019", "all'8 marzo 2019".
fn al(day: NaiveDate) -> String {
    let article = if elided(day) { "all'" } else { "al " };
    format!("{article}{}", date_it(day))
}
