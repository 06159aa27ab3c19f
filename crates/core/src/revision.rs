//! What an edit of a program changes ("modifiche"): [`changes`] compares two versions of a
//! program and says each difference as a typed [`Change`], with a sentence in Italian and English
//! for the people who approve the edit.
//!
//! Why typed and not a text diff: the staff of a program decide on the meaning ("the hub moved",
//! "the eligibility rule changed"), and some changes carry a consequence the page and the API
//! must say before saving. A change of eligibility or priority applies to registrations made
//! after it only: a registration keeps the tier it was given, and no seat already given is taken
//! back ([`Change::applies_to_new_registrations_only`]).
//!
//! Sessions are live data once published: a program's file adds sessions, but a session dropped
//! from the file or described differently is reported and left as stored (sessions are changed
//! one by one, `PATCH /v1/sessions/{id}`).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::eligibility::Rule;
use crate::hub::{Hub, Room};
use crate::ids::{HubId, RoomId, SessionId, Tag, TargetId};
use crate::lang::Lang;
use crate::program::{DateWindow, EmailConfirmation, Program, Target};
use crate::session::Session;
use crate::settings::Settings;

/// One sentence for people, in Italian and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Sentence {
    /// Italian.
    pub it: String,
    /// English.
    pub en: String,
}

impl Sentence {
    fn new(it: impl Into<String>, en: impl Into<String>) -> Sentence {
        Sentence {
            it: it.into(),
            en: en.into(),
        }
    }

    /// The sentence in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::It => &self.it,
            Lang::En => &self.en,
        }
    }
}

/// The note every change of eligibility or priority carries.
pub fn new_registrations_only() -> Sentence {
    Sentence::new(
        "Vale solo per le iscrizioni fatte dopo la modifica: i posti già assegnati e le liste \
         d'attesa restano come sono.",
        "It applies only to registrations made after the change: seats already given and \
         waiting lists stay as they are.",
    )
}

/// A setting that [`Change::SettingChanged`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    /// The registration window sessions get when created without one.
    RegistrationWindow,
    /// The languages offered.
    Languages,
    /// The funder's line on the attendance register.
    FunderLine,
    /// Whether registrations need the codice fiscale.
    CodiceFiscale,
}

