//! Tests of program changes: nothing for an unchanged program, one change of the right kind for
//! each kind of edit (a property over the seeds and any set of edits), the sentences of a
//! realistic edit of a seed (a snapshot), and the JSON twin of every seed.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;
use crate::definition::{Format, line_of};
use crate::fixture::{Catalog, ProgramError, SEED_PROGRAMS, parse_program, parse_program_json};
use crate::hub::Hub;
use crate::ids::{SessionId, TargetId};
use crate::program::{EmailConfirmation, PriorityTier, Program, Target, Unit};
use crate::reminder::Reminders;

fn seeds() -> Vec<Program> {
    Catalog::seeds().unwrap().programs().to_vec()
}

fn seed_text(file: &str) -> &'static str {
    SEED_PROGRAMS
        .iter()
        .find(|(name, _)| *name == file)
        .map(|(_, text)| *text)
        .unwrap()
}

#[test]
fn an_unchanged_program_has_no_changes() {
    for program in seeds() {
        assert_eq!(changes(&program, &program), [], "{}", program.id());
        let reparsed = parse_program(seed_text(&format!("{}.toml", program.id()))).unwrap();
        assert_eq!(changes(&program, &reparsed), [], "{}", program.id());
    }
}

/// One kind of edit a person makes to a program, and the change it must be reported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edit {
    Rename,
    Summary,
    Window,
    AddTarget,
    ChangeGoal,
    RemoveTarget,
    Eligibility,
    Priority,
    Reminders,
    Confirmation,
    Hold,
    FunderLine,
    HubPartner,
    AddHub,
    RenameHub,
    MoveHub,
    AddRoom,
    RemoveHub,
    AddSession,
    DropSession,
}

const EDITS: [Edit; 20] = [
    Edit::Rename,
    Edit::Summary,
    Edit::Window,
    Edit::AddTarget,
    Edit::ChangeGoal,
    Edit::RemoveTarget,
    Edit::Eligibility,
    Edit::Priority,
    Edit::Reminders,
    Edit::Confirmation,
    Edit::Hold,
    Edit::FunderLine,
    Edit::HubPartner,
    Edit::AddHub,
    Edit::RenameHub,
    Edit::MoveHub,
    Edit::AddRoom,
    Edit::RemoveHub,
    Edit::AddSession,
    Edit::DropSession,
];

fn rule(json: &str) -> Rule {
    serde_json::from_str(json).unwrap()
}

fn new_hub(id: &str) -> Hub {
    serde_json::from_value(serde_json::json!({
        "id": id, "name": "Sede nuova", "zone": "Europe/Rome",
        "address": { "street": "Via Roma 1", "city": "Torino", "country": "IT" },
    }))
    .unwrap()
}

/// The first target the seed had (not one an edit added).
fn original_target(p: &mut Program) -> Option<&mut Target> {
    p.targets
        .iter_mut()
        .find(|t| t.id.as_str() != "obiettivo-nuovo")
}

/// The first hub the seed had (not one an edit added).
fn original_hub(p: &mut Program) -> Option<&mut Hub> {
    p.hubs
        .iter_mut()
        .find(|h| h.id.as_str() != "sede-nuova-prova")
}

