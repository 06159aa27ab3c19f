//! Tests of rostering: rules case by case, snapshots of what people read, properties against a
//! brute-force oracle on small instances.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime};
use proptest::prelude::*;

use super::*;
use skillhub_core::digcomp::{Competence, Level};
use skillhub_core::ids::HubId;
use skillhub_core::session::Ambiguity;
use skillhub_core::tz::Zone;

/// A trainer from short literals: skills as (scope, level), slots and days off as in the file.
struct T<'a> {
    id: &'a str,
    home: u8,
    reach: &'a [u8],
    online: bool,
    skills: &'a [(&'a str, i64)],
    weekly: &'a [&'a str],
    off: &'a [&'a str],
    limits: (u16, u16),
}

fn hub(n: u8) -> HubId {
    HubId::parse(&format!("municipio-{n}")).unwrap()
}

fn trainer(t: T<'_>) -> Trainer {
    Trainer::new(TrainerSpec {
        id: TrainerId::parse(t.id).unwrap(),
        name: format!("Formatore {}", t.id),
        home: hub(t.home),
        reach: t.reach.iter().map(|&n| hub(n)).collect(),
        online: t.online,
        skills: t
            .skills
            .iter()
            .map(|&(s, l)| Skill::parse(s, l).unwrap())
            .collect(),
        weekly: t
            .weekly
            .iter()
            .map(|s| WeeklySlot::parse(s).unwrap())
            .collect(),
        off: t.off.iter().map(|s| DayOff::parse(s).unwrap()).collect(),
        max_per_week: t.limits.0,
        max_per_month: t.limits.1,
    })
    .unwrap()
}

/// A session: place `0` is online, `n` is Municipio n; times "H:MM".
fn session(
    id: &str,
    place: u8,
    day: &str,
    (start, end): (&str, &str),
    competences: &[&str],
    level: i64,
    needed: u8,
) -> RosterSession {
    let clock = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").unwrap();
    RosterSession::new(RosterSessionSpec {
        id: SessionId::parse(id).unwrap(),
        place: if place == 0 {
            Place::Online
        } else {
            Place::Hub(hub(place))
        },
        date: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
        start: clock(start),
        end: clock(end),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
        competences: competences
            .iter()
            .map(|c| Competence::parse(c).unwrap())
            .collect(),
        level: Level::new(level).unwrap(),
        trainers_needed: needed,
    })
    .unwrap()
}

fn problem(trainers: Vec<Trainer>, sessions: Vec<RosterSession>, travel: u32) -> RosterProblem {
    let rules = Rules {
        travel_minutes: travel,
        ..Rules::default()
    };
    RosterProblem::new(trainers, sessions, rules).unwrap()
}

/// Anna: Municipio 4 and 8, online, 3.4 up to 5, Thursday and Wednesday mornings.
fn anna() -> Trainer {
    trainer(T {
        id: "anna",
        home: 4,
        reach: &[8],
        online: true,
        skills: &[("3.4", 5), ("2", 3)],
        weekly: &["mer 9:00-14:00", "gio 9:00-19:00"],
        off: &[],
        limits: (3, 6),
    })
}

/// Two sessions for Anna on Thursday 12 March 2020: `first` then `second`.
fn check_pair(first: RosterSession, second: RosterSession, travel: u32, both: bool) {
    let p = problem(vec![anna()], vec![first, second], travel);
    let roster = p.solve();
    assert!(p.check(&roster).is_empty());
    assert_eq!(
        roster.summary.slots_filled,
        if both { 2 } else { 1 },
        "travel {travel}: {:?}",
        roster.assignments
    );
}

