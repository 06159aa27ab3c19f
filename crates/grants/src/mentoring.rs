//! Mentoring ("accompagnamento"): funded cooperatives matched to "transformer" enterprises
//! ("imprese trasformatrici"), each able to follow a limited number of cooperatives.
//!
//! The design, since the seed fixes only that enterprises are favoured for their years of
//! experience in digital projects:
//!
//! - **Fit.** An enterprise fits a cooperative when it works in the cooperative's sector or in its
//!   region; sector and region together is the best fit, then sector alone (digital
//!   transformation is mostly about the trade), then region alone (meeting in person). An
//!   enterprise that fits neither is not acceptable to the pair: no one is sent to a mentor who
//!   knows neither their work nor their place.
//! - **Cooperatives** rank the enterprises that fit them by fit, then by **years of experience
//!   in digital projects** (more first: this is where the seed's preference acts), then by id.
//! - **Enterprises** rank the cooperatives that fit them by fit, then by the cooperative's place
//!   in the call's ranking (better first: the committee's judgement decides contested seats),
//!   then by id.
//! - The matching is [`skillhub_allocation::matching`]'s cooperative-proposing deferred acceptance:
//!   stable (no cooperative and enterprise would both rather be together than with whom they
//!   got) and the best stable outcome for every cooperative, since the cooperatives are the
//!   beneficiaries of the call.
//!
//! A cooperative left without a mentor is told why: no enterprise fits it, or every one that
//! fits is full of cooperatives it prefers.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::call::EnterpriseId;
use skillhub_allocation::matching::{InstanceBuilder, InstanceError, solve};
use skillhub_core::ids::Tag;

/// Why a mentoring instance is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MentoringError {
    /// Two cooperatives with the same id.
    #[error("cooperative {0:?} appears twice")]
    DuplicateCooperative(String),
    /// Two enterprises with the same id.
    #[error("enterprise {0} appears twice")]
    DuplicateEnterprise(EnterpriseId),
    /// The instance is too large for the matcher.
    #[error(transparent)]
    Matching(#[from] InstanceError),
}

/// A transformer enterprise ("impresa trasformatrice").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enterprise {
    /// Id.
    pub id: EnterpriseId,
    /// Name.
    pub name: String,
    /// Sectors it knows.
    pub sectors: BTreeSet<Tag>,
    /// Regions where it works.
    pub regions: BTreeSet<Tag>,
    /// Years of experience in digital projects.
    pub years_digital: u32,
    /// How many cooperatives it can follow.
    pub capacity: u32,
}

/// A funded cooperative looking for a mentor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mentee<'a> {
    /// The application's id.
    pub id: &'a str,
    /// Its sector.
    pub sector: Option<&'a Tag>,
    /// Its region.
    pub region: Option<&'a Tag>,
    /// Its rank in the call (1 best).
    pub rank: u32,
}

/// How well an enterprise fits a cooperative, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// Same sector and region.
    SectorAndRegion,
    /// Same sector.
    Sector,
    /// Same region.
    Region,
}

impl Fit {
    /// Italian phrase.
    pub fn it(self) -> &'static str {
        match self {
            Fit::SectorAndRegion => "stesso settore e stessa regione",
            Fit::Sector => "stesso settore",
            Fit::Region => "stessa regione",
        }
    }
}

/// How `enterprise` fits `mentee`, if at all.
pub fn fit(mentee: &Mentee<'_>, enterprise: &Enterprise) -> Option<Fit> {
    let sector = mentee
        .sector
        .is_some_and(|s| enterprise.sectors.contains(s));
    let region = mentee
        .region
        .is_some_and(|r| enterprise.regions.contains(r));
    match (sector, region) {
        (true, true) => Some(Fit::SectorAndRegion),
        (true, false) => Some(Fit::Sector),
        (false, true) => Some(Fit::Region),
        (false, false) => None,
    }
}

/// A cooperative's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pairing<'a> {
    /// The cooperative (application id).
    pub cooperative: &'a str,
    /// Its mentor, if any.
    pub enterprise: Option<&'a EnterpriseId>,
    /// How the mentor fits.
    pub fit: Option<Fit>,
    /// Which of its choices it got (1 first), if any.
    pub choice: Option<u32>,
    /// How many enterprises fit it at all.
    pub fitting: u32,
}

impl Pairing<'_> {
    /// The outcome in Italian.
    pub fn it(&self) -> String {
        match (self.enterprise, self.fit, self.choice) {
            (Some(e), Some(fit), Some(choice)) => format!(
                "{}: accompagnata da {e} ({}, {choice}ª scelta su {})",
                self.cooperative,
                fit.it(),
                self.fitting
            ),
            _ if self.fitting == 1 => format!(
                "{}: l'unica impresa adatta ha già tutti i posti presi da cooperative con una corrispondenza migliore o meglio collocate in graduatoria",
                self.cooperative
            ),
            _ if self.fitting == 0 => format!(
                "{}: nessuna impresa trasformatrice lavora nel suo settore o nella sua regione",
                self.cooperative
            ),
            _ => format!(
                "{}: le {} imprese adatte hanno già tutti i posti presi da cooperative con una corrispondenza migliore o meglio collocate in graduatoria",
                self.cooperative, self.fitting
            ),
        }
    }
}

