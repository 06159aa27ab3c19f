//! `cargo xtask demo-grants`: a whole Cooperazione Digitale call, end to end, timed.
//!
//! From a fixed seed (so every machine sees the same call) it generates 2,000 applications shaped
//! like the seed's call (€3.5M, requests of €4,000–10,000, so about 500 fundable; a few with a
//! wrong partita IVA, a missing or malformed Albo number, no region, or not a cooperative), then
//! runs every step of `skillhub_grants` on them:
//!
//! 1. eligibility ([`Call::check_applicant`]) and the lifecycle moves;
//! 2. evaluation: three of twelve evaluators per application, some declaring a conflict of
//!    interest (their sheet is refused and the next evaluator scores instead);
//! 3. ranking with the recorded lottery, and awards under the budget with a reserve list;
//! 4. five withdrawals of funded applications, promoting from the reserve list;
//! 5. mentoring: the funded cooperatives matched to 60 transformer enterprises;
//! 6. monitoring: reports due every 6 months, and the ones late on 10 January 2023.
//!
//! It prints what each step did and its wall time; the goal is under 1 s for all steps together
//! in release: `cargo run --release -p xtask -- demo-grants`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{Duration as Span, NaiveDate, TimeZone, Utc};
use skillhub_allocation::lottery::{LotterySeed, LotteryStream, uniform_below};
use skillhub_core::codice_fiscale::vat_check_digit;
use skillhub_core::fixture::Catalog;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_core::program::Cents;
use skillhub_grants::call::{
    Admission, Applicant, ApplicationId, Call, EnterpriseId, EvaluatorId, REGIONS,
};
use skillhub_grants::evaluation::{Evaluation, Mark, ScoreSheet};
use skillhub_grants::lifecycle::{Action, Application, Stage};
use skillhub_grants::mentoring::{Enterprise, Mentee, match_mentors};
use skillhub_grants::monitoring::{Monitored, overdue};
use skillhub_grants::ranking::{Candidate, Status, rank};
use skillhub_grants::score::Points;

/// Applications generated.
pub const APPLICATIONS: u64 = 2_000;
/// The seed of the generator and of the call's lottery.
pub const SEED: u64 = 0x0C00_9D16_2022_0302;

const SECTORS: [&str; 8] = [
    "agrifood",
    "welfare",
    "tourism",
    "culture",
    "manufacturing",
    "logistics",
    "education",
    "environment",
];
const EVALUATORS: u64 = 12;
const ENTERPRISES: u64 = 60;