#[test]
fn travel_buffer_between_municipi() {
    let d = "2020-03-12";
    let lab = |id, place, times| session(id, place, d, times, &["3.4"], 4, 1);
    // 45 minutes needed between Municipio 4 and 8; none within one Municipio or online.
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 8, ("12:00", "13:00")),
        45,
        false,
    );
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 8, ("12:15", "13:00")),
        45,
        true,
    );
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 8, ("12:00", "13:00")),
        30,
        true,
    );
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 4, ("11:30", "13:00")),
        45,
        true,
    );
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 0, ("11:30", "13:00")),
        45,
        true,
    );
    check_pair(
        lab("a", 0, ("9:30", "11:30")),
        lab("b", 8, ("11:30", "13:00")),
        45,
        true,
    );
    check_pair(
        lab("a", 4, ("9:30", "11:30")),
        lab("b", 4, ("11:00", "13:00")),
        0,
        false,
    );
}

#[test]
fn skills_places_and_availability() {
    let anna = anna();
    let t = |id, place, day, times, level| session(id, place, day, times, &["3.4"], level, 1);
    let check = |s: RosterSession, ok: bool| {
        let eligible = engine::statically_eligible(&anna, &s);
        assert_eq!(eligible, ok, "{}", s.id());
    };
    check(t("level-5", 4, "2020-03-12", ("9:30", "13:30"), 5), true);
    check(t("level-6", 4, "2020-03-12", ("9:30", "13:30"), 6), false);
    check(t("reach", 8, "2020-03-12", ("9:30", "13:30"), 5), true);
    check(t("no-reach", 1, "2020-03-12", ("9:30", "13:30"), 5), false);
    check(t("online", 0, "2020-03-12", ("9:30", "13:30"), 5), true);
    check(t("friday", 4, "2020-03-13", ("9:30", "13:30"), 5), false);
    check(t("too-late", 4, "2020-03-11", ("13:00", "15:00"), 5), false);
    // Area 2 at level 3 covers 2.6 at 3, not at 4, and not 2.6 with 3.4 above level 5.
    let s = |id, competences: &[&str], level| {
        session(
            id,
            4,
            "2020-03-12",
            ("9:30", "13:30"),
            competences,
            level,
            1,
        )
    };
    check(s("area", &["2.6"], 3), true);
    check(s("area-high", &["2.6"], 4), false);
    check(s("both", &["2.6", "3.4"], 3), true);
    check(s("none", &[], 8), true);
}

#[test]
fn weekly_and_monthly_limits() {
    // Ugo takes at most 1 a week and 2 a month: Mondays 9, 16, 23 and 30 March 2020.
    let ugo = trainer(T {
        id: "ugo",
        home: 1,
        reach: &[],
        online: false,
        skills: &[("1.1", 4)],
        weekly: &["lun 9:00-13:00"],
        off: &["2020-03-23"],
        limits: (1, 2),
    });
    let mondays = [
        "2020-03-09",
        "2020-03-16",
        "2020-03-23",
        "2020-03-30",
        "2020-04-06",
    ];
    let sessions: Vec<RosterSession> = mondays
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            [
                session(&format!("m{i}-a"), 1, d, ("9:00", "10:00"), &["1.1"], 2, 1),
                session(&format!("m{i}-b"), 1, d, ("11:00", "12:00"), &["1.1"], 2, 1),
            ]
        })
        .collect();
    let p = problem(vec![ugo], sessions, 45);
    let roster = p.solve();
    assert!(p.check(&roster).is_empty());
    // Two in March (the monthly limit; the 23rd is a day off), one in April.
    assert_eq!(roster.summary.slots_filled, 3);
    assert_eq!(roster.summary.optimality, Optimality::Proven);
}

#[test]
fn checker_reports_every_broken_rule() {
    let p = problem(
        vec![anna()],
        vec![
            session("a", 4, "2020-03-12", ("9:30", "11:30"), &["3.4"], 6, 1),
            session("b", 1, "2020-03-12", ("11:45", "13:00"), &[], 1, 1),
        ],
        45,
    );
    let assignment = |s: &str, t: &str| Assignment {
        session: SessionId::parse(s).unwrap(),
        trainer: TrainerId::parse(t).unwrap(),
    };
    let roster = Roster {
        assignments: vec![
            assignment("a", "anna"),
            assignment("b", "anna"),
            assignment("b", "nobody"),
        ],
        ..p.solve()
    };
    let found: Vec<String> = p.check(&roster).iter().map(ToString::to_string).collect();
    assert_eq!(
        found,
        [
            "anna does not teach what a needs",
            "anna does not reach the place of b",
            "unknown trainer nobody",
            "anna: a and b clash",
        ]
    );
}