/// One difference between two versions of a program, in the order of the program's fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// The published name changed.
    Renamed {
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// The Italian summary changed.
    SummaryChanged,
    /// The source of the facts changed.
    SourceChanged,
    /// The zone of the program's dates and online sessions changed.
    ZoneChanged {
        /// Before (IANA name).
        from: String,
        /// After.
        to: String,
    },
    /// The dates the program runs changed.
    WindowChanged {
        /// Before.
        from: DateWindow,
        /// After.
        to: DateWindow,
    },
    /// Sponsors or partners changed.
    SponsorsChanged,
    /// The countries or regions where it runs changed.
    PlacesChanged,
    /// Who it is for changed.
    AudiencesChanged,
    /// A target was added.
    TargetAdded {
        /// Its id.
        id: TargetId,
        /// Its Italian label.
        label_it: String,
        /// Its English label.
        label_en: String,
        /// Its goal.
        goal: u64,
    },
    /// A target was removed.
    TargetRemoved {
        /// Its id.
        id: TargetId,
        /// Its Italian label.
        label_it: String,
        /// Its English label.
        label_en: String,
    },
    /// A target changed (its goal, or its labels, unit, mode, country, parent or deadline).
    TargetChanged {
        /// Its id.
        id: TargetId,
        /// Its Italian label (the new one).
        label_it: String,
        /// Its English label (the new one).
        label_en: String,
        /// The goal before.
        goal_from: u64,
        /// The goal after.
        goal_to: u64,
    },
    /// The budget changed.
    BudgetChanged,
    /// The facts of the grant call changed.
    GrantCallChanged,
    /// Milestones changed.
    MilestonesChanged,
    /// The number of trainers the partners lend changed.
    TrainerPoolChanged {
        /// Before.
        from: Option<u32>,
        /// After.
        to: Option<u32>,
    },
    /// Who may take part changed. Applies to registrations made after the change only.
    EligibilityChanged {
        /// The rule before (none: everyone).
        from: Option<Rule>,
        /// The rule after.
        to: Option<Rule>,
    },
    /// Who goes first changed (tiers added, removed, reordered or with other rules). Applies to
    /// registrations made after the change only.
    PriorityChanged {
        /// The tiers' Italian names before, best first.
        from: Vec<String>,
        /// After.
        to: Vec<String>,
    },
    /// The reminders before each session changed.
    RemindersChanged {
        /// Hours before the start, before.
        from: Vec<i64>,
        /// After.
        to: Vec<i64>,
    },
    /// Whether people confirm their address changed.
    ConfirmationChanged {
        /// Before.
        from: EmailConfirmation,
        /// After.
        to: EmailConfirmation,
    },
    /// How long a seat is held for an address to be confirmed changed.
    HoldChanged {
        /// Minutes before.
        from: u32,
        /// Minutes after.
        to: u32,
    },
    /// A hub was added.
    HubAdded {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
        /// Its address on one line.
        address: String,
    },
    /// A hub was removed.
    HubRemoved {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
    },
    /// A hub has a new name.
    HubRenamed {
        /// Its id.
        id: HubId,
        /// Before.
        from: String,
        /// After.
        to: String,
    },
    /// The partner organisation that runs a hub changed (staff bound to a partner reach it
    /// through this).
    HubPartnerChanged {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
        /// The partner before, if any.
        from: Option<Tag>,
        /// After.
        to: Option<Tag>,
    },
    /// A setting of `[settings]` that no other change names.
    SettingChanged {
        /// Which.
        setting: Setting,
    },
    /// A hub moved: its address changed.
    HubMoved {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
        /// The address before, on one line.
        from: String,
        /// After.
        to: String,
    },
    /// A hub's zone changed (the local times of its new sessions).
    HubZoneChanged {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
        /// Before (IANA name).
        from: String,
        /// After.
        to: String,
    },
    /// Who runs a hub changed.
    HubOrganisersChanged {
        /// Its id.
        id: HubId,
        /// Its name.
        name: String,
    },
    /// A room was added to a hub.
    RoomAdded {
        /// The hub.
        hub: HubId,
        /// The room.
        room: RoomId,
        /// Its name.
        name: String,
        /// How many it holds.
        capacity: u32,
    },
    /// A room was removed from a hub.
    RoomRemoved {
        /// The hub.
        hub: HubId,
        /// The room.
        room: RoomId,
        /// Its name.
        name: String,
    },
    /// A room's name or capacity changed.
    RoomChanged {
        /// The hub.
        hub: HubId,
        /// The room.
        room: RoomId,
        /// Its name (the new one).
        name: String,
        /// Capacity before.
        capacity_from: u32,
        /// Capacity after.
        capacity_to: u32,
    },
    /// A session is in the new version and not in the old one: it will be published.
    SessionAdded {
        /// Its id.
        id: SessionId,
        /// Its title.
        title: String,
        /// When, in both languages (its local times).
        when: Sentence,
    },
    /// A session of the old version is not in the new one: it stays in the calendar.
    SessionDropped {
        /// Its id.
        id: SessionId,
        /// Its title.
        title: String,
    },
    /// A session is described differently: the published one stays as it is.
    SessionDiffers {
        /// Its id.
        id: SessionId,
        /// Its title (the new one).
        title: String,
    },
}

