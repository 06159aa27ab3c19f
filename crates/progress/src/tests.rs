//! Tests of progress against targets: nesting, once per target, pace, and the report snapshot.

use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::*;
use skillhub_allocation::lottery::{LotterySeed, LotteryStream, uniform_below};
use skillhub_core::capacity::SeatKind;
use skillhub_core::fixture::Catalog;
use skillhub_core::partner::FiscalCode;
use skillhub_core::person::{Attributes, OrganisationType};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn catalog() -> Catalog {
    Catalog::seeds().unwrap()
}

fn fact(person: &str, mode: Mode, unit: Unit, country: &str, on: NaiveDate) -> Attendance {
    Attendance {
        person: person.to_owned(),
        mode: Some(mode),
        unit,
        country: Country::parse(country).unwrap(),
        date: on,
        profile: Profile::default(),
    }
}

/// `n` facts drawn from a fixed seed: people and SMEs in Italy, Spain and Poland, in person and
/// online, between the program's start and `until`, with repeat attendance.
fn generated(n: u64, until: NaiveDate) -> Vec<Attendance> {
    let start = date(2018, 1, 1);
    let span = u64::try_from((until - start).num_days() + 1).unwrap();
    let mut stream = LotteryStream::new(&LotterySeed::from_u64(2018));
    (0..n)
        .map(|_| {
            let unit = if uniform_below(&mut stream, 3) == 0 {
                Unit::Smes
            } else {
                Unit::People
            };
            let mode = if uniform_below(&mut stream, 4) == 0 {
                Mode::InPerson
            } else {
                Mode::Online
            };
            let country = ["IT", "ES", "PL"][uniform_below(&mut stream, 3) as usize];
            // Fewer keys than facts, so people come back.
            let person = format!(
                "{}-{}",
                unit_key(unit),
                uniform_below(&mut stream, n * 2 / 3)
            );
            let on = start + Days::new(uniform_below(&mut stream, span));
            fact(&person, mode, unit, country, on)
        })
        .collect()
}

fn unit_key(unit: Unit) -> &'static str {
    match unit {
        Unit::Smes => "pmi",
        _ => "persona",
    }
}

/// The target of this id in a report.
fn target<'a>(report: &'a ProgressReport, id: &str) -> &'a TargetProgress {
    report
        .targets
        .iter()
        .find(|t| t.id.as_str() == id)
        .unwrap_or_else(|| panic!("no target {id}"))
}

#[test]
fn once_per_target_and_nesting() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    let facts = [
        fact("anna", Mode::InPerson, Unit::People, "IT", date(2018, 2, 1)),
        fact("anna", Mode::InPerson, Unit::People, "IT", date(2018, 3, 1)),
        fact("bruno", Mode::Online, Unit::People, "PL", date(2018, 3, 1)),
        fact("pmi-1", Mode::InPerson, Unit::Smes, "ES", date(2018, 3, 1)),
        fact("pmi-1", Mode::Online, Unit::Smes, "ES", date(2018, 4, 1)),
        fact("futuro", Mode::Online, Unit::People, "IT", date(2019, 1, 1)),
        fact(
            "prima",
            Mode::Online,
            Unit::People,
            "IT",
            date(2017, 12, 31),
        ),
    ];
    let report = progress(program, &facts, date(2018, 12, 31));
    let done: Vec<(&str, u64, u32)> = report
        .targets
        .iter()
        .map(|t| (t.id.as_str(), t.done, t.depth))
        .collect();
    assert_eq!(
        done,
        [
            // People and organisations together: anna, bruno and pmi-1.
            ("reach", 3, 0),
            ("people", 2, 1),
            ("candidates", 2, 2),
            ("candidates-classroom", 1, 3),
            ("candidates-online", 1, 3),
            ("smes-classroom", 1, 1),
            ("smes-online", 1, 1),
        ]
    );
    assert_eq!(report.ignored, 2);
    // The classroom target inherits no mode from its parents but has its own.
    assert_eq!(
        target(&report, "candidates-classroom").mode,
        Some(Mode::InPerson)
    );
}