#[test]
fn duplicate_ids_and_bad_sessions_are_refused() {
    let err = RosterProblem::new(vec![anna(), anna()], vec![], Rules::default()).unwrap_err();
    assert_eq!(err.to_string(), "trainer id anna is used twice");
    let s = session("a", 4, "2020-03-12", ("9:30", "11:30"), &[], 1, 1);
    let err = RosterProblem::new(vec![], vec![s.clone(), s.clone()], Rules::default());
    assert_eq!(err.unwrap_err().to_string(), "session id a is used twice");
    assert!(s.clone().with_trainers_needed(0).is_err());
    assert!(s.with_trainers_needed(21).is_err());
    let gap = RosterSession::new(RosterSessionSpec {
        id: SessionId::parse("gap").unwrap(),
        place: Place::Online,
        date: NaiveDate::from_ymd_opt(2020, 3, 29).unwrap(),
        start: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        end: NaiveTime::from_hms_opt(4, 0, 0).unwrap(),
        zone: Zone::rome(),
        ambiguity: Ambiguity::Refuse,
        competences: vec![],
        level: Level::MIN,
        trainers_needed: 1,
    });
    let err = gap.unwrap_err().to_string();
    assert!(
        err.starts_with("session gap: 2020-03-29 02:30:00 does not exist"),
        "{err}"
    );
}

/// The small roster of the snapshots: five trainers, six sessions on 11–12 March 2020.
fn small() -> RosterProblem {
    let trainers = vec![
        anna(),
        trainer(T {
            id: "bruno",
            home: 8,
            reach: &[1, 4],
            online: false,
            skills: &[("2.6", 4), ("2.3", 4)],
            weekly: &["mer 9:00-14:00", "gio 9:00-14:00"],
            off: &[],
            limits: (2, 4),
        }),
        trainer(T {
            id: "carla",
            home: 1,
            reach: &[],
            online: true,
            skills: &[("2.6", 3), ("4", 4)],
            weekly: &["mer 9:00-19:00", "gio 14:00-19:00"],
            off: &["2020-03-11"],
            limits: (2, 4),
        }),
        trainer(T {
            id: "dario",
            home: 4,
            reach: &[1],
            online: true,
            skills: &[("2.3", 3), ("2.6", 3), ("1.1", 3)],
            weekly: &["mer 9:00-19:00", "gio 9:00-19:00"],
            off: &[],
            limits: (1, 4),
        }),
        trainer(T {
            id: "elena",
            home: 1,
            reach: &[4, 8],
            online: false,
            skills: &[("3.4", 4), ("1", 4)],
            weekly: &["gio 9:00-19:00"],
            off: &[],
            limits: (3, 6),
        }),
    ];
    let sessions = vec![
        session(
            "m4-spid",
            4,
            "2020-03-11",
            ("9:30", "12:30"),
            &["2.6"],
            3,
            2,
        ),
        session(
            "web-pagopa",
            0,
            "2020-03-11",
            ("13:00", "14:00"),
            &["2.3"],
            3,
            1,
        ),
        session(
            "m1-fascicolo",
            1,
            "2020-03-12",
            ("9:30", "11:30"),
            &["2.3"],
            3,
            2,
        ),
        session(
            "m4-python",
            4,
            "2020-03-12",
            ("9:30", "13:30"),
            &["3.4"],
            5,
            2,
        ),
        session(
            "m8-coding",
            8,
            "2020-03-12",
            ("14:30", "16:30"),
            &["3.4"],
            4,
            1,
        ),
        session(
            "m1-sicurezza",
            1,
            "2020-03-12",
            ("17:00", "19:00"),
            &["4.1", "4.2"],
            4,
            1,
        ),
    ];
    problem(trainers, sessions, 45)
}