impl Change {
    /// The kind's name, as serialized (`hub_moved`, `eligibility_changed` …).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Renamed { .. } => "renamed",
            Change::SummaryChanged => "summary_changed",
            Change::SourceChanged => "source_changed",
            Change::ZoneChanged { .. } => "zone_changed",
            Change::WindowChanged { .. } => "window_changed",
            Change::SponsorsChanged => "sponsors_changed",
            Change::PlacesChanged => "places_changed",
            Change::AudiencesChanged => "audiences_changed",
            Change::TargetAdded { .. } => "target_added",
            Change::TargetRemoved { .. } => "target_removed",
            Change::TargetChanged { .. } => "target_changed",
            Change::BudgetChanged => "budget_changed",
            Change::GrantCallChanged => "grant_call_changed",
            Change::MilestonesChanged => "milestones_changed",
            Change::TrainerPoolChanged { .. } => "trainer_pool_changed",
            Change::EligibilityChanged { .. } => "eligibility_changed",
            Change::PriorityChanged { .. } => "priority_changed",
            Change::RemindersChanged { .. } => "reminders_changed",
            Change::ConfirmationChanged { .. } => "confirmation_changed",
            Change::HoldChanged { .. } => "hold_changed",
            Change::HubAdded { .. } => "hub_added",
            Change::HubRemoved { .. } => "hub_removed",
            Change::HubRenamed { .. } => "hub_renamed",
            Change::HubMoved { .. } => "hub_moved",
            Change::HubPartnerChanged { .. } => "hub_partner_changed",
            Change::SettingChanged { .. } => "setting_changed",
            Change::HubZoneChanged { .. } => "hub_zone_changed",
            Change::HubOrganisersChanged { .. } => "hub_organisers_changed",
            Change::RoomAdded { .. } => "room_added",
            Change::RoomRemoved { .. } => "room_removed",
            Change::RoomChanged { .. } => "room_changed",
            Change::SessionAdded { .. } => "session_added",
            Change::SessionDropped { .. } => "session_dropped",
            Change::SessionDiffers { .. } => "session_differs",
        }
    }

    /// Whether the change is to who may take part or who goes first, which apply to
    /// registrations made after the change only ([`new_registrations_only`]).
    pub fn applies_to_new_registrations_only(&self) -> bool {
        matches!(
            self,
            Change::EligibilityChanged { .. }
                | Change::PriorityChanged { .. }
                | Change::SettingChanged {
                    setting: Setting::CodiceFiscale
                }
        )
    }

    /// The note to show beside the change, if it has one: for eligibility and priority,
    /// [`new_registrations_only`]; for a session that differs or was dropped, that the
    /// published session stays as it is.
    pub fn note(&self) -> Option<Sentence> {
        match self {
            _ if self.applies_to_new_registrations_only() => Some(new_registrations_only()),
            Change::SessionDropped { .. } | Change::SessionDiffers { .. } => Some(Sentence::new(
                "Gli incontri pubblicati non si cambiano né si cancellano da qui: si modificano \
                 uno per uno.",
                "Published sessions are neither changed nor removed from here: they are edited \
                 one by one.",
            )),
            _ => None,
        }
    }

    /// The change said for people.
    ///
    /// ```
    /// use skillhub_core::revision::Change;
    /// let change = Change::HoldChanged { from: 30, to: 45 };
    /// assert_eq!(
    ///     change.sentence().it,
    ///     "Il posto resta riservato in attesa di conferma 45 minuti invece di 30."
    /// );
    /// ```
    pub fn sentence(&self) -> Sentence {
        match self {
            Change::Renamed { from, to } => Sentence::new(
                format!("Il nome cambia da «{from}» a «{to}»."),
                format!("The name changes from “{from}” to “{to}”."),
            ),
            Change::SummaryChanged => Sentence::new(
                "La presentazione del programma cambia.",
                "The program's summary changes.",
            ),
            Change::SourceChanged => Sentence::new(
                "La fonte delle informazioni cambia.",
                "The source of the facts changes.",
            ),
            Change::ZoneChanged { from, to } => Sentence::new(
                format!("Il fuso orario del programma cambia da {from} a {to}."),
                format!("The program's time zone changes from {from} to {to}."),
            ),
            Change::WindowChanged { from, to } => Sentence::new(
                format!(
                    "Le date del programma cambiano da {} a {}.",
                    window(*from, Lang::It),
                    window(*to, Lang::It)
                ),
                format!(
                    "The program's dates change from {} to {}.",
                    window(*from, Lang::En),
                    window(*to, Lang::En)
                ),
            ),
            Change::SponsorsChanged => Sentence::new(
                "Cambiano i sostenitori o i partner.",
                "The sponsors or partners change.",
            ),
            Change::PlacesChanged => Sentence::new(
                "Cambiano i paesi o le regioni in cui si svolge.",
                "The countries or regions where it runs change.",
            ),
            Change::AudiencesChanged => {
                Sentence::new("Cambiano i destinatari.", "Who it is for changes.")
            }
            Change::TargetAdded {
                id,
                label_it,
                label_en,
                goal,
            } => Sentence::new(
                format!(
                    "Nuovo obiettivo «{label_it}» ({id}): {}.",
                    crate::italian::thousands(*goal)
                ),
                format!("New target “{label_en}” ({id}): {goal}."),
            ),
            Change::TargetRemoved {
                id,
                label_it,
                label_en,
            } => Sentence::new(
                format!("L'obiettivo «{label_it}» ({id}) è tolto."),
                format!("The target “{label_en}” ({id}) is removed."),
            ),
            Change::TargetChanged {
                id,
                label_it,
                label_en,
                goal_from,
                goal_to,
            } if goal_from != goal_to => Sentence::new(
                format!(
                    "L'obiettivo «{label_it}» ({id}) passa da {} a {}.",
                    crate::italian::thousands(*goal_from),
                    crate::italian::thousands(*goal_to)
                ),
                format!("The target “{label_en}” ({id}) goes from {goal_from} to {goal_to}."),
            ),
            Change::TargetChanged {
                id,
                label_it,
                label_en,
                ..
            } => Sentence::new(
                format!("L'obiettivo «{label_it}» ({id}) cambia."),
                format!("The target “{label_en}” ({id}) changes."),
            ),
            Change::BudgetChanged => Sentence::new("Il budget cambia.", "The budget changes."),
            Change::GrantCallChanged => Sentence::new(
                "Cambiano le informazioni del bando.",
                "The grant call's facts change.",
            ),
            Change::MilestonesChanged => Sentence::new(
                "Cambiano le tappe del programma.",
                "The program's milestones change.",
            ),
            Change::TrainerPoolChanged { from, to } => Sentence::new(
                format!(
                    "I formatori messi a disposizione passano da {} a {}.",
                    count(*from, "non indicati"),
                    count(*to, "non indicati")
                ),
                format!(
                    "The trainers lent go from {} to {}.",
                    count(*from, "unstated"),
                    count(*to, "unstated")
                ),
            ),
            Change::EligibilityChanged { from, to } => {
                let (from_it, from_en) = rule_text(from.as_ref());
                let (to_it, to_en) = rule_text(to.as_ref());
                Sentence::new(
                    format!("Chi può partecipare cambia. Prima: {from_it} Ora: {to_it}"),
                    format!("Who may take part changes. Before: {from_en} Now: {to_en}"),
                )
            }
            Change::PriorityChanged { from, to } => Sentence::new(
                format!(
                    "Le fasce di priorità cambiano. Prima: {}. Ora: {}.",
                    tiers(from, "nessuna"),
                    tiers(to, "nessuna")
                ),
                format!(
                    "The priority tiers change. Before: {}. Now: {}.",
                    tiers(from, "none"),
                    tiers(to, "none")
                ),
            ),
            Change::RemindersChanged { from, to } => Sentence::new(
                format!(
                    "I promemoria cambiano da {} a {}.",
                    hours(from, "ore prima", "nessuno"),
                    hours(to, "ore prima", "nessuno")
                ),
                format!(
                    "The reminders change from {} to {}.",
                    hours(from, "hours before", "none"),
                    hours(to, "hours before", "none")
                ),
            ),
            Change::ConfirmationChanged { to, .. } => match to {
                EmailConfirmation::Required => Sentence::new(
                    "Da ora chi si iscrive conferma il proprio indirizzo e-mail prima che il \
                     posto sia suo.",
                    "From now on people confirm their e-mail address before the seat is theirs.",
                ),
                EmailConfirmation::None => Sentence::new(
                    "Da ora chi si iscrive non deve più confermare il proprio indirizzo e-mail.",
                    "From now on people no longer confirm their e-mail address.",
                ),
            },
            Change::HoldChanged { from, to } => Sentence::new(
                format!(
                    "Il posto resta riservato in attesa di conferma {to} minuti invece di {from}."
                ),
                format!(
                    "A seat is held for an address to be confirmed {to} minutes instead of {from}."
                ),
            ),
            Change::HubPartnerChanged { id, name, from, to } => {
                let it = |p: &Option<Tag>| {
                    p.as_ref()
                        .map_or_else(|| "nessuno".to_owned(), |t| format!("«{t}»"))
                };
                let en = |p: &Option<Tag>| {
                    p.as_ref()
                        .map_or_else(|| "none".to_owned(), |t| format!("“{t}”"))
                };
                Sentence::new(
                    format!(
                        "La sede {name} ({id}) è gestita da {} invece che da {}.",
                        it(to),
                        it(from)
                    ),
                    format!(
                        "Hub {name} ({id}) is run by {} instead of {}.",
                        en(to),
                        en(from)
                    ),
                )
            }
            Change::SettingChanged { setting } => match setting {
                Setting::RegistrationWindow => Sentence::new(
                    "Cambia la finestra d'iscrizione data agli incontri nuovi che non ne hanno una.",
                    "The registration window given to new sessions without one changes.",
                ),
                Setting::Languages => Sentence::new(
                    "Cambiano le lingue offerte.",
                    "The languages offered change.",
                ),
                Setting::FunderLine => Sentence::new(
                    "Cambia la riga del finanziatore sul registro presenze.",
                    "The funder's line on the attendance register changes.",
                ),
                Setting::CodiceFiscale => Sentence::new(
                    "Cambia la richiesta del codice fiscale.",
                    "Whether the codice fiscale is asked changes.",
                ),
            },
            Change::HubAdded { id, name, address } => Sentence::new(
                format!("Nuova sede «{name}» ({id}): {address}."),
                format!("New hub “{name}” ({id}): {address}."),
            ),
            Change::HubRemoved { id, name } => Sentence::new(
                format!("La sede «{name}» ({id}) è tolta."),
                format!("The hub “{name}” ({id}) is removed."),
            ),
            Change::HubRenamed { id, from, to } => Sentence::new(
                format!("La sede {id} cambia nome da «{from}» a «{to}»."),
                format!("The hub {id} is renamed from “{from}” to “{to}”."),
            ),
            Change::HubMoved { id, name, from, to } => Sentence::new(
                format!("La sede «{name}» ({id}) cambia indirizzo: da {from} a {to}."),
                format!("The hub “{name}” ({id}) moves: from {from} to {to}."),
            ),
            Change::HubZoneChanged { id, name, from, to } => Sentence::new(
                format!("Il fuso orario della sede «{name}» ({id}) cambia da {from} a {to}."),
                format!("The time zone of the hub “{name}” ({id}) changes from {from} to {to}."),
            ),
            Change::HubOrganisersChanged { id, name } => Sentence::new(
                format!("Cambiano gli organizzatori della sede «{name}» ({id})."),
                format!("Who runs the hub “{name}” ({id}) changes."),
            ),
            Change::RoomAdded {
                hub,
                room,
                name,
                capacity,
            } => Sentence::new(
                format!("Nuova aula «{name}» ({room}) nella sede {hub}, {capacity} posti."),
                format!("New room “{name}” ({room}) at the hub {hub}, {capacity} places."),
            ),
            Change::RoomRemoved { hub, room, name } => Sentence::new(
                format!("L'aula «{name}» ({room}) della sede {hub} è tolta."),
                format!("The room “{name}” ({room}) of the hub {hub} is removed."),
            ),
            Change::RoomChanged {
                hub,
                room,
                name,
                capacity_from,
                capacity_to,
            } if capacity_from != capacity_to => Sentence::new(
                format!(
                    "L'aula «{name}» ({room}) della sede {hub} passa da {capacity_from} a \
                     {capacity_to} posti."
                ),
                format!(
                    "The room “{name}” ({room}) of the hub {hub} goes from {capacity_from} to \
                     {capacity_to} places."
                ),
            ),
            Change::RoomChanged {
                hub, room, name, ..
            } => Sentence::new(
                format!("L'aula {room} della sede {hub} ora si chiama «{name}»."),
                format!("The room {room} of the hub {hub} is now called “{name}”."),
            ),
            Change::SessionAdded { id, title, when } => Sentence::new(
                format!("Nuovo incontro «{title}» ({id}), {}.", when.it),
                format!("New session “{title}” ({id}), {}.", when.en),
            ),
            Change::SessionDropped { id, title } => Sentence::new(
                format!(
                    "L'incontro «{title}» ({id}) non è più nel file: resta in calendario così \
                     com'è."
                ),
                format!(
                    "The session “{title}” ({id}) is no longer in the file: it stays in the \
                     calendar as it is."
                ),
            ),
            Change::SessionDiffers { id, title } => Sentence::new(
                format!(
                    "L'incontro «{title}» ({id}) è descritto in modo diverso: quello pubblicato \
                     resta com'è."
                ),
                format!(
                    "The session “{title}” ({id}) is described differently: the published one \
                     stays as it is."
                ),
            ),
        }
    }
}