/// Runs the demo; fails if any step refuses what it should accept.
pub fn run() -> ExitCode {
    // The timings are the figure: take them from the release build.
    if let Some(code) = crate::in_release(&["demo-grants"]) {
        return code;
    }
    match demo() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("demo-grants: {err}");
            ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error>;

/// A tiny facade over the lottery's ChaCha20 stream: the demo's only randomness.
struct Dice(LotteryStream);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        uniform_below(&mut self.0, n)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn tag(text: &str) -> Result<Tag, Error> {
    Ok(Tag::parse(text)?)
}

struct Generated {
    applications: Vec<Application>,
    quality: Vec<u64>,
}

fn generate(call: &Call, dice: &mut Dice) -> Result<Generated, Error> {
    let opened = Utc
        .with_ymd_and_hms(2022, 4, 1, 7, 0, 0)
        .single()
        .ok_or("date")?;
    let mut applications = Vec::with_capacity(APPLICATIONS as usize);
    let mut quality = Vec::with_capacity(APPLICATIONS as usize);
    for i in 0..APPLICATIONS {
        let first10: Vec<u8> = (0..10).map(|_| b'0' + dice.below(10) as u8).collect();
        let check = vat_check_digit(&first10).ok_or("check digit")?;
        let check = if dice.chance(3) {
            (check + 1) % 10
        } else {
            check
        };
        let partita_iva = format!("{}{check}", String::from_utf8(first10)?);
        let albo_number = match dice.below(100) {
            0..=1 => None,
            2..=3 => Some(format!("{:06}", dice.below(1_000_000))),
            _ => Some(format!("A{:06}", dice.below(1_000_000))),
        };
        let organisation_type = match dice.below(100) {
            0..=1 => OrganisationType::Sme,
            2..=29 => OrganisationType::SocialCooperative,
            _ => OrganisationType::Cooperative,
        };
        let region = if dice.chance(1) {
            None
        } else {
            Some(tag(dice.pick(&REGIONS).0)?)
        };
        let mut priorities = BTreeSet::new();
        for (k, criterion) in call.priority_criteria().iter().enumerate() {
            let social = criterion.id.as_str() == "social_coop";
            let wanted = if social {
                organisation_type == OrganisationType::SocialCooperative
            } else {
                dice.chance([25, 20, 5, 3][k.min(3)])
            };
            if wanted {
                priorities.insert(criterion.id.clone());
            }
        }
        let mut kinds = BTreeSet::new();
        for kind in call.favoured_projects() {
            if dice.chance(20) {
                kinds.insert(kind.id.clone());
            }
        }
        let applicant = Applicant {
            name: format!("Cooperativa {i:04}"),
            partita_iva,
            organisation_type: Some(organisation_type),
            albo_number,
            region,
            sector: Some(tag(dice.pick::<&str>(&SECTORS))?),
            email: None,
        };
        // €4,000–10,000 in steps of €100: a mean of €7,000, so €3.5M funds about 500.
        let requested = Cents::new((4_000 + 100 * dice.below(61)) * 100);
        let mut application = Application::new(
            ApplicationId::parse(&format!("coop-{i:04}"))?,
            applicant,
            requested,
            priorities,
            kinds,
        )?;
        // A 30-day window; one in ten handed in on the same minute as a batch upload.
        let minute = if dice.chance(10) {
            60 * 24 * 29
        } else {
            dice.below(60 * 24 * 30)
        };
        let at = opened + Span::minutes(i64::try_from(minute)?);
        application.apply(Action::Submit { at })?;
        applications.push(application);
        quality.push(1 + dice.below(5));
    }
    Ok(Generated {
        applications,
        quality,
    })
}

fn sheet(
    call: &Call,
    evaluator: &EvaluatorId,
    quality: u64,
    dice: &mut Dice,
) -> Result<ScoreSheet, Error> {
    let mut marks = BTreeMap::new();
    for criterion in call.criteria() {
        // The evaluator's view of the latent quality: one point either way, within 0–5.
        let points = (quality + dice.below(3)).saturating_sub(1).min(5);
        let points = Points::whole(u8::try_from(points)?)?;
        marks.insert(
            criterion.id.clone(),
            Mark {
                points,
                comment: format!("{}: {}", criterion.label_it, points.to_it()),
            },
        );
    }
    Ok(ScoreSheet {
        evaluator: evaluator.clone(),
        marks,
    })
}

fn step(name: &str, started: Instant, times: &mut Vec<(String, Duration)>) {
    times.push((name.to_owned(), started.elapsed()));
}

fn demo() -> Result<(), Error> {
    let catalog = Catalog::seeds()?;
    let program = catalog
        .program("cooperazione-digitale")
        .ok_or("the seed program cooperazione-digitale is missing")?;
    let call = Call::cooperazione_digitale(program)?;
    let mut dice = Dice(LotteryStream::new(&LotterySeed::from_u64(SEED)));
    let Generated {
        mut applications,
        quality,
    } = generate(&call, &mut dice)?;
    let evaluators: Vec<EvaluatorId> = (1..=EVALUATORS)
        .map(|k| EvaluatorId::parse(&format!("ev{k:02}")))
        .collect::<Result<_, _>>()?;
    let mut times = Vec::new();
    let total = Instant::now();

    // 1. Eligibility.
    let started = Instant::now();
    let on = NaiveDate::from_ymd_opt(2022, 5, 2).ok_or("date")?;
    let mut ineligible = 0;
    for application in &mut applications {
        match call.check_applicant(application.applicant(), on) {
            Admission::Eligible => {
                application.apply(Action::Admit)?;
            }
            Admission::Ineligible(reasons) => {
                application.apply(Action::Refuse(reasons))?;
                ineligible += 1;
            }
        }
    }
    step("ammissibilità", started, &mut times);

    // 2. Evaluation.
    let started = Instant::now();
    let (mut sheets, mut conflicts, mut below) = (0, 0, 0);
    for (i, application) in applications.iter_mut().enumerate() {
        if application.stage() != Stage::Eligible {
            continue;
        }
        application.apply(Action::StartEvaluation)?;
        let mut evaluation = Evaluation::new(&call, application.id().clone());
        let mut k = i;
        let mut scored = 0;
        while scored < 3 {
            let evaluator = &evaluators[k % evaluators.len()];
            k += 1;
            if dice.chance(4) {
                evaluation.declare_conflict(evaluator.clone());
            }
            match evaluation.score(sheet(&call, evaluator, quality[i], &mut dice)?) {
                Ok(()) => scored += 1,
                Err(skillhub_grants::evaluation::EvaluationError::Conflict { .. }) => {
                    conflicts += 1
                }
                Err(other) => return Err(other.into()),
            }
        }
        sheets += scored;
        let assessment = evaluation.assess()?;
        below += usize::from(!assessment.passes());
        application.apply(Action::CompleteEvaluation(assessment))?;
    }
    step("valutazione", started, &mut times);

    // 3. Ranking and awards.
    let started = Instant::now();
    // The ranking borrows the ids of the evaluated applications while the files move on.
    let evaluated = applications.clone();
    let candidates: Vec<Candidate<'_>> = evaluated
        .iter()
        .filter_map(|a| Candidate::from_application(&call, a))
        .collect();
    let mut ranking = rank(
        &candidates,
        call.budget(),
        Some(LotterySeed::from_u64(SEED)),
    )?;
    let outcome: BTreeMap<String, (Option<u32>, Status)> = ranking
        .entries()
        .iter()
        .map(|e| (e.id.to_owned(), (e.rank, e.status)))
        .collect();
    let awarded_at = Utc
        .with_ymd_and_hms(2022, 6, 15, 10, 0, 0)
        .single()
        .ok_or("date")?;
    for application in &mut applications {
        let Some(&(place, status)) = outcome.get(application.id().as_str()) else {
            continue;
        };
        application.apply(Action::Rank(place))?;
        application.apply(match status {
            Status::Funded => Action::Fund { at: awarded_at },
            Status::Reserve => Action::PutInReserve,
            _ => Action::Decline,
        })?;
    }
    let funded_first = ranking
        .entries()
        .iter()
        .filter(|e| e.status == Status::Funded)
        .count();
    let reserve_first = ranking
        .entries()
        .iter()
        .filter(|e| e.status == Status::Reserve)
        .count();
    let awarded_first = ranking.awarded();
    step("graduatoria e assegnazione", started, &mut times);

    // 4. Withdrawals.
    let started = Instant::now();
    let leaving: Vec<String> = ranking
        .entries()
        .iter()
        .filter(|e| e.status == Status::Funded)
        .step_by(97)
        .take(5)
        .map(|e| e.id.to_owned())
        .collect();
    let promoted_at = awarded_at + Span::days(20);
    let mut promoted = Vec::new();
    for id in &leaving {
        promoted.extend(ranking.withdraw(id)?.into_iter().map(str::to_owned));
    }
    for application in &mut applications {
        let id = application.id().as_str();
        if leaving.iter().any(|l| l == id) {
            application.apply(Action::Withdraw)?;
        } else if promoted.iter().any(|p| p == id) {
            application.apply(Action::Fund { at: promoted_at })?;
        }
    }
    step("rinunce e scorrimento", started, &mut times);

    // 5. Mentoring.
    let started = Instant::now();
    let enterprises = enterprises(&mut dice)?;
    let funded: Vec<&Application> = applications
        .iter()
        .filter(|a| a.stage() == Stage::Funded)
        .collect();
    let mentees: Vec<Mentee<'_>> = funded
        .iter()
        .map(|a| Mentee {
            id: a.id().as_str(),
            sector: a.applicant().sector.as_ref(),
            region: a.applicant().region.as_ref(),
            rank: a.rank().unwrap_or(u32::MAX),
        })
        .collect();
    let plan = match_mentors(&mentees, &enterprises)?;
    let mentored = plan.iter().filter(|p| p.enterprise.is_some()).count();
    let first_choice = plan.iter().filter(|p| p.choice == Some(1)).count();
    step("accompagnamento", started, &mut times);

    // 6. Monitoring.
    let started = Instant::now();
    let projects: Vec<Monitored<'_>> = funded
        .iter()
        .map(|a| -> Result<Monitored<'_>, Error> {
            let mut received = BTreeSet::new();
            if dice.chance(85) {
                received.insert(1);
            }
            Ok(Monitored {
                id: a.id().as_str(),
                awarded_at: a.awarded_at().ok_or("funded without a date")?,
                received,
            })
        })
        .collect::<Result<_, _>>()?;
    let today = NaiveDate::from_ymd_opt(2023, 1, 10).ok_or("date")?;
    let late = overdue(&projects, call.reporting(), today)?;
    step("monitoraggio", started, &mut times);
    let all = total.elapsed();

    println!("Cooperazione Digitale: {APPLICATIONS} domande generate (seme {SEED:#x})");
    println!("  non ammissibili: {ineligible}");
    println!(
        "  schede di valutazione: {sheets}; conflitti di interesse dichiarati e rifiutati: {conflicts}"
    );
    println!("  sotto soglia: {below}");
    println!(
        "  finanziate: {funded_first} per {} su {}; in riserva: {reserve_first}",
        awarded_first,
        call.budget()
    );
    println!(
        "  rinunce: {}; subentrate dalla riserva: {}; assegnati ora {}, restano {}",
        leaving.len(),
        promoted.len(),
        ranking.awarded(),
        ranking.remaining()
    );
    println!(
        "  accompagnamento: {mentored} di {} con un'impresa trasformatrice ({first_choice} alla prima scelta), {ENTERPRISES} imprese",
        plan.len()
    );
    println!(
        "  relazioni in ritardo al {}: {}",
        today.format("%d/%m/%Y"),
        late.len()
    );
    if let Some(first) = late.first() {
        println!("    per esempio {}", first.it());
    }
    println!("Tempi:");
    for (name, time) in &times {
        println!("  {name:<28} {:>9.3} ms", time.as_secs_f64() * 1e3);
    }
    println!(
        "  {:<28} {:>9.3} ms (obiettivo: meno di 1 s in release)",
        "totale",
        all.as_secs_f64() * 1e3
    );
    Ok(())
}

fn enterprises(dice: &mut Dice) -> Result<Vec<Enterprise>, Error> {
    let selectors = ["node", "pico", "ruini"];
    (0..ENTERPRISES)
        .map(|k| -> Result<Enterprise, Error> {
            let selector = selectors[(k % 3) as usize];
            let mut sectors = BTreeSet::new();
            for _ in 0..=dice.below(3) {
                sectors.insert(tag(dice.pick::<&str>(&SECTORS))?);
            }
            let mut regions = BTreeSet::new();
            for _ in 0..=dice.below(4) {
                regions.insert(tag(dice.pick(&REGIONS).0)?);
            }
            Ok(Enterprise {
                id: EnterpriseId::parse(&format!("{selector}-{k:02}"))?,
                name: format!("Impresa trasformatrice {k:02} ({selector})"),
                sectors,
                regions,
                years_digital: u32::try_from(1 + dice.below(25))?,
                capacity: u32::try_from(6 + dice.below(7))?,
            })
        })
        .collect()
}