/// What a person reads about a roster: who teaches what, and why some sessions are short.
fn readable(p: &RosterProblem, roster: &Roster) -> Vec<String> {
    let mut out = Vec::new();
    for s in p.sessions() {
        let trainers: Vec<&str> = roster.trainers_of(s.id()).map(|t| t.as_str()).collect();
        out.push(format!(
            "{} {} [{}]: {}",
            skillhub_core::italian::span(s.local_start(), s.local_end()),
            s.place().name(),
            s.id(),
            if trainers.is_empty() {
                "—".to_owned()
            } else {
                trainers.join(", ")
            }
        ));
    }
    for u in &roster.uncovered {
        out.push(format!("{}: {}", u.session, u.it()));
        out.push(format!("{}: {}", u.session, u.en()));
    }
    out
}

#[test]
fn small_roster_snapshot() {
    let p = small();
    let roster = p.solve();
    assert!(p.check(&roster).is_empty());
    assert_eq!(roster.summary.optimality, Optimality::Proven);
    insta::assert_yaml_snapshot!("small_roster", (readable(&p, &roster), &roster));
}

#[test]
fn the_issue_sentence() {
    let roster = small().solve();
    let python = roster
        .uncovered
        .iter()
        .find(|u| u.session.as_str() == "m4-python")
        .unwrap();
    assert_eq!(
        python.it(),
        "manca 1 formatore su 2: solo 1 formatore con competenza 3.4 livello 5 disponibile \
         giovedì 12 marzo 2020, 9:30–13:30 nel Municipio 4"
    );
    let mut alone = small();
    alone.trainers.retain(|t| t.id().as_str() != "anna");
    let p = problem(alone.trainers, alone.sessions, 45);
    let roster = p.solve();
    let python = roster
        .uncovered
        .iter()
        .find(|u| u.session.as_str() == "m4-python")
        .unwrap();
    assert_eq!(
        python.reason_it(),
        "nessun formatore insegna la competenza 3.4 al livello 5"
    );
}

#[test]
fn replacement_without_candidates_leaves_the_session_short() {
    // Elena drops out of coding: Anna, the only other trainer for 3.4, is at her weekly limit,
    // and no chain frees her (only she teaches Python; nobody else can take her webinar).
    let p = small();
    let roster = p.solve();
    let coding = SessionId::parse("m8-coding").unwrap();
    let elena = TrainerId::parse("elena").unwrap();
    let after = p.replace(&roster, &elena, &coding).unwrap();
    assert_eq!(
        after.changes,
        [Change {
            session: coding.clone(),
            removed: Some(elena.clone()),
            added: None
        }]
    );
    assert_eq!(after.other_changes, 0);
    let short = after
        .roster
        .uncovered
        .iter()
        .find(|u| u.session == coding)
        .unwrap();
    assert_eq!(
        short.it(),
        "manca 1 formatore su 1: 1 formatore con competenza 3.4 livello 4 disponibile giovedì 12 \
         marzo 2020, 14:30–16:30 nel Municipio 8, ma già impegnati: 1 al limite settimanale"
    );
    // Errors: unknown ids, a trainer not in the session.
    let nobody = TrainerId::parse("nobody").unwrap();
    assert!(matches!(
        p.replace(&roster, &nobody, &coding),
        Err(RosterError::UnknownTrainer(_))
    ));
    let anna = TrainerId::parse("anna").unwrap();
    assert!(matches!(
        p.replace(&roster, &anna, &coding),
        Err(RosterError::NotAssigned { .. })
    ));
}