fn window(w: DateWindow, lang: Lang) -> String {
    match (w.until, lang) {
        (Some(until), Lang::It) => format!(
            "dal {} al {}",
            crate::italian::short_date(w.from),
            crate::italian::short_date(until)
        ),
        (None, Lang::It) => format!("dal {} in poi", crate::italian::short_date(w.from)),
        (Some(until), Lang::En) => format!("{} – {until}", w.from),
        (None, Lang::En) => format!("{} onwards", w.from),
    }
}

fn count(n: Option<u32>, none: &str) -> String {
    n.map_or_else(|| none.to_owned(), |n| n.to_string())
}

fn rule_text(rule: Option<&Rule>) -> (String, String) {
    match rule {
        Some(rule) => {
            let d = rule.describe();
            (d.it().to_owned(), d.en().to_owned())
        }
        None => ("aperto a tutti.".to_owned(), "open to everyone.".to_owned()),
    }
}

fn tiers(names: &[String], none: &str) -> String {
    if names.is_empty() {
        return none.to_owned();
    }
    names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{}. {n}", i + 1))
        .collect::<Vec<_>>()
        .join("; ")
}

fn hours(list: &[i64], unit: &str, none: &str) -> String {
    if list.is_empty() {
        return none.to_owned();
    }
    let numbers: Vec<String> = list.iter().map(ToString::to_string).collect();
    let and = if unit.starts_with("ore") {
        " e "
    } else {
        " and "
    };
    match numbers.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{}{and}{last} {unit}", rest.join(", ")),
        _ => format!("{} {unit}", numbers.join(", ")),
    }
}

