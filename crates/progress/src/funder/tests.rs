//! Tests of the funder's report: each seed program's report on a fixed data set (text, public
//! and staff), the workbook read back with a spreadsheet reader, breakdowns that add up, and the
//! public report never showing a count of 1 to 4.

use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::*;
use crate::breakdown::{Dimension, Period, breakdowns};
use crate::{AgeBand, Profile, held_facts};
use skillhub_allocation::lottery::{LotterySeed, LotteryStream, uniform_below};
use skillhub_core::fixture::Catalog;
use skillhub_core::person::{Country, Gender};
use skillhub_core::session::Mode;

fn catalog() -> Catalog {
    Catalog::seeds().unwrap()
}

/// The fixed data set of a program: the period (a month after its start, five months long),
/// the report's day (ten days after it), `n` facts of people (and of organisations, where the
/// program counts them) over `keys` keys, dated from the start to three weeks past the period,
/// and twenty sessions over its hubs with their turnout (and the facts of those held).
struct DataSet {
    period: Period,
    generated: NaiveDate,
    facts: Vec<Attendance>,
    sessions: Vec<SessionTurnout>,
}

fn data_set(program: &Program, seed: u64, n: u64, keys: u64) -> DataSet {
    let start = program.window().from;
    let from = start + Days::new(30);
    let to = from + Days::new(150);
    let period = Period::new(from, to).unwrap();
    let generated = to + Days::new(10);
    let mut stream = LotteryStream::new(&LotterySeed::from_u64(seed));
    let mut draw = |below: u64| uniform_below(&mut stream, below);
    let hubs = program.hubs();
    let fallback = program
        .countries()
        .first()
        .copied()
        .unwrap_or_else(|| Country::parse("IT").unwrap());
    // Each key's own profile: gender and age band fixed, the hub where each fact happens drawn.
    let profiles: Vec<(Option<Gender>, Option<AgeBand>)> = (0..keys)
        .map(|_| {
            let gender = [
                Some(Gender::Female),
                Some(Gender::Female),
                Some(Gender::Male),
                Some(Gender::Male),
                Some(Gender::NonBinary),
                None,
            ][draw(6) as usize];
            let band = match draw(9) {
                0 => None,
                i => Some(AgeBand::ALL[(i as usize - 1) % AgeBand::ALL.len()]),
            };
            (gender, band)
        })
        .collect();
    let span = (to - start).num_days() as u64 + 21;
    let organisations = program.counts_organisations();
    let mut facts = Vec::new();
    for _ in 0..n {
        let k = draw(keys);
        let hub =
            (!hubs.is_empty() && draw(5) > 0).then(|| &hubs[draw(hubs.len() as u64) as usize]);
        let mode = if hub.is_some() && draw(10) < 7 {
            Mode::InPerson
        } else {
            Mode::Online
        };
        let profile = Profile {
            gender: profiles[k as usize].0,
            age_band: profiles[k as usize].1,
            region: hub.and_then(|h| h.address.region.clone()),
            hub: hub.map(|h| h.id.clone()),
            partner: hub.and_then(|h| h.partner.clone()),
        };
        let date = start + Days::new(draw(span));
        let country = hub.map_or(fallback, |h| h.address.country);
        facts.push(Attendance {
            person: format!("persona-{k}"),
            mode: Some(mode),
            unit: Unit::People,
            country,
            date,
            profile: profile.clone(),
        });
        if organisations && k % 4 == 0 {
            let unit = if k % 8 == 0 {
                Unit::Smes
            } else {
                Unit::Cooperatives
            };
            facts.push(Attendance {
                person: format!("org:{}", k / 4),
                mode: Some(mode),
                unit,
                country,
                date,
                profile,
            });
        }
    }
    let mut sessions = Vec::new();
    for i in 0..20u64 {
        let hub = if hubs.is_empty() || i % 7 == 6 {
            None
        } else {
            Some(hubs[(i as usize) % hubs.len()].id.clone())
        };
        let date = from + Days::new(i * 8);
        let seats = 10 + draw(20);
        let booked = seats.min(6 + draw(25));
        let no_show = draw(booked / 3 + 1);
        let unmarked = if i % 5 == 0 { draw(3) } else { 0 };
        let attended = booked - no_show.min(booked) - unmarked.min(booked - no_show.min(booked));
        let waiting = if booked == seats { draw(9) } else { 0 };
        let session = format!("{}-{i:02}", program.id()).parse().unwrap();
        if attended > 0 {
            let mode = if hub.is_some() {
                Mode::InPerson
            } else {
                Mode::Online
            };
            facts.extend(held_facts(program, &session, hub.as_ref(), mode, date));
        }
        sessions.push(SessionTurnout {
            session,
            title: format!("Laboratorio {}", i + 1),
            hub,
            date,
            seats,
            attended,
            no_show,
            unmarked,
            waiting,
        });
    }
    DataSet {
        period,
        generated,
        facts,
        sessions,
    }
}