#[test]
fn replacement_by_a_free_trainer_or_the_shortest_chain() {
    // Two labs at the same time in Municipi 1 and 2. Lia reaches only 1; Marco and Nino reach
    // both. Nino teaches in 1, Marco in 2. When Marco drops out, nobody free reaches 2, but Nino
    // can move to 2 if Lia takes his place in 1: one other change.
    let t = |id, reach: &'static [u8]| {
        trainer(T {
            id,
            home: 1,
            reach,
            online: false,
            skills: &[("1.1", 3)],
            weekly: &["gio 9:00-13:00"],
            off: &[],
            limits: (3, 6),
        })
    };
    let trainers = vec![t("lia", &[]), t("marco", &[2]), t("nino", &[2])];
    let sessions = vec![
        session("uno", 1, "2020-03-12", ("9:30", "11:30"), &["1.1"], 2, 1),
        session("due", 2, "2020-03-12", ("9:30", "11:30"), &["1.1"], 2, 1),
    ];
    let p = problem(trainers, sessions, 45);
    let id = |s: &str| TrainerId::parse(s).unwrap();
    let assignment = |s: &str, t: &str| Assignment {
        session: SessionId::parse(s).unwrap(),
        trainer: id(t),
    };
    let roster = Roster {
        assignments: vec![assignment("uno", "nino"), assignment("due", "marco")],
        ..p.solve()
    };
    // Nino drops out of 1: Lia is free, nothing else changes.
    let uno = SessionId::parse("uno").unwrap();
    let after = p.replace(&roster, &id("nino"), &uno).unwrap();
    assert_eq!(after.other_changes, 0);
    assert_eq!(after.changes[0].added, Some(id("lia")));
    // Marco drops out of 2: Nino moves from 1 to 2 and Lia takes 1.
    let due = SessionId::parse("due").unwrap();
    let after = p.replace(&roster, &id("marco"), &due).unwrap();
    assert!(p.check(&after.roster).is_empty());
    assert_eq!(after.other_changes, 1);
    let moved: Vec<(String, Option<&str>, Option<&str>)> = after
        .changes
        .iter()
        .map(|c| {
            (
                c.session.to_string(),
                c.removed.as_ref().map(TrainerId::as_str),
                c.added.as_ref().map(TrainerId::as_str),
            )
        })
        .collect();
    assert_eq!(
        moved,
        [
            ("due".to_owned(), Some("marco"), Some("nino")),
            ("uno".to_owned(), Some("nino"), Some("lia")),
        ]
    );
}

#[test]
fn trainers_file_round_trips_and_names_fields() {
    let text = include_str!("../../../fixtures/trainers/milano-digitale.toml");
    let trainers = file::parse_trainers(text).unwrap();
    assert_eq!(trainers.len(), 200);
    let header: Vec<&str> = text
        .lines()
        .map_while(|line| line.strip_prefix("# "))
        .collect();
    assert_eq!(file::trainers_toml(&trainers, &header.join("\n")), text);
    let check = |text: &str, expect: &str| {
        let err = file::parse_trainers(text).unwrap_err().to_string();
        assert_eq!(err, expect, "{text}");
    };
    let base = "[[trainers]]\nid = \"bip-001\"\nname = \"Anna\"\nhome = \"municipio-4\"\n";
    check(
        &format!("{base}max_per_week = \"due\"\nmax_per_month = 4\n"),
        "5:16: invalid type: string \"due\", expected i64 (field `max_per_week`)",
    );
    check(
        &format!("{base}max_per_week = 2\nmax_per_month = 4\ncolour = \"red\"\n"),
        "7:1: unknown field `colour`, expected one of `id`, `name`, `home`, `reach`, `online`, \
         `skills`, `weekly`, `off`, `max_per_week`, `max_per_month` (field `colour`)",
    );
    check(
        &format!(
            "{base}reach = [\"Municipio 5\"]\nskills = {{ \"6.1\" = 3 }}\n\
             weekly = [\"gio 14:00-9:00\"]\noff = [\"2020-08-31..2020-08-01\"]\n\
             max_per_week = -1\nmax_per_month = 4\n{base}max_per_week = 1\nmax_per_month = 1\n"
        ),
        "/trainers/0/reach/0: id \"Municipio 5\" may only use lowercase letters, digits, '-', \
         '_' and '.', and must start and end with a letter or digit\n\
         /trainers/0/skills/6.1: \"6.1\" is neither a DigComp competence (1.1 to 5.4) nor an \
         area (1 to 5)\n\
         /trainers/0/weekly/0: the slot \"gio 14:00-9:00\" ends before it starts\n\
         /trainers/0/off/0: the days off \"2020-08-31..2020-08-01\" end before they start\n\
         /trainers/0/max_per_week: -1 is not a number of sessions (expected 0 to 65535)\n\
         /trainers/1/id: trainer id \"bip-001\" is used twice",
    );
}