/// Every difference from `old` to `new`, in the order of the program's fields (name, summary,
/// dates, places, audiences, targets, money, rules, messages, hubs and rooms, sessions). Equal
/// programs have none.
///
/// ```
/// use skillhub_core::fixture::Catalog;
/// use skillhub_core::revision::changes;
/// let catalog = Catalog::seeds().unwrap();
/// let binario_f = catalog.program("binario-f").unwrap();
/// assert!(changes(binario_f, binario_f).is_empty());
/// ```
pub fn changes(old: &Program, new: &Program) -> Vec<Change> {
    let mut out = Vec::new();
    if old.name != new.name {
        out.push(Change::Renamed {
            from: old.name.clone(),
            to: new.name.clone(),
        });
    }
    if old.summary_it != new.summary_it {
        out.push(Change::SummaryChanged);
    }
    if old.source != new.source {
        out.push(Change::SourceChanged);
    }
    if old.zone() != new.zone() {
        out.push(Change::ZoneChanged {
            from: old.zone().name().to_owned(),
            to: new.zone().name().to_owned(),
        });
    }
    if old.window != new.window {
        out.push(Change::WindowChanged {
            from: old.window,
            to: new.window,
        });
    }
    if old.sponsors != new.sponsors || old.partners != new.partners {
        out.push(Change::SponsorsChanged);
    }
    if old.countries != new.countries || old.regions != new.regions {
        out.push(Change::PlacesChanged);
    }
    if old.audiences != new.audiences {
        out.push(Change::AudiencesChanged);
    }
    target_changes(&old.targets, &new.targets, &mut out);
    if old.budget != new.budget {
        out.push(Change::BudgetChanged);
    }
    if old.grant_call != new.grant_call {
        out.push(Change::GrantCallChanged);
    }
    if old.milestones != new.milestones {
        out.push(Change::MilestonesChanged);
    }
    if old.trainer_pool != new.trainer_pool {
        out.push(Change::TrainerPoolChanged {
            from: old.trainer_pool,
            to: new.trainer_pool,
        });
    }
    if old.eligibility != new.eligibility {
        out.push(Change::EligibilityChanged {
            from: old.eligibility.clone(),
            to: new.eligibility.clone(),
        });
    }
    if old.priority != new.priority {
        let names = |p: &Program| p.priority.iter().map(|t| t.name_it.clone()).collect();
        out.push(Change::PriorityChanged {
            from: names(old),
            to: names(new),
        });
    }
    if old.reminders() != new.reminders() {
        let hours = |p: &Program| {
            p.reminders()
                .offsets()
                .iter()
                .map(chrono::Duration::num_hours)
                .collect()
        };
        out.push(Change::RemindersChanged {
            from: hours(old),
            to: hours(new),
        });
    }
    if old.email_confirmation() != new.email_confirmation() {
        out.push(Change::ConfirmationChanged {
            from: old.email_confirmation(),
            to: new.email_confirmation(),
        });
    }
    if old.hold_minutes() != new.hold_minutes() {
        out.push(Change::HoldChanged {
            from: old.hold_minutes(),
            to: new.hold_minutes(),
        });
    }
    settings_changes(old.settings(), new.settings(), &mut out);
    hub_changes(&old.hubs, &new.hubs, &mut out);
    session_changes(&old.sessions, &new.sessions, &mut out);
    out
}