fn report(program: &Program, data: &DataSet, audience: Audience) -> FunderReport {
    FunderReport::build(
        program,
        &data.facts,
        &data.sessions,
        FunderRequest {
            period: data.period,
            generated: data.generated,
            audience,
            unit: Unit::People,
        },
    )
}

#[test]
fn every_seed_program_report() {
    let catalog = catalog();
    for program in catalog.programs() {
        let data = data_set(program, 2026, 420, 160);
        let public = report(program, &data, Audience::Public);
        let staff = report(program, &data, Audience::Staff);
        let text = format!(
            "{}\n=== versione riservata ===\n\n{}",
            public.text_it(),
            staff.text_it()
        );
        insta::assert_snapshot!(format!("funder_{}", program.id()), text);
    }
}

/// The workbook read back, one block per sheet: each row's cells as `type:value` (`n` number,
/// `s` text, `d` date as dd/mm/yyyy, `%` a number shown as a percentage).
fn read_back(bytes: &[u8]) -> String {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name).unwrap();
        out.push_str(&format!("## {name}\n"));
        for row in range.rows() {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => format!("s:{s}"),
                    Data::Float(f) => format!("n:{f}"),
                    Data::Int(i) => format!("n:{i}"),
                    Data::DateTime(d) => match d.as_datetime() {
                        Some(at) => format!("d:{}", at.format("%d/%m/%Y")),
                        None => format!("d?:{d}"),
                    },
                    other => format!("?:{other:?}"),
                })
                .collect();
            out.push_str(&cells.join(" | "));
            out.push('\n');
        }
    }
    out
}

#[test]
fn workbook_read_back() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    let data = data_set(program, 2026, 420, 160);
    let public = report(program, &data, Audience::Public).xlsx().unwrap();
    insta::assert_snapshot!("funder_xlsx_public", read_back(&public));
    let staff = report(program, &data, Audience::Staff).xlsx().unwrap();
    insta::assert_snapshot!("funder_xlsx_staff", read_back(&staff));
    // The same report gives the same bytes: no clock in the file.
    assert_eq!(
        public,
        report(program, &data, Audience::Public).xlsx().unwrap()
    );
    // Rates are numbers shown as percentages, dates Excel dates.
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(staff)).unwrap();
    let hubs = workbook.worksheet_range("Hub").unwrap();
    assert_eq!(
        hubs.get((0, 6)),
        Some(&Data::String("Tasso di assenza".into()))
    );
    assert!(
        matches!(hubs.get((1, 6)), Some(Data::Float(_))),
        "{:?}",
        hubs.get((1, 6))
    );
    let sessions = workbook.worksheet_range("Sessioni").unwrap();
    assert!(matches!(sessions.get((1, 0)), Some(Data::DateTime(_))));
}

/// The counts a public report shows, wherever they are.
fn shown_counts(report: &FunderReport) -> Vec<Count> {
    let mut all = Vec::new();
    for t in &report.targets {
        all.extend([t.in_period, t.reached]);
    }
    for b in &report.breakdowns {
        all.push(b.total);
        all.extend(b.cells.iter().map(|c| c.count));
    }
    for t in report
        .turnout
        .hubs
        .iter()
        .chain(std::iter::once(&report.turnout.program))
    {
        all.extend([t.attended, t.no_show, t.unmarked, t.waiting]);
    }
    all
}

#[test]
fn a_period_with_few_people() {
    let catalog = catalog();
    let program = catalog.program("milano-digitale").unwrap();
    let data = data_set(program, 7, 9, 6);
    let public = report(program, &data, Audience::Public);
    assert!(public.turnout.sessions.is_empty());
    for count in shown_counts(&public) {
        assert!(
            !matches!(count, Count::Exact(1..=4)),
            "a public report shows {count:?}"
        );
    }
    let text = public.text_it();
    assert!(text.contains("<5"), "{text}");
    let staff = report(program, &data, Audience::Staff);
    // The last of the twenty sessions is after the period.
    assert_eq!(staff.turnout.sessions.len(), 19);
    assert!(shown_counts(&staff).iter().all(|c| c.is_exact()));
}

#[test]
fn turnout_rates_and_demand() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    let data = data_set(program, 2026, 50, 40);
    let staff = report(program, &data, Audience::Staff);
    let total = &staff.turnout.program;
    let held: Vec<&SessionTurnout> = data
        .sessions
        .iter()
        .filter(|s| data.period.contains(s.date) && s.date <= data.generated)
        .collect();
    assert_eq!(total.sessions, held.len() as u64);
    let sum = |f: fn(&SessionTurnout) -> u64| held.iter().map(|s| f(s)).sum::<u64>();
    assert_eq!(total.waiting, Count::Exact(sum(|s| s.waiting)));
    let (attended, no_show) = (sum(|s| s.attended), sum(|s| s.no_show));
    assert_eq!(total.attended, Count::Exact(attended));
    assert_eq!(
        total.no_show_rate,
        Some((no_show as f64 * 1000.0 / (attended + no_show) as f64).round() as u64)
    );
    assert_eq!(total.seats_unused, Some(sum(|s| s.seats) - attended));
    // Hubs add up to the program.
    let by_hub: u64 = staff
        .turnout
        .hubs
        .iter()
        .filter_map(|h| h.attended.exact())
        .sum();
    assert_eq!(by_hub, attended);
}