// ---------------------------------------------------------------------------------------------
// Properties

/// A small random instance: up to `sessions` sessions and `trainers` trainers over six days
/// that cross a week and a month boundary, three Municipi and online, three competences.
fn instance(
    sessions: usize,
    trainers: usize,
) -> impl Strategy<Value = (Vec<Trainer>, Vec<RosterSession>, u32)> {
    const DAYS: [&str; 6] = [
        "2020-03-09",
        "2020-03-10",
        "2020-03-14",
        "2020-03-16",
        "2020-03-31",
        "2020-04-01",
    ];
    const COMPETENCES: [&str; 3] = ["1.1", "2.6", "3.4"];
    let raw_session = (
        // Mostly Monday 9 March, so that sessions clash.
        proptest::sample::select(vec![0usize, 0, 0, 0, 1, 1, 2, 3, 4, 5]),
        0u8..4,
        18u32..36,
        2u32..7,
        proptest::sample::subsequence(COMPETENCES.to_vec(), 0..=2),
        2i64..6,
        1u8..=2,
    );
    let raw_trainer = (
        0u8..4,
        proptest::collection::vec(proptest::bool::weighted(0.7), 3),
        proptest::bool::weighted(0.7),
        proptest::collection::vec(0i64..10, 3),
        proptest::collection::vec(0usize..6, 7),
        proptest::option::of(0..DAYS.len()),
        1u16..4,
        1u16..5,
    );
    (
        proptest::collection::vec(raw_session, 1..=sessions),
        proptest::collection::vec(raw_trainer, 2.min(trainers)..=trainers),
        proptest::sample::select(vec![0u32, 30, 45, 60]),
    )
        .prop_map(|(raw_sessions, raw_trainers, travel)| {
            let sessions = raw_sessions
                .into_iter()
                .enumerate()
                .map(|(i, (day, place, start, len, comps, level, need))| {
                    let clock =
                        |half_hours: u32| format!("{}:{:02}", half_hours / 2, half_hours % 2 * 30);
                    session(
                        &format!("s{i}"),
                        place,
                        DAYS[day],
                        (&clock(start), &clock((start + len).min(47))),
                        &comps,
                        level,
                        need,
                    )
                })
                .collect();
            let trainers = raw_trainers
                .into_iter()
                .enumerate()
                .map(
                    |(i, (home, reach, online, levels, days, off, week, month))| {
                        let reach: Vec<u8> =
                            (1..=3u8).filter(|&n| reach[usize::from(n - 1)]).collect();
                        // Levels 0–1 mean "does not teach it"; above 8 counts as 8.
                        let skills: Vec<(&str, i64)> = COMPETENCES
                            .iter()
                            .zip(&levels)
                            .filter(|&(_, &l)| l > 1)
                            .map(|(&c, &l)| (c, l.min(8)))
                            .collect();
                        const NAMES: [&str; 7] = ["lun", "mar", "mer", "gio", "ven", "sab", "dom"];
                        const RANGES: [&str; 6] = [
                            "",
                            "9:00-14:00",
                            "13:00-19:00",
                            "8:00-20:00",
                            "8:00-20:00",
                            "8:00-20:00",
                        ];
                        let weekly: Vec<String> = days
                            .iter()
                            .enumerate()
                            .filter(|&(_, &r)| r > 0)
                            .map(|(d, &r)| format!("{} {}", NAMES[d], RANGES[r]))
                            .collect();
                        let weekly: Vec<&str> = weekly.iter().map(String::as_str).collect();
                        let off: Vec<&str> = off.iter().map(|&d| DAYS[d]).collect();
                        trainer(T {
                            id: &format!("t{i}"),
                            home: home.max(1),
                            reach: &reach,
                            online,
                            skills: &skills,
                            weekly: &weekly,
                            off: &off,
                            limits: (week, month),
                        })
                    },
                )
                .collect();
            (trainers, sessions, travel)
        })
}