#[test]
fn pace_and_projection() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    // 10 people in the first 10 days: 1 a day over 1,096 days (2018–2020) projects 1,096.
    let facts: Vec<Attendance> = (0..10)
        .map(|i| {
            fact(
                &format!("p{i}"),
                Mode::Online,
                Unit::People,
                "IT",
                date(2018, 1, 1) + Days::new(i),
            )
        })
        .collect();
    let report = progress(program, &facts, date(2018, 1, 10));
    let people = target(&report, "people");
    assert_eq!(people.projected, Some(1096));
    assert_eq!(people.on_track, Some(false));
    assert_eq!(
        people.days_left,
        Some((date(2020, 12, 31) - date(2018, 1, 10)).num_days())
    );
    // 500,000 at one a day is day 500,000 from the start: over a century away, so none.
    assert_eq!(people.reaches_goal_on, None);
    // At 100 a day, day 5,000.
    let busy: Vec<Attendance> = (0..1000)
        .map(|i| {
            let day = date(2018, 1, 1) + Days::new(i % 10);
            fact(&format!("p{i}"), Mode::Online, Unit::People, "IT", day)
        })
        .collect();
    let busy = progress(program, &busy, date(2018, 1, 10));
    assert_eq!(
        target(&busy, "people").reaches_goal_on,
        date(2018, 1, 1).checked_add_days(Days::new(4_999))
    );
    // After the deadline the projection is what was done.
    let late = progress(program, &facts, date(2021, 3, 1));
    assert_eq!(target(&late, "people").projected, Some(10));
    assert_eq!(target(&late, "people").days_left, Some(-60));
    // Before the start there is no pace.
    let early = progress(program, &[], date(2017, 6, 1));
    assert_eq!(target(&early, "people").projected, None);
}