impl Edit {
    /// Applies the edit; the kind of change it must be reported as, or `None` when the program
    /// has nothing to apply it to (no target to remove, one hub only, no session).
    fn apply(self, p: &mut Program) -> Option<&'static str> {
        match self {
            Edit::Rename => p.name.push_str(" (nuova edizione)"),
            Edit::Summary => p.summary_it.push_str(" Aggiornato."),
            Edit::Window => p.window.until = Some(chrono::NaiveDate::from_ymd_opt(2099, 1, 1)?),
            Edit::AddTarget => p.targets.push(Target {
                id: TargetId::parse("obiettivo-nuovo").ok()?,
                label_it: "persone formate in più".into(),
                label_en: "more people trained".into(),
                unit: Unit::People,
                goal: 10,
                mode: None,
                country: None,
                parent: None,
                deadline: None,
                assumption: None,
            }),
            Edit::ChangeGoal => original_target(p)?.goal += 1,
            Edit::RemoveTarget => {
                if p.targets
                    .iter()
                    .filter(|t| t.id.as_str() != "obiettivo-nuovo")
                    .count()
                    < 2
                {
                    return None;
                }
                let last = p
                    .targets
                    .iter()
                    .rposition(|t| t.id.as_str() != "obiettivo-nuovo")?;
                p.targets.remove(last);
            }
            Edit::Eligibility => p.eligibility = Some(rule(r#"{"age": {"min": 77}}"#)),
            Edit::Priority => p.priority.push(PriorityTier {
                name_it: "residenti".into(),
                name_en: "residents".into(),
                rule: rule(r#"{"region": ["sardegna"]}"#),
            }),
            Edit::Reminders => {
                p.settings.reminders = Reminders::new(vec![chrono::Duration::hours(5)]).ok()?;
            }
            Edit::Confirmation => {
                p.settings.email_confirmation = match p.settings.email_confirmation {
                    EmailConfirmation::None => EmailConfirmation::Required,
                    EmailConfirmation::Required => EmailConfirmation::None,
                }
            }
            Edit::Hold => p.settings.hold_minutes += 1,
            Edit::FunderLine => {
                p.settings.funder_line = Some("Con il contributo della Fondazione di prova".into());
            }
            Edit::HubPartner => {
                original_hub(p)?.partner = Some(crate::ids::Tag::parse("partner-di-prova").ok()?);
            }
            Edit::AddHub => p.hubs.push(new_hub("sede-nuova-prova")),
            Edit::RenameHub => original_hub(p)?.name.push_str(" (rinnovata)"),
            Edit::MoveHub => original_hub(p)?.address.street = Some("Via Nuova 99".into()),
            Edit::AddRoom => original_hub(p)?.rooms.push(crate::hub::Room {
                id: crate::ids::RoomId::parse("aula-nuova").ok()?,
                name: "Aula nuova".into(),
                capacity: 12,
            }),
            Edit::RemoveHub => {
                let original = p
                    .hubs
                    .iter()
                    .filter(|h| h.id.as_str() != "sede-nuova-prova");
                if original.count() < 2 {
                    return None;
                }
                let last = p
                    .hubs
                    .iter()
                    .rposition(|h| h.id.as_str() != "sede-nuova-prova")?;
                p.hubs.remove(last);
            }
            Edit::AddSession => {
                let first = p.sessions.first()?.clone();
                p.sessions
                    .push(first.with_id(SessionId::parse("incontro-nuovo").ok()?));
            }
            Edit::DropSession => {
                let last = p
                    .sessions
                    .iter()
                    .rposition(|s| s.id().as_str() != "incontro-nuovo")?;
                if last == 0 {
                    return None;
                }
                p.sessions.remove(last);
            }
        }
        Some(match self {
            Edit::Rename => "renamed",
            Edit::Summary => "summary_changed",
            Edit::Window => "window_changed",
            Edit::AddTarget => "target_added",
            Edit::ChangeGoal => "target_changed",
            Edit::RemoveTarget => "target_removed",
            Edit::Eligibility => "eligibility_changed",
            Edit::Priority => "priority_changed",
            Edit::Reminders => "reminders_changed",
            Edit::Confirmation => "confirmation_changed",
            Edit::Hold => "hold_changed",
            Edit::FunderLine => "setting_changed",
            Edit::HubPartner => "hub_partner_changed",
            Edit::AddHub => "hub_added",
            Edit::RenameHub => "hub_renamed",
            Edit::MoveHub => "hub_moved",
            Edit::AddRoom => "room_added",
            Edit::RemoveHub => "hub_removed",
            Edit::AddSession => "session_added",
            Edit::DropSession => "session_dropped",
        })
    }
}

proptest! {
    /// Any set of edits of any seed is reported as exactly the kinds of those edits, each once,
    /// every change said in both languages, and the rule changes with their note.
    #[test]
    fn each_edit_is_reported_as_its_kind(
        seed in 0..6usize,
        chosen in proptest::collection::btree_set(0..EDITS.len(), 0..=EDITS.len()),
    ) {
        let old = seeds().swap_remove(seed);
        let mut new = old.clone();
        let mut expected = BTreeSet::new();
        for i in chosen {
            if let Some(kind) = EDITS[i].apply(&mut new) {
                expected.insert(kind);
            }
        }
        // A goal changed on a target that was then removed is not reported as a change.
        let said = changes(&old, &new);
        let kinds: Vec<&str> = said.iter().map(Change::kind).collect();
        let distinct: BTreeSet<&str> = kinds.iter().copied().collect();
        prop_assert_eq!(kinds.len(), distinct.len(), "{:?}", kinds);
        prop_assert_eq!(&distinct, &expected);
        for change in &said {
            let sentence = change.sentence();
            prop_assert!(!sentence.it.is_empty() && !sentence.en.is_empty());
            prop_assert_eq!(
                change.note() == Some(new_registrations_only()),
                matches!(change.kind(), "eligibility_changed" | "priority_changed")
            );
        }
        prop_assert!(changes(&new, &new).is_empty());
    }
}

/// binario-f as its organisers might edit it for a new season: the hub moves, the room grows,
/// people confirm their address, a target and a rule appear, a tier is added, a session too.
const BINARIO_F_EDITED: &[(&str, &str)] = &[
    (
        "name = \"Social Academy a Binario F\"",
        "name = \"Social Academy a Binario F 2019\"",
    ),
    (
        "zone = \"Europe/Rome\"\nsponsors",
        "zone = \"Europe/Rome\"\neligibility = { age = { min = 18 } }\nreminders = [24]\nemail_confirmation = \"required\"\nsponsors",
    ),
    (
        "street = \"Stazione Roma Termini\"",
        "street = \"Via Marsala 29\"",
    ),
    ("capacity = 40 }", "capacity = 60 }"),
    (
        "[[hubs]]",
        "[[priority]]\nname_it = \"residenti nel Lazio\"\nname_en = \"residents of Lazio\"\nrule = { region = [\"lazio\"] }\n\n[[targets]]\nid = \"partecipanti\"\nlabel_it = \"partecipanti\"\nlabel_en = \"participants\"\nunit = \"people\"\ngoal = 600\n\n[[hubs]]",
    ),
];

const BINARIO_F_NEW_SESSION: &str = r#"
[[sessions]]
id = "binario-f-2019-05-30"
hub = "binario-f-roma-termini"
room = "sala"
title = "LinkedIn per la PA"
mode = "in_person"
seats = { in_person = 60, online = 0 }
date = "2019-05-30"
start = "14:30"
end = "17:30"
"#;

#[test]
fn a_season_edit_of_binario_f_in_sentences() {
    let text = seed_text("binario-f.toml");
    let mut edited = text.to_owned();
    for (from, to) in BINARIO_F_EDITED {
        assert!(edited.contains(from), "binario-f has no {from:?}");
        edited = edited.replacen(from, to, 1);
    }
    edited.push_str(BINARIO_F_NEW_SESSION);
    let old = parse_program(text).unwrap();
    let new = parse_program(&edited).unwrap();
    let said: Vec<serde_json::Value> = changes(&old, &new)
        .iter()
        .map(|c| {
            serde_json::json!({
                "kind": c.kind(),
                "it": c.sentence().it,
                "en": c.sentence().en,
                "note": c.note().map(|n| n.it),
            })
        })
        .collect();
    insta::assert_yaml_snapshot!(said);
    assert_eq!(
        summary_it(&changes(&old, &new)),
        "Il nome cambia da «Social Academy a Binario F» a «Social Academy a Binario F 2019». \
         Nuovo obiettivo «partecipanti» (partecipanti): 600. Chi può partecipare cambia. Prima: \
         aperto a tutti. Ora: Disponibile solo se: hai almeno 18 anni. E altre 6 modifiche."
    );
}

/// The JSON twin of a TOML text: its value, as JSON.
fn to_json(text: &str) -> String {
    let value: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn every_seed_and_its_json_twin_are_one_program() {
    for (file, text) in SEED_PROGRAMS {
        let from_toml = parse_program(text).unwrap();
        let from_json = parse_program_json(&to_json(text)).unwrap();
        assert_eq!(from_toml, from_json, "{file}");
        assert_eq!(
            crate::definition::parse(Format::Json, &to_json(text)).unwrap(),
            from_toml
        );
    }
}

#[test]
fn json_is_refused_with_the_same_pointers_and_its_own_lines() {
    let text = seed_text("binario-f.toml");
    for (from, to) in [
        ("end = \"13:30\"", "end = \"08:30\""),
        ("hub = \"binario-f-roma-termini\"", "hub = \"termini\""),
        ("in_person = 40, online = 0", "in_person = 400, online = 0"),
        ("date = \"2019-06-04\"", "date = \"2019-06-05\""),
    ] {
        let broken = text.replacen(from, to, 1);
        let toml_err = parse_program(&broken).unwrap_err();
        assert!(matches!(toml_err, ProgramError::Invalid(_)), "{toml_err}");
        assert_eq!(parse_program_json(&to_json(&broken)).unwrap_err(), toml_err);
    }
    let err = parse_program_json("{\n  \"id\": \"x\",\n  \"name\": 3\n}").unwrap_err();
    assert_eq!(
        err,
        ProgramError::Syntax {
            line: 3,
            column: 11,
            message: "invalid type: integer `3`, expected a string".into(),
        }
    );
    let err = parse_program_json("{\n  \"id\": \"x\",,\n}").unwrap_err();
    assert!(
        matches!(err, ProgramError::Syntax { line: 2, .. }),
        "{err:?}"
    );
}

#[test]
fn a_pointer_is_found_on_its_line_of_the_toml() {
    let text = seed_text("binario-f.toml");
    let line = |pointer: &str| line_of(Format::Toml, text, pointer);
    let numbered: Vec<&str> = text.lines().collect();
    let at = |pointer: &str| numbered[line(pointer).unwrap() - 1];
    assert_eq!(at("/id"), "id = \"binario-f\"");
    assert_eq!(at("/sessions/14/date"), "date = \"2019-06-04\"");
    assert_eq!(
        at("/sessions/0/seats/in_person"),
        "seats = { in_person = 40, online = 0 }"
    );
    assert_eq!(at("/hubs/0/id"), "id = \"binario-f-roma-termini\"");
    assert!(
        at("/sessions/3/nothing").starts_with("[[sessions]]")
            || at("/sessions/3/nothing").starts_with("id = ")
    );
    assert_eq!(line(""), None);
    assert_eq!(line_of(Format::Json, "{}", "/id"), None);
    assert_eq!(line_of(Format::Toml, "id = ", "/id"), None);
}