/// The lexicographic optimum (unfilled slots, largest load, away sessions) by brute force:
/// every subset of trainers for every session, checked with the public predicates only.
fn brute_force(p: &RosterProblem) -> (u32, u32, u32) {
    struct Walk<'a> {
        p: &'a RosterProblem,
        chosen: Vec<Vec<usize>>,
        best: (u32, u32, u32),
    }
    impl Walk<'_> {
        fn fits(&self, t: usize, s: usize) -> bool {
            let (trainer, session) = (&self.p.trainers()[t], &self.p.sessions()[s]);
            if !(trainer.teaches(session.competences(), session.level())
                && trainer.reaches(session.place())
                && trainer.available(session.local_start(), session.local_end()))
            {
                return false;
            }
            let mine: Vec<usize> = (0..s).filter(|&x| self.chosen[x].contains(&t)).collect();
            let day = session.local_start().date();
            let same_week = mine
                .iter()
                .filter(|&&x| {
                    self.p.sessions()[x].local_start().date().iso_week() == day.iso_week()
                })
                .count();
            let same_month = mine
                .iter()
                .filter(|&&x| {
                    let d = self.p.sessions()[x].local_start().date();
                    (d.year(), d.month()) == (day.year(), day.month())
                })
                .count();
            same_week < usize::from(trainer.max_per_week())
                && same_month < usize::from(trainer.max_per_month())
                && mine
                    .iter()
                    .all(|&x| self.p.rules().compatible(&self.p.sessions()[x], session))
        }

        fn walk(&mut self, s: usize) {
            let sessions = self.p.sessions();
            if s == sessions.len() {
                let mut loads = vec![0u32; self.p.trainers().len()];
                let (mut unfilled, mut away) = (0, 0);
                for (x, chosen) in self.chosen.iter().enumerate() {
                    unfilled += u32::from(sessions[x].trainers_needed()) - chosen.len() as u32;
                    for &t in chosen {
                        loads[t] += 1;
                        if let Place::Hub(h) = sessions[x].place() {
                            away += u32::from(h != self.p.trainers()[t].home());
                        }
                    }
                }
                let cost = (unfilled, loads.into_iter().max().unwrap_or(0), away);
                self.best = self.best.min(cost);
                return;
            }
            let fits: Vec<usize> = (0..self.p.trainers().len())
                .filter(|&t| self.fits(t, s))
                .collect();
            let need = usize::from(sessions[s].trainers_needed());
            for mask in 0u32..(1 << fits.len()) {
                if mask.count_ones() as usize > need {
                    continue;
                }
                self.chosen[s] = (0..fits.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| fits[i])
                    .collect();
                self.walk(s + 1);
            }
            self.chosen[s].clear();
        }
    }
    let mut walk = Walk {
        p,
        chosen: vec![Vec::new(); p.sessions().len()],
        best: (u32::MAX, u32::MAX, u32::MAX),
    };
    walk.walk(0);
    walk.best
}