fn target_changes(old: &[Target], new: &[Target], out: &mut Vec<Change>) {
    let before: BTreeMap<&TargetId, &Target> = old.iter().map(|t| (&t.id, t)).collect();
    let after: BTreeMap<&TargetId, &Target> = new.iter().map(|t| (&t.id, t)).collect();
    for target in new {
        match before.get(&target.id) {
            None => out.push(Change::TargetAdded {
                id: target.id.clone(),
                label_it: target.label_it.clone(),
                label_en: target.label_en.clone(),
                goal: target.goal,
            }),
            Some(was) if *was != target => out.push(Change::TargetChanged {
                id: target.id.clone(),
                label_it: target.label_it.clone(),
                label_en: target.label_en.clone(),
                goal_from: was.goal,
                goal_to: target.goal,
            }),
            Some(_) => {}
        }
    }
    for target in old.iter().filter(|t| !after.contains_key(&t.id)) {
        out.push(Change::TargetRemoved {
            id: target.id.clone(),
            label_it: target.label_it.clone(),
            label_en: target.label_en.clone(),
        });
    }
}

fn hub_changes(old: &[Hub], new: &[Hub], out: &mut Vec<Change>) {
    let before: BTreeMap<&HubId, &Hub> = old.iter().map(|h| (&h.id, h)).collect();
    let after: BTreeMap<&HubId, &Hub> = new.iter().map(|h| (&h.id, h)).collect();
    for hub in new {
        let Some(was) = before.get(&hub.id) else {
            out.push(Change::HubAdded {
                id: hub.id.clone(),
                name: hub.name.clone(),
                address: hub.address.one_line(),
            });
            continue;
        };
        if was.name != hub.name {
            out.push(Change::HubRenamed {
                id: hub.id.clone(),
                from: was.name.clone(),
                to: hub.name.clone(),
            });
        }
        if was.address != hub.address {
            out.push(Change::HubMoved {
                id: hub.id.clone(),
                name: hub.name.clone(),
                from: was.address.one_line(),
                to: hub.address.one_line(),
            });
        }
        if was.zone != hub.zone {
            out.push(Change::HubZoneChanged {
                id: hub.id.clone(),
                name: hub.name.clone(),
                from: was.zone.name().to_owned(),
                to: hub.zone.name().to_owned(),
            });
        }
        if was.partner != hub.partner {
            out.push(Change::HubPartnerChanged {
                id: hub.id.clone(),
                name: hub.name.clone(),
                from: was.partner.clone(),
                to: hub.partner.clone(),
            });
        }
        if was.organisers != hub.organisers {
            out.push(Change::HubOrganisersChanged {
                id: hub.id.clone(),
                name: hub.name.clone(),
            });
        }
        room_changes(&hub.id, &was.rooms, &hub.rooms, out);
    }
    for hub in old.iter().filter(|h| !after.contains_key(&h.id)) {
        out.push(Change::HubRemoved {
            id: hub.id.clone(),
            name: hub.name.clone(),
        });
    }
}