#[test]
fn attendance_file_errors() {
    let check = |text: &str, expected: &str| {
        let err = parse_attendance(text).unwrap_err();
        assert_eq!(err.to_string(), expected, "{text}");
    };
    check(
        r#"{"attendance": [{"person": "a", "mode": "hybrid", "unit": "people", "country": "IT", "date": "2019-01-01"}]}"#,
        "/attendance/0/mode: say how the person attended: in_person or online",
    );
    check(
        r#"{"attendance": [{"person": " ", "mode": "online", "unit": "people", "country": "IT", "date": "2019-01-01"}]}"#,
        "/attendance/0/person: must not be empty",
    );
    let err = parse_attendance(r#"{"attendance": [{"person": "a"}]}"#).unwrap_err();
    assert!(
        matches!(err, AttendanceError::Syntax { line: 1, .. }),
        "{err}"
    );
    assert_eq!(parse_attendance(r#"{"attendance": []}"#).unwrap(), []);
}

#[test]
fn report_snapshot() {
    let catalog = catalog();
    let program = catalog.program("community-skill-hubs").unwrap();
    let today = date(2019, 6, 30);
    // 600,000 facts over a year and a half: about 300,000 distinct people and SMEs.
    let mut facts = generated(600_000, today);
    facts.push(fact(
        "domani",
        Mode::Online,
        Unit::People,
        "IT",
        date(2019, 7, 1),
    ));
    let report = progress(program, &facts, today);
    insta::assert_snapshot!("progress_text", report.text_it());
    insta::assert_json_snapshot!("progress_json", report);
    insta::assert_snapshot!("progress_svg", report.svg());
}

/// The target `id` and every target above it, walked by hand.
fn above<'a>(program: &'a Program, id: &TargetId) -> Vec<&'a Target> {
    let mut chain = Vec::new();
    let mut next = Some(id);
    while let Some(id) = next {
        let Some(target) = program.targets().iter().find(|t| &t.id == id) else {
            break;
        };
        chain.push(target);
        next = target.parent.as_ref();
    }
    chain
}

/// Whether a fact is of the target's unit, and of its mode and country where it names one.
fn counts_for(target: &Target, fact: &Attendance) -> bool {
    target.unit.counts(fact.unit)
        && target.mode.is_none_or(|m| Some(m) == fact.mode)
        && target.country.is_none_or(|c| c == fact.country)
}

proptest! {
    /// However the facts fall: each target counts the distinct keys of the facts of the period
    /// that match it and every target above it, a child never counts more than its parent,
    /// nobody is counted twice, repeating facts changes nothing, and facts after today do not count.
    #[test]
    fn nesting_and_idempotence(n in 0u64..300, seed in any::<u64>(), today_offset in 0u64..1200) {
        let catalog = catalog();
        let program = catalog.program("community-skill-hubs").unwrap();
        let today = date(2018, 1, 1) + Days::new(today_offset);
        let mut facts = generated(n, date(2020, 12, 31));
        let mut stream = LotteryStream::new(&LotterySeed::from_u64(seed));
        for f in &mut facts {
            f.date = date(2018, 1, 1) + Days::new(uniform_below(&mut stream, 1096));
        }
        let report = progress(program, &facts, today);
        for t in &report.targets {
            // The definition: distinct keys among the facts of the period that match the
            // target and every target above it.
            let start = program.window().from;
            let expected: HashSet<&str> = facts
                .iter()
                .filter(|f| start <= f.date && f.date <= today)
                .filter(|f| above(program, &t.id).iter().all(|c| counts_for(c, f)))
                .map(|f| f.person.as_str())
                .collect();
            prop_assert_eq!(t.done, expected.len() as u64, "{}", t.id);
            if let Some(parent) = &t.parent {
                let p = report.targets.iter().find(|x| &x.id == parent).unwrap();
                prop_assert!(t.done <= p.done, "{} > {}", t.id, p.id);
            }
            let distinct: HashSet<&str> = facts.iter().filter(|f| f.date <= today).map(|f| f.person.as_str()).collect();
            prop_assert!(t.done <= distinct.len() as u64);
        }
        let mut doubled = facts.clone();
        doubled.extend(facts.iter().cloned());
        let again = progress(program, &doubled, today);
        let counts = |r: &ProgressReport| r.targets.iter().map(|t| t.done).collect::<Vec<_>>();
        prop_assert_eq!(counts(&report), counts(&again));
        let past: Vec<Attendance> = facts.iter().filter(|f| f.date <= today).cloned().collect();
        prop_assert_eq!(counts(&report), counts(&progress(program, &past, today)));
    }
}

#[test]
fn an_attended_registration_counts_where_the_person_is() {
    let catalog = catalog();
    let day = date(2018, 6, 1);
    let csh = catalog.program("community-skill-hubs").unwrap();
    let countries = |facts: &[Attendance]| -> Vec<(Unit, String)> {
        facts
            .iter()
            .map(|f| (f.unit, f.country.as_str().to_owned()))
            .collect()
    };
    // Declared country first.
    let spain = Attributes {
        country: Some(Country::parse("ES").unwrap()),
        organisation_type: Some(OrganisationType::SocialCooperative),
        organisation_code: Some(FiscalCode::parse("97123450013").unwrap()),
        ..Attributes::default()
    };
    let facts = facts_of(csh, "a", &spain, SeatKind::Online, None, day);
    assert_eq!(
        countries(&facts),
        [
            (Unit::People, "ES".to_owned()),
            (Unit::Cooperatives, "ES".to_owned())
        ]
    );
    assert!(
        facts
            .iter()
            .all(|f| f.mode == Some(Mode::Online) && f.date == day)
    );
    // Then the hub's.
    let hub = csh.hubs().first().expect("the program has hubs");
    let facts = facts_of(
        csh,
        "b",
        &Attributes::default(),
        SeatKind::InPerson,
        Some(&hub.id),
        day,
    );
    assert_eq!(
        countries(&facts),
        [(Unit::People, hub.address.country.as_str().to_owned())]
    );
    // Online, nothing declared, several countries: no fact rather than a wrong one.
    assert_eq!(csh.countries().len(), 6);
    assert_eq!(
        facts_of(
            csh,
            "c",
            &Attributes::default(),
            SeatKind::Online,
            None,
            day
        ),
        []
    );
}

/// The partite IVA of a few organisations (valid check digits), for the properties below.
const ORGANISATIONS: [&str; 3] = ["01234567897", "97123450013", "12345678903"];

proptest! {
    /// An organisation counts once, whatever the number of its people who attend, in which mode,
    /// on which days, and whoever else comes: a target of organisations counts the distinct
    /// codes, a target of people the distinct people, and people and organisations together
    /// their sum.
    #[test]
    fn an_organisation_counts_once_whatever_its_attendees(
        attendees in prop::collection::vec((0usize..3, 0usize..40, any::<bool>(), 0u64..700), 1..60),
    ) {
        let catalog = catalog();
        let program = catalog.program("community-skill-hubs").unwrap();
        let mut facts = Vec::new();
        let (mut people, mut codes) = (HashSet::new(), HashSet::new());
        let (mut in_person, mut online) = (HashSet::new(), HashSet::new());
        for (org, person, classroom, day) in attendees {
            let attributes = Attributes {
                country: Some(Country::parse("IT").unwrap()),
                organisation_type: Some(OrganisationType::Sme),
                organisation_code: Some(FiscalCode::parse(ORGANISATIONS[org]).unwrap()),
                ..Attributes::default()
            };
            let kind = if classroom { SeatKind::InPerson } else { SeatKind::Online };
            let who = format!("persona-{person}");
            facts.extend(facts_of(program, &who, &attributes, kind, None, date(2018, 1, 1) + Days::new(day)));
            people.insert(who);
            codes.insert(org);
            if classroom { in_person.insert(org); } else { online.insert(org); }
        }
        let report = progress(program, &facts, date(2020, 12, 31));
        prop_assert_eq!(target(&report, "smes-classroom").done, in_person.len() as u64);
        prop_assert_eq!(target(&report, "smes-online").done, online.len() as u64);
        prop_assert_eq!(target(&report, "people").done, people.len() as u64);
        prop_assert_eq!(target(&report, "reach").done, (people.len() + codes.len()) as u64);
    }

    /// An award counts once, on the day it was awarded, whatever happens to sessions: the
    /// sessions held, their hubs and the people who came to them change nothing in the count of
    /// awards, and the same award read twice counts once.
    #[test]
    fn an_award_counts_once_whatever_happens_to_its_sessions(
        awards in prop::collection::btree_set(0u32..50, 0..20),
        repeats in 1usize..3,
        sessions in prop::collection::vec((0u32..30, 0u64..300, any::<bool>()), 0..40),
    ) {
        let catalog = catalog();
        let program = catalog.program("cooperazione-digitale").unwrap();
        let day = |offset: u64| date(2022, 3, 2) + Days::new(offset);
        let award_facts: Vec<Attendance> = awards
            .iter()
            .flat_map(|n| {
                let fact = award_fact(program, "bando", &format!("coop-{n}"), None, day(u64::from(*n)));
                std::iter::repeat_n(fact, repeats).flatten()
            })
            .collect();
        let hubs: Vec<&skillhub_core::hub::Hub> = program.hubs().iter().collect();
        let mut around = Vec::new();
        for (n, offset, with_people) in sessions {
            let session: skillhub_core::ids::SessionId = format!("sessione-{n}").parse().unwrap();
            let hub = &hubs[n as usize % hubs.len()].id;
            around.extend(held_facts(program, &session, Some(hub), Mode::InPerson, day(offset)));
            if with_people {
                around.extend(facts_of(program, &format!("p{n}"), &Attributes::default(), SeatKind::InPerson, Some(hub), day(offset)));
            }
        }
        let today = date(2023, 12, 31);
        let alone = progress(program, &award_facts, today);
        let mut all = award_facts.clone();
        all.extend(around);
        let mixed = progress(program, &all, today);
        prop_assert_eq!(target(&alone, "beneficiaries").done, awards.len() as u64);
        prop_assert_eq!(target(&mixed, "beneficiaries").done, awards.len() as u64);
    }

    /// A circle (a hub) counts once however many of its sessions were held, and a session once
    /// however many came.
    #[test]
    fn a_circle_counts_once_however_many_meetups(
        meetups in prop::collection::vec((any::<bool>(), 0u32..20, 0u64..360), 0..50),
    ) {
        let catalog = catalog();
        let program = catalog.program("leadership-circles").unwrap();
        let mut facts = Vec::new();
        let mut circles = HashSet::new();
        for (rome, n, offset) in &meetups {
            let hub: skillhub_core::ids::HubId = if *rome { "circle-roma" } else { "circle-milano" }.parse().unwrap();
            let session: skillhub_core::ids::SessionId = format!("meetup-{n}").parse().unwrap();
            // The same session read twice (two people came) is one session.
            for _ in 0..2 {
                facts.extend(held_facts(program, &session, Some(&hub), Mode::InPerson, date(2018, 2, 1) + Days::new(*offset)));
            }
            circles.insert(hub);
        }
        let report = progress(program, &facts, date(2019, 1, 31));
        prop_assert_eq!(target(&report, "circles-italy").done, circles.len() as u64);
    }
}