/// Matches cooperatives to enterprises (see the module docs). Pairings follow `mentees`' order.
///
/// ```
/// use skillhub_grants::call::EnterpriseId;
/// use skillhub_grants::mentoring::{Enterprise, Fit, Mentee, match_mentors};
/// use skillhub_core::ids::Tag;
/// let tag = |t| Tag::parse(t).unwrap();
/// let enterprise = |id, sector, region, years, capacity| Enterprise {
///     id: EnterpriseId::parse(id).unwrap(), name: id.to_owned(),
///     sectors: [tag(sector)].into(), regions: [tag(region)].into(), years_digital: years, capacity,
/// };
/// let enterprises = [
///     enterprise("digi-bo", "agrifood", "emilia-romagna", 12, 1),
///     enterprise("web-pg", "welfare", "umbria", 3, 1),
/// ];
/// let (agrifood, er, umbria) = (tag("agrifood"), tag("emilia-romagna"), tag("umbria"));
/// let mentees = [
///     Mentee { id: "coop-2", sector: Some(&agrifood), region: Some(&umbria), rank: 2 },
///     Mentee { id: "coop-1", sector: Some(&agrifood), region: Some(&er), rank: 1 },
/// ];
/// let plan = match_mentors(&mentees, &enterprises)?;
/// assert_eq!(plan[1].enterprise.map(|e| e.as_str()), Some("digi-bo"));
/// assert_eq!(plan[1].fit, Some(Fit::SectorAndRegion));
/// assert_eq!(plan[0].enterprise.map(|e| e.as_str()), Some("web-pg")); // same region
/// # Ok::<(), skillhub_grants::mentoring::MentoringError>(())
/// ```
pub fn match_mentors<'a>(
    mentees: &[Mentee<'a>],
    enterprises: &'a [Enterprise],
) -> Result<Vec<Pairing<'a>>, MentoringError> {
    let mut seen = HashSet::new();
    if let Some(m) = mentees.iter().find(|m| !seen.insert(m.id)) {
        return Err(MentoringError::DuplicateCooperative(m.id.to_owned()));
    }
    let mut seen = HashSet::new();
    if let Some(e) = enterprises.iter().find(|e| !seen.insert(&e.id)) {
        return Err(MentoringError::DuplicateEnterprise(e.id.clone()));
    }
    // fits[p] = (cooperative, fit) for every cooperative enterprise p fits.
    let mut fits: Vec<Vec<(u32, Fit)>> = vec![Vec::new(); enterprises.len()];
    let mut lists: Vec<Vec<(Fit, u32)>> = Vec::with_capacity(mentees.len());
    for (a, mentee) in (0u32..).zip(mentees) {
        let mut list: Vec<(Fit, u32)> = Vec::new();
        for (p, enterprise) in (0u32..).zip(enterprises) {
            if let Some(f) = fit(mentee, enterprise) {
                list.push((f, p));
                fits[p as usize].push((a, f));
            }
        }
        list.sort_by(|(f1, p1), (f2, p2)| {
            let (e1, e2) = (&enterprises[*p1 as usize], &enterprises[*p2 as usize]);
            (f1, std::cmp::Reverse(e1.years_digital), &e1.id).cmp(&(
                f2,
                std::cmp::Reverse(e2.years_digital),
                &e2.id,
            ))
        });
        lists.push(list);
    }
    let mut builder = InstanceBuilder::new();
    for list in &lists {
        builder.applicant(list.iter().map(|&(_, p)| p));
    }
    for (p, enterprise) in enterprises.iter().enumerate() {
        let ranking = &mut fits[p];
        ranking.sort_by_key(|&(a, f)| (f, mentees[a as usize].rank, mentees[a as usize].id));
        builder.provider(enterprise.capacity, ranking.iter().map(|&(a, _)| a));
    }
    let matching = solve(&builder.build()?);
    Ok(mentees
        .iter()
        .zip(&lists)
        .zip(matching.iter())
        .map(|((mentee, list), provider)| {
            let got = provider.and_then(|p| {
                let k = list.iter().position(|&(_, q)| q == p)?;
                Some((p, list[k].0, k))
            });
            Pairing {
                cooperative: mentee.id,
                enterprise: got.map(|(p, _, _)| &enterprises[p as usize].id),
                fit: got.map(|(_, f, _)| f),
                choice: got.and_then(|(_, _, k)| u32::try_from(k + 1).ok()),
                fitting: u32::try_from(list.len()).unwrap_or(u32::MAX),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tag(t: &str) -> Tag {
        Tag::parse(t).unwrap()
    }

    const SECTORS: [&str; 3] = ["agrifood", "welfare", "tourism"];
    const REGIONS: [&str; 3] = ["lazio", "puglia", "umbria"];

    fn enterprises(specs: &[(usize, usize, u32, u32)]) -> Vec<Enterprise> {
        specs
            .iter()
            .enumerate()
            .map(|(i, &(s, r, years, capacity))| Enterprise {
                id: EnterpriseId::parse(&format!("e{i}")).unwrap(),
                name: format!("E{i}"),
                sectors: [tag(SECTORS[s])].into(),
                regions: [tag(REGIONS[r])].into(),
                years_digital: years,
                capacity,
            })
            .collect()
    }

    proptest! {
        /// Capacity is respected, nobody gets an enterprise that does not fit, and the outcome
        /// is stable: no cooperative and enterprise that fit would both rather be together.
        #[test]
        fn stable_and_within_capacity(
            coops in proptest::collection::vec((0usize..3, 0usize..3), 0..25),
            specs in proptest::collection::vec((0usize..3, 0usize..3, 0u32..20, 0u32..4), 0..8),
        ) {
            let tags: Vec<(Tag, Tag)> = coops.iter().map(|&(s, r)| (tag(SECTORS[s]), tag(REGIONS[r]))).collect();
            let ids: Vec<String> = (0..coops.len()).map(|i| format!("c{i}")).collect();
            let mentees: Vec<Mentee<'_>> = tags.iter().zip(&ids).enumerate().map(|(i, ((s, r), id))| Mentee {
                id, sector: Some(s), region: Some(r), rank: u32::try_from(i + 1).unwrap(),
            }).collect();
            let enterprises = enterprises(&specs);
            let plan = match_mentors(&mentees, &enterprises).unwrap();
            for e in &enterprises {
                let held = plan.iter().filter(|p| p.enterprise == Some(&e.id)).count();
                prop_assert!(held <= e.capacity as usize);
            }
            let key = |m: &Mentee<'_>, e: &Enterprise| (fit(m, e), m.rank);
            for (m, p) in mentees.iter().zip(&plan) {
                if let Some(e) = p.enterprise {
                    let e = enterprises.iter().find(|x| &x.id == e).unwrap();
                    prop_assert_eq!(fit(m, e), p.fit);
                    prop_assert!(p.fit.is_some());
                }
                for e in &enterprises {
                    let Some(f) = fit(m, e) else { continue };
                    // Would m rather have e?
                    let better = match p.enterprise.and_then(|id| enterprises.iter().find(|x| &x.id == id)) {
                        None => true,
                        Some(cur) => (f, std::cmp::Reverse(e.years_digital), &e.id)
                            < (p.fit.unwrap(), std::cmp::Reverse(cur.years_digital), &cur.id),
                    };
                    if !better { continue; }
                    // Then e must be full of cooperatives it ranks above m.
                    let held: Vec<&Mentee<'_>> = mentees.iter().zip(&plan)
                        .filter(|(_, q)| q.enterprise == Some(&e.id)).map(|(x, _)| x).collect();
                    prop_assert_eq!(held.len(), e.capacity as usize, "{} would take {}", e.id, m.id);
                    for h in held {
                        prop_assert!(key(h, e) < key(m, e));
                    }
                }
            }
        }
    }

    #[test]
    fn explanations() {
        let enterprises = enterprises(&[(0, 0, 10, 1), (1, 1, 5, 0)]);
        let (agri, lazio, tourism, puglia) =
            (tag("agrifood"), tag("lazio"), tag("tourism"), tag("puglia"));
        let mentees = [
            Mentee {
                id: "coop-a",
                sector: Some(&agri),
                region: Some(&lazio),
                rank: 1,
            },
            Mentee {
                id: "coop-b",
                sector: Some(&agri),
                region: Some(&puglia),
                rank: 2,
            },
            Mentee {
                id: "coop-c",
                sector: Some(&tourism),
                region: None,
                rank: 3,
            },
        ];
        let plan = match_mentors(&mentees, &enterprises).unwrap();
        let lines: Vec<String> = plan.iter().map(Pairing::it).collect();
        assert_eq!(
            lines,
            [
                "coop-a: accompagnata da e0 (stesso settore e stessa regione, 1ª scelta su 1)",
                "coop-b: le 2 imprese adatte hanno già tutti i posti presi da cooperative con una corrispondenza migliore o meglio collocate in graduatoria",
                "coop-c: nessuna impresa trasformatrice lavora nel suo settore o nella sua regione",
            ]
        );
    }
}