/// The settings the changes above do not name: the default registration window, the languages
/// offered, the funder's line, whether the codice fiscale is asked.
fn settings_changes(old: &Settings, new: &Settings, out: &mut Vec<Change>) {
    if old.registration() != new.registration() {
        out.push(Change::SettingChanged {
            setting: Setting::RegistrationWindow,
        });
    }
    if old.languages() != new.languages() {
        out.push(Change::SettingChanged {
            setting: Setting::Languages,
        });
    }
    if old.funder_line() != new.funder_line() {
        out.push(Change::SettingChanged {
            setting: Setting::FunderLine,
        });
    }
    if old.codice_fiscale() != new.codice_fiscale() {
        out.push(Change::SettingChanged {
            setting: Setting::CodiceFiscale,
        });
    }
}

fn room_changes(hub: &HubId, old: &[Room], new: &[Room], out: &mut Vec<Change>) {
    let before: BTreeMap<&RoomId, &Room> = old.iter().map(|r| (&r.id, r)).collect();
    let after: BTreeMap<&RoomId, &Room> = new.iter().map(|r| (&r.id, r)).collect();
    for room in new {
        match before.get(&room.id) {
            None => out.push(Change::RoomAdded {
                hub: hub.clone(),
                room: room.id.clone(),
                name: room.name.clone(),
                capacity: room.capacity,
            }),
            Some(was) if *was != room => out.push(Change::RoomChanged {
                hub: hub.clone(),
                room: room.id.clone(),
                name: room.name.clone(),
                capacity_from: was.capacity,
                capacity_to: room.capacity,
            }),
            Some(_) => {}
        }
    }
    for room in old.iter().filter(|r| !after.contains_key(&r.id)) {
        out.push(Change::RoomRemoved {
            hub: hub.clone(),
            room: room.id.clone(),
            name: room.name.clone(),
        });
    }
}