#[test]
fn breakdowns_add_up_to_what_an_unfiltered_target_reached_in_the_period() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    let mut data = data_set(program, 11, 300, 90);
    // A period that begins before the program: days before its start count for neither.
    data.period = Period::new(
        program.window().from - Days::new(40),
        program.window().from + Days::new(60),
    )
    .unwrap();
    let mut before = data.facts[0].clone();
    before.person = "prima-dell-avvio".to_owned();
    before.date = program.window().from - Days::new(10);
    data.facts.push(before);
    let staff = report(program, &data, Audience::Staff);
    let people = staff
        .targets
        .iter()
        .find(|t| t.id.as_str() == "people")
        .unwrap();
    assert!(people.in_period.exact().unwrap() > 0);
    for b in &staff.breakdowns {
        assert_eq!(b.total, people.in_period, "{:?}", b.dimension);
    }
    // A report made before its period begins counts nothing in it.
    let early = FunderReport::build(
        program,
        &data.facts,
        &data.sessions,
        FunderRequest {
            period: Period::new(date_of(program, 100), date_of(program, 200)).unwrap(),
            generated: date_of(program, 50),
            audience: Audience::Staff,
            unit: Unit::People,
        },
    );
    assert!(early.breakdowns.iter().all(|b| b.total == Count::Exact(0)));
    assert!(early.targets.iter().all(|t| t.in_period == Count::Exact(0)));
    assert_eq!(early.turnout.program.sessions, 0);
}

/// The program's start plus `days`.
fn date_of(program: &Program, days: u64) -> NaiveDate {
    program.window().from + Days::new(days)
}

#[test]
fn period_errors() {
    let day = |d| NaiveDate::from_ymd_opt(2019, 3, d).unwrap();
    let err = Period::new(day(31), day(1)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "il periodo inizia il 31/03/2019 e finisce prima, il 01/03/2019 (the period ends before it starts)"
    );
}

proptest! {
    /// Each dimension is a partition: its cells add up to the distinct keys of the unit in the
    /// period, counted by hand; a key is in the cell of its earliest fact's value.
    #[test]
    fn breakdowns_are_partitions(seed in any::<u64>(), n in 0u64..200, keys in 1u64..60, shift in 0u64..200) {
        let catalog = catalog();
        let program = catalog.program("community-skill-hubs").unwrap();
        let data = data_set(program, seed, n, keys);
        let from = program.window().from + Days::new(shift);
        let period = Period::new(from, from + Days::new(90)).unwrap();
        for unit in [Unit::People, Unit::PeopleAndOrganisations, Unit::Sessions] {
            let expected: HashSet<&str> = data
                .facts
                .iter()
                .filter(|f| unit.counts(f.unit) && period.contains(f.date))
                .map(|f| f.person.as_str())
                .collect();
            let all = breakdowns(program, &data.facts, unit, period);
            prop_assert_eq!(all.len(), Dimension::ALL.len());
            for b in &all {
                prop_assert_eq!(b.total, expected.len() as u64);
                prop_assert_eq!(b.counts().iter().sum::<u64>(), b.total, "{:?}", b.dimension);
            }
            // Gender by hand: the earliest fact's (first in the list among equals).
            let mut earliest: BTreeMap<&str, &Attendance> = BTreeMap::new();
            for f in data.facts.iter().filter(|f| unit.counts(f.unit) && period.contains(f.date)) {
                let e = earliest.entry(f.person.as_str()).or_insert(f);
                if f.date < e.date {
                    *e = f;
                }
            }
            let women = earliest.values().filter(|f| f.profile.gender == Some(Gender::Female)).count() as u64;
            prop_assert_eq!(all[0].cells[0].count, women);
        }
    }

    /// A public report never shows a count of 1 to 4, and its breakdowns' exact cells never add
    /// up to more than their total.
    #[test]
    fn public_reports_show_no_small_count(seed in any::<u64>(), n in 0u64..120, keys in 1u64..40) {
        let catalog = catalog();
        let program = catalog.program("milano-digitale").unwrap();
        let data = data_set(program, seed, n, keys);
        let public = report(program, &data, Audience::Public);
        for count in shown_counts(&public) {
            prop_assert!(!matches!(count, Count::Exact(1..=4)), "{:?}", count);
        }
        for b in &public.breakdowns {
            if let Count::Exact(total) = b.total {
                let shown: u64 = b.cells.iter().filter_map(|c| c.count.exact()).sum();
                prop_assert!(shown <= total);
            }
        }
    }
}
