//! What a rule reads about a person, so a registration form asks for exactly that, and the
//! words for the values it names (roles, memberships, regions) in Italian and English.

use std::collections::BTreeSet;

use super::rule::Rule;
use super::words::{REGIONS, TAGS};
use crate::ids::Tag;
use crate::person::{Country, OrganisationType};

/// The attributes a rule (or several) tests, with the values it names ("dati richiesti").
///
/// A field is needed when its set is not empty (or its flag is set); the sets hold the values the
/// rule names, which a form offers as choices.
///
/// ```
/// use skillhub_core::eligibility::Rule;
/// let rule: Rule = serde_json::from_str(
///     r#"{"all": [{"gender": ["female"]}, {"not": {"role": "trainer"}}, {"age": {"min": 18}}]}"#,
/// ).unwrap();
/// let needs = rule.needs();
/// assert!(needs.gender && needs.birth_date && !needs.is_empty());
/// assert_eq!(needs.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["trainer"]);
/// assert!(needs.countries.is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    /// A `gender` test.
    pub gender: bool,
    /// The roles named by `role` tests.
    pub roles: BTreeSet<Tag>,
    /// The countries named by `country` and `available` tests.
    pub countries: BTreeSet<Country>,
    /// The regions named by `region` tests.
    pub regions: BTreeSet<Tag>,
    /// An `age` test (so the birth date).
    pub birth_date: bool,
    /// The kinds named by `organisation_type` tests.
    pub organisation_types: BTreeSet<OrganisationType>,
    /// The bodies named by `membership` tests.
    pub memberships: BTreeSet<Tag>,
}

impl Needs {
    /// Whether the rule reads nothing about the person (only dates, or nothing at all).
    pub fn is_empty(&self) -> bool {
        *self == Needs::default()
    }

    /// Adds what `other` needs.
    pub fn merge(&mut self, other: Needs) {
        self.gender |= other.gender;
        self.roles.extend(other.roles);
        self.countries.extend(other.countries);
        self.regions.extend(other.regions);
        self.birth_date |= other.birth_date;
        self.organisation_types.extend(other.organisation_types);
        self.memberships.extend(other.memberships);
    }

    fn add(&mut self, rule: &Rule) {
        match rule {
            Rule::All(parts) | Rule::Any(parts) => parts.iter().for_each(|p| self.add(p)),
            Rule::Not(part) => self.add(part),
            Rule::Gender(_) => self.gender = true,
            Rule::Role(role) => {
                self.roles.insert(role.clone());
            }
            Rule::Country(set) => self.countries.extend(set.iter().copied()),
            Rule::Region(set) => self.regions.extend(set.iter().cloned()),
            Rule::Age { .. } => self.birth_date = true,
            Rule::OrganisationType(set) => self.organisation_types.extend(set.iter().copied()),
            Rule::Membership(body) => {
                self.memberships.insert(body.clone());
            }
            Rule::Window { .. } => {}
            Rule::Available(list) => self.countries.extend(list.iter().map(|w| w.country)),
        }
    }
}

impl Rule {
    /// What this rule reads about a person.
    pub fn needs(&self) -> Needs {
        let mut needs = Needs::default();
        needs.add(self);
        needs
    }
}

/// A role's or membership's wording `(Italian, English)`, unquoted: the seed programs' tags have
/// proper words (`community_admin` → "amministratore di community"), others read with
/// underscores as spaces.
///
/// ```
/// use skillhub_core::eligibility::tag_words;
/// let admin = "community_admin".parse().unwrap();
/// assert_eq!(tag_words(&admin), ("amministratore di community".into(), "community admin".into()));
/// ```
pub fn tag_words(tag: &Tag) -> (String, String) {
    match TAGS.iter().find(|(k, _, _)| *k == tag.as_str()) {
        Some((_, it, en)) => ((*it).to_owned(), (*en).to_owned()),
        None => {
            let plain = tag.as_str().replace('_', " ");
            (plain.clone(), plain)
        }
    }
}

/// An Italian region's name `(Italian, English)` from its tag (`emilia-romagna` →
/// "Emilia-Romagna"); a tag that names no region reads with separators as spaces.
///
/// ```
/// use skillhub_core::eligibility::region_words;
/// let puglia = "puglia".parse().unwrap();
/// assert_eq!(region_words(&puglia), ("Puglia".into(), "Apulia".into()));
/// ```
pub fn region_words(tag: &Tag) -> (String, String) {
    let key: String = tag
        .as_str()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    match REGIONS.iter().find(|(k, _, _)| *k == key) {
        Some((_, in_it, en)) => (region_name_it(in_it).to_owned(), (*en).to_owned()),
        None => {
            let plain = tag.as_str().replace(['_', '-'], " ");
            (plain.clone(), plain)
        }
    }
}

/// The twenty Italian regions as `(tag, Italian, English)`, in Italian alphabetical order; the
/// tags are the names in lowercase with `-` between words (`emilia-romagna`, `valle-d-aosta`).
pub fn italian_regions() -> Vec<(Tag, String, String)> {
    REGIONS
        .iter()
        .filter_map(|(_, in_it, en)| {
            let it = region_name_it(in_it);
            let slug: String = it
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("-");
            Some((slug.parse().ok()?, it.to_owned(), (*en).to_owned()))
        })
        .collect()
}

/// "nel Lazio" → "Lazio": the region's name without its preposition.
fn region_name_it(in_it: &str) -> &str {
    in_it.split_once(' ').map_or(in_it, |(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_collect_every_leaf_under_all_any_not() {
        let rule: Rule = serde_json::from_str(
            r#"{"any": [
                {"all": [{"organisation_type": ["cooperative"]}, {"membership": "albo_cooperative"}]},
                {"not": {"region": ["lazio"]}},
                {"available": [{"country": "IE", "from": "2018-01-01"}]},
                {"country": ["IT"]},
                {"window": {"from": "2019-01-01"}}
            ]}"#,
        )
        .unwrap();
        let needs = rule.needs();
        assert!(!needs.gender && !needs.birth_date);
        let countries: Vec<&str> = needs.countries.iter().map(Country::as_str).collect();
        assert_eq!(countries, ["IE", "IT"]);
        assert_eq!(needs.regions.len(), 1);
        assert_eq!(needs.memberships.len(), 1);
        assert_eq!(
            needs.organisation_types,
            BTreeSet::from([OrganisationType::Cooperative])
        );
        let window: Rule = serde_json::from_str(r#"{"window": {"from": "2019-01-01"}}"#).unwrap();
        assert!(window.needs().is_empty());
        let mut merged = window.needs();
        merged.merge(needs.clone());
        assert_eq!(merged, needs);
    }

    #[test]
    fn twenty_regions_with_tags_that_parse() {
        let regions = italian_regions();
        assert_eq!(regions.len(), 20);
        for (tag, it, _) in &regions {
            assert_eq!(region_words(tag).0, *it, "{tag:?}");
        }
        assert!(
            regions
                .iter()
                .any(|(t, it, _)| t.as_str() == "valle-d-aosta" && it == "Valle d'Aosta")
        );
    }
}