fn session_changes(old: &[Session], new: &[Session], out: &mut Vec<Change>) {
    let before: BTreeMap<&SessionId, &Session> = old.iter().map(|s| (s.id(), s)).collect();
    let after: BTreeMap<&SessionId, &Session> = new.iter().map(|s| (s.id(), s)).collect();
    for session in new {
        match before.get(session.id()) {
            None => out.push(Change::SessionAdded {
                id: session.id().clone(),
                title: session.title().to_owned(),
                when: Sentence::new(
                    Lang::It.span(session.local_start(), session.local_end()),
                    Lang::En.span(session.local_start(), session.local_end()),
                ),
            }),
            Some(was) if *was != session => out.push(Change::SessionDiffers {
                id: session.id().clone(),
                title: session.title().to_owned(),
            }),
            Some(_) => {}
        }
    }
    for session in old.iter().filter(|s| !after.contains_key(s.id())) {
        out.push(Change::SessionDropped {
            id: session.id().clone(),
            title: session.title().to_owned(),
        });
    }
}

/// A short Italian summary of a version's changes, as a program's history lists it: the first
/// sentences, and how many more.
///
/// ```
/// use skillhub_core::revision::summary_it;
/// assert_eq!(summary_it(&[]), "Nessuna modifica.");
/// ```
pub fn summary_it(changes: &[Change]) -> String {
    const SHOWN: usize = 3;
    if changes.is_empty() {
        return "Nessuna modifica.".to_owned();
    }
    let mut text = changes
        .iter()
        .take(SHOWN)
        .map(|c| c.sentence().it)
        .collect::<Vec<_>>()
        .join(" ");
    match changes.len().saturating_sub(SHOWN) {
        0 => {}
        1 => text.push_str(" E un'altra modifica."),
        more => text.push_str(&format!(" E altre {more} modifiche.")),
    }
    text
}

#[cfg(test)]
mod tests;