fn cost(roster: &Roster) -> (u32, u32, u32) {
    let s = &roster.summary;
    (s.slots_needed - s.slots_filled, s.max_load, s.away)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// On small instances (≤ 6 sessions, ≤ 4 trainers) the roster keeps every rule, is proven
    /// optimal, and matches the brute-force optimum: a complete roster whenever one exists, then
    /// the smallest largest load, then the fewest sessions away from home.
    #[test]
    fn small_rosters_are_valid_and_optimal((trainers, sessions, travel) in instance(6, 4)) {
        let p = problem(trainers, sessions, travel);
        let roster = p.solve();
        prop_assert_eq!(p.check(&roster), vec![]);
        prop_assert_eq!(roster.summary.optimality, Optimality::Proven);
        prop_assert_eq!(cost(&roster), brute_force(&p));
        prop_assert!(roster.summary.slots_filled <= roster.summary.slots_bound);
    }

    /// Without the exact search, on larger instances (≤ 40 sessions, ≤ 12 trainers) the
    /// heuristic roster keeps every rule and respects both flow bounds, and every short session
    /// is explained.
    #[test]
    fn heuristic_rosters_are_valid((trainers, sessions, travel) in instance(40, 12)) {
        let rules = Rules { travel_minutes: travel, exact: ExactSearch::OFF };
        let p = RosterProblem::new(trainers, sessions, rules).unwrap();
        let roster = p.solve();
        prop_assert_eq!(p.check(&roster), vec![]);
        let s = &roster.summary;
        prop_assert!(s.slots_filled <= s.slots_bound);
        prop_assert!(s.max_load_bound <= s.max_load);
        prop_assert_eq!(roster.uncovered.len() as u32, s.sessions - s.sessions_covered);
        for u in &roster.uncovered {
            prop_assert!(u.assigned < u.needed);
            prop_assert!(!u.it().is_empty() && !u.en().is_empty());
        }
    }

    /// A drop-out: the trainer leaves the session and is not put back, every rule still holds,
    /// and no session other than the dropped-out one loses a trainer.
    #[test]
    fn replacements_keep_the_rules((trainers, sessions, travel) in instance(12, 6), pick in any::<prop::sample::Index>()) {
        let p = problem(trainers, sessions, travel);
        let roster = p.solve();
        prop_assume!(!roster.assignments.is_empty());
        let out = roster.assignments[pick.index(roster.assignments.len())].clone();
        let after = p.replace(&roster, &out.trainer, &out.session).unwrap();
        let edited = problem(p.trainers().to_vec(), p.sessions().to_vec(), travel)
            .with_exclusion(&out.trainer, &out.session)
            .unwrap();
        prop_assert_eq!(edited.check(&after.roster), vec![]);
        prop_assert!(after.roster.trainers_of(&out.session).all(|t| t != &out.trainer));
        for s in p.sessions() {
            let before = roster.trainers_of(s.id()).count();
            let now = after.roster.trainers_of(s.id()).count();
            if s.id() == &out.session {
                prop_assert!(now + 1 >= before);
            } else {
                prop_assert_eq!(now, before);
            }
        }
        prop_assert!(after.other_changes <= REPLACE_DEPTH);
    }
}

/// How often the heuristic alone (no exact search) fills as many slots as the brute force, on
/// 400 small instances from a fixed seed. Measured when written: 399/400 (and 366/400 optimal on
/// all three criteria); kept at ≥ 97%.
#[test]
fn heuristic_alone_is_usually_complete() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        ProptestConfig::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = instance(6, 4);
    let (mut same, mut total) = (0, 0);
    let mut misses = BTreeMap::new();
    for _ in 0..400 {
        let (trainers, sessions, travel) = strategy.new_tree(&mut runner).unwrap().current();
        let rules = Rules {
            travel_minutes: travel,
            exact: ExactSearch::OFF,
        };
        let p = RosterProblem::new(trainers, sessions, rules).unwrap();
        let best = brute_force(&p);
        let got = cost(&p.solve());
        total += 1;
        if got.0 == best.0 {
            same += 1;
        } else {
            *misses.entry(got.0 - best.0).or_insert(0) += 1;
        }
    }
    assert!(
        same * 100 >= total * 97,
        "{same}/{total}, misses by slots: {misses:?}"
    );
}
