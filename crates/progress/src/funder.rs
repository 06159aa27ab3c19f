//! The funder's period report ("relazione per il finanziatore"): for a period, each target's
//! progress at the period's end with its pace and what was reached within the period, the
//! breakdowns of the people (or other unit) of the period, the turnout of the sessions held
//! (no-shows and demand not met, per hub and, for staff, per session), and which numbers are
//! assumptions.
//!
//! It is made on a given day ([`FunderRequest::generated`]: a parameter, the crate has no clock)
//! and for an [`Audience`]: **public** (small cells suppressed everywhere, by
//! [`crate::suppress`]: every count of 1 to 4, a table's complementary cells, the rates and
//! derived figures of a row whose counts are not all shown; no list of sessions) or **staff**
//! (exact counts; the report says it is not to be published). The output is Italian text
//! ([`FunderReport::text_it`]), an XLSX workbook ([`FunderReport::xlsx`]) and JSON (serde).
//!
//! Counts within the period are the same counting as [`crate::progress`] (each key once per
//! target, nested filters) over the facts of the period only; the targets' totals and pace are
//! `progress` on the period's last day (or the day of the report, if earlier). The breakdowns
//! count the same days (none before the program's start, none after `as_of`), so a breakdown of
//! people adds up to what a people target without filters reached in the period.
//!
//! What the public version does not guard against: suppression protects each table on its own
//! (a breakdown against its total, a column of the hubs' turnout against the program's). Two
//! tables that overlap can still be set against each other: a target counting in-person people
//! reached in the period is the breakdown's "in presenza" plus "entrambi", so a suppressed
//! "entrambi" can be worked out when that target's count is shown. Publishing a report with
//! such targets calls for judgment; the staff version says it is not for publication.

use chrono::NaiveDate;
use serde::Serialize;
use std::fmt::Write as _;

use skillhub_core::ids::{HubId, ProgramId, TargetId};
use skillhub_core::italian;
use skillhub_core::program::{Program, Unit};

use crate::breakdown::{Breakdown, Dimension, Period, breakdowns};
use crate::suppress::{Count, Protected, protect};
use crate::turnout::{SessionLine, SessionTurnout, Tally, percent_it, rate, turnout};
use crate::{Attendance, done_per_target, progress};

mod xlsx;

pub use xlsx::WriteError;

/// Who the report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// Anyone: small cells suppressed.
    Public,
    /// The program's staff and the funder's officer: exact counts, not to be published.
    Staff,
}

impl Audience {
    /// How the report names itself.
    pub fn label_it(self) -> &'static str {
        match self {
            Audience::Public => "versione pubblica: i numeri da 1 a 4 sono nascosti",
            Audience::Staff => "versione riservata: numeri esatti, da non pubblicare",
        }
    }
}

/// What a report is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunderRequest {
    /// The days it covers.
    pub period: Period,
    /// The day it is made: counts stop here when the period ends later.
    pub generated: NaiveDate,
    /// Public or staff.
    pub audience: Audience,
    /// What the breakdowns count (people, by default).
    pub unit: Unit,
}

/// One target in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunderTarget {
    /// Its id.
    pub id: TargetId,
    /// Its Italian label.
    pub label_it: String,
    /// 0 for a top target, 1 for its children …
    pub depth: u32,
    /// What it counts.
    pub unit: Unit,
    /// The goal.
    pub goal: u64,
    /// Why the goal is an estimate ("obiettivo stimato"), when it is one.
    pub assumption: Option<String>,
    /// Reached within the period.
    pub in_period: Count,
    /// Reached from the program's start to the period's end.
    pub reached: Count,
    /// `reached ÷ goal` in tenths of a percent (rounded down); none when `reached` is not shown.
    pub percent: Option<u64>,
    /// The deadline.
    pub deadline: Option<NaiveDate>,
    /// Where a steady pace from the start would be at the period's end.
    pub expected: Option<u64>,
    /// The count at the deadline at the current pace; none when `reached` is not shown.
    pub projected: Option<u64>,
    /// Whether that reaches the goal.
    pub on_track: Option<bool>,
    /// The day the goal is reached at that pace; none when `reached` is not shown.
    pub reaches_goal_on: Option<NaiveDate>,
}

/// One row of a breakdown as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownCell {
    /// The value as data; `None` for "non dichiarato".
    pub value: Option<String>,
    /// The value in Italian.
    pub label_it: String,
    /// The count as shown.
    pub count: Count,
}

/// A breakdown as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownBreakdown {
    /// What it splits by.
    pub dimension: Dimension,
    /// Its rows.
    pub cells: Vec<ShownCell>,
    /// The total as shown.
    pub total: Count,
    /// Whether no cell could be shown (every cell `riservato`).
    pub withheld: bool,
}

/// A hub's (or the program's) turnout as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownTally {
    /// The hub; `None` for the program's row and the sessions without a hub.
    pub hub: Option<HubId>,
    /// Its name.
    pub label: String,
    /// Sessions held.
    pub sessions: u64,
    /// Seats.
    pub seats: u64,
    /// Present.
    pub attended: Count,
    /// No-shows.
    pub no_show: Count,
    /// Seated but not marked.
    pub unmarked: Count,
    /// Left waiting: demand not met.
    pub waiting: Count,
    /// No-shows ÷ marked, tenths of a percent; none when nobody was marked or a count is not shown.
    pub no_show_rate: Option<u64>,
    /// Seats − present; none when `attended` is not shown.
    pub seats_unused: Option<u64>,
}

/// The turnout as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShownTurnout {
    /// Every session held (staff only: empty in a public report).
    pub sessions: Vec<SessionLine>,
    /// Per hub.
    pub hubs: Vec<ShownTally>,
    /// The program.
    pub program: ShownTally,
}

/// The report (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunderReport {
    /// The program.
    pub program: ProgramId,
    /// Its name.
    pub name: String,
    /// Who funds it (the program's sponsors).
    pub sponsors: Vec<String>,
    /// The days covered.
    pub period: Period,
    /// The last day counted: the period's end, or the day of the report if earlier.
    pub as_of: NaiveDate,
    /// The day the report was made.
    pub generated: NaiveDate,
    /// Public or staff.
    pub audience: Audience,
    /// What the breakdowns count.
    pub unit: Unit,
    /// The targets, each parent followed by its children.
    pub targets: Vec<FunderTarget>,
    /// The breakdowns, in [`Dimension::ALL`]'s order.
    pub breakdowns: Vec<ShownBreakdown>,
    /// The turnout of the sessions held.
    pub turnout: ShownTurnout,
    /// What the program's definition assumes beyond its sources.
    pub assumptions: Vec<String>,
    /// How to read the numbers: how they are counted, and what `<5`, `n.d.` and `riservato` mean.
    pub notes: Vec<String>,
}

impl FunderReport {
    /// Builds the report of `program` from its attendance `facts` and the turnout `sessions`
    /// (see the module docs).
    pub fn build(
        program: &Program,
        facts: &[Attendance],
        sessions: &[SessionTurnout],
        request: FunderRequest,
    ) -> FunderReport {
        let period = request.period;
        let as_of = period.to().min(request.generated);
        let public = request.audience == Audience::Public;
        let shown = |n: u64| {
            if public {
                Count::public(n)
            } else {
                Count::Exact(n)
            }
        };
        let overall = progress(program, facts, as_of);
        let start = program.window().from;
        let within: Vec<&Attendance> = facts
            .iter()
            .filter(|f| period.contains(f.date) && f.date <= as_of && start <= f.date)
            .collect();
        let in_period = done_per_target(program, &within);
        let targets = overall
            .targets
            .iter()
            .zip(in_period)
            .map(|(t, within)| {
                let reached = shown(t.done);
                let exact = reached.is_exact();
                FunderTarget {
                    id: t.id.clone(),
                    label_it: t.label_it.clone(),
                    depth: t.depth,
                    unit: t.unit,
                    goal: t.goal,
                    assumption: t.assumption.clone(),
                    in_period: shown(within),
                    reached,
                    percent: exact.then_some(t.percent),
                    deadline: t.deadline,
                    expected: t.expected,
                    projected: t.projected.filter(|_| exact),
                    on_track: t.on_track,
                    reaches_goal_on: t.reaches_goal_on.filter(|_| exact),
                }
            })
            .collect();
        // The breakdowns count the days the targets count within the period: from the later of
        // the period's and the program's start to `as_of` (none when that is empty).
        let counted = Period::new(period.from().max(start), as_of);
        let breakdowns = match counted {
            Ok(days) => breakdowns(program, facts, request.unit, days),
            Err(_) => breakdowns(program, &[], request.unit, period),
        }
        .iter()
        .map(|b| show_breakdown(b, public))
        .collect();
        let turnout = show_turnout(turnout(program, sessions, period, as_of), public);
        FunderReport {
            program: program.id().clone(),
            name: program.name().to_owned(),
            sponsors: program.sponsors().to_vec(),
            period,
            as_of,
            generated: request.generated,
            audience: request.audience,
            unit: request.unit,
            targets,
            breakdowns,
            turnout,
            assumptions: program.assumptions().to_vec(),
            notes: notes(request.unit, request.audience),
        }
    }

    /// The targets whose goal is an estimate, with why.
    pub fn estimated(&self) -> impl Iterator<Item = (&str, &str)> {
        self.targets.iter().filter_map(|t| {
            t.assumption
                .as_deref()
                .map(|why| (t.label_it.as_str(), why))
        })
    }

    /// The report as Italian text (see the module docs).
    pub fn text_it(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Relazione per il finanziatore: {}", self.name);
        if !self.sponsors.is_empty() {
            let _ = writeln!(out, "Finanziato da: {}", self.sponsors.join(", "));
        }
        let _ = writeln!(
            out,
            "Periodo: {}; conteggi al {}; redatta il {}.",
            self.period.text_it(),
            italian::short_date(self.as_of),
            italian::short_date(self.generated)
        );
        let _ = writeln!(out, "{}.", capitalised(self.audience.label_it()));
        let _ = writeln!(out);
        let _ = writeln!(out, "Obiettivi");
        for t in &self.targets {
            let indent = "  ".repeat(t.depth as usize);
            let _ = write!(
                out,
                "{indent}- {}{}: {} nel periodo; {} su {} dall'avvio",
                t.label_it,
                if t.assumption.is_some() {
                    " (obiettivo stimato)"
                } else {
                    ""
                },
                t.in_period.text_it(),
                t.reached.text_it(),
                italian::thousands(t.goal),
            );
            if let Some(p) = t.percent {
                let _ = write!(out, " ({})", percent_it(p));
            }
            if let Some(deadline) = t.deadline {
                let _ = write!(out, "; scadenza {}", italian::short_date(deadline));
            }
            if let Some(expected) = t.expected {
                let _ = write!(
                    out,
                    "; a ritmo costante sarebbero {}",
                    italian::thousands(expected)
                );
            }
            match (t.projected, t.on_track) {
                (Some(p), Some(ok)) => {
                    let _ = write!(
                        out,
                        "; al ritmo attuale {} alla scadenza: {}",
                        italian::thousands(p),
                        if ok { "in linea" } else { "in ritardo" }
                    );
                }
                (None, Some(ok)) => {
                    let _ = write!(out, "; {}", if ok { "in linea" } else { "in ritardo" });
                }
                _ => {}
            }
            if let Some(day) = t.reaches_goal_on {
                let _ = write!(
                    out,
                    "; a questo ritmo l'obiettivo arriva il {}",
                    italian::short_date(day)
                );
            }
            let _ = writeln!(out, ".");
        }
        let _ = writeln!(out);
        let total = self.breakdowns.first().map_or(Count::Exact(0), |b| b.total);
        let _ = writeln!(
            out,
            "Ripartizioni, conteggio: {}; totale del periodo: {}.",
            self.unit.counting_it(),
            total.text_it()
        );
        for b in &self.breakdowns {
            if b.withheld {
                let _ = writeln!(
                    out,
                    "- {}: non pubblicata (anche nascondendo ogni cella, un numero piccolo si potrebbe ricavare).",
                    b.dimension.label_it()
                );
                continue;
            }
            let cells: Vec<String> = b
                .cells
                .iter()
                .map(|c| format!("{} {}", c.label_it, c.count.text_it()))
                .collect();
            let _ = writeln!(out, "- {}: {}.", b.dimension.label_it(), cells.join("; "));
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Presenze, assenze e domanda non soddisfatta per hub");
        for hub in &self.turnout.hubs {
            let _ = writeln!(out, "- {}", tally_text(hub));
        }
        let _ = writeln!(out, "- {}", tally_text(&self.turnout.program));
        if !self.turnout.sessions.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Incontri svolti");
            for s in &self.turnout.sessions {
                let r = &s.row;
                let tally = Tally {
                    sessions: 1,
                    seats: r.seats,
                    attended: r.attended,
                    no_show: r.no_show,
                    unmarked: r.unmarked,
                    waiting: r.waiting,
                };
                let _ = writeln!(
                    out,
                    "- {} {} ({}, {}): {} posti, {} presenti, {} assenti{}, {} non registrati, {} rimasti in lista d'attesa, {} posti non usati.",
                    italian::short_date(r.date),
                    r.title,
                    r.session,
                    s.hub_label,
                    italian::thousands(r.seats),
                    italian::thousands(r.attended),
                    italian::thousands(r.no_show),
                    tally
                        .no_show_rate()
                        .map(|p| format!(" ({})", percent_it(p)))
                        .unwrap_or_default(),
                    italian::thousands(r.unmarked),
                    italian::thousands(r.waiting),
                    italian::thousands(tally.seats_unused()),
                );
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Ipotesi e note");
        for (label, why) in self.estimated() {
            let _ = writeln!(out, "- Obiettivo stimato, {label}: {why}");
        }
        for note in &self.assumptions {
            let _ = writeln!(out, "- Ipotesi: {note}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }
}

/// A hub's line of the text.
fn tally_text(t: &ShownTally) -> String {
    let sessions = match t.sessions {
        1 => "1 incontro".to_owned(),
        n => format!("{} incontri", italian::thousands(n)),
    };
    format!(
        "{}: {sessions}, {} posti, {} presenti, {} assenti{}, {} non registrati, {} rimasti in lista d'attesa{}.",
        t.label,
        italian::thousands(t.seats),
        t.attended.text_it(),
        t.no_show.text_it(),
        t.no_show_rate
            .map(|p| format!(" (tasso di assenza {})", percent_it(p)))
            .unwrap_or_default(),
        t.unmarked.text_it(),
        t.waiting.text_it(),
        t.seats_unused
            .map(|n| format!(", {} posti non usati", italian::thousands(n)))
            .unwrap_or_default(),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// A breakdown as its audience sees it.
fn show_breakdown(b: &Breakdown, public: bool) -> ShownBreakdown {
    let counts = b.counts();
    let protected = if public {
        protect(&counts)
    } else {
        Protected::exact(&counts)
    };
    ShownBreakdown {
        dimension: b.dimension,
        cells: b
            .cells
            .iter()
            .enumerate()
            .map(|(i, c)| ShownCell {
                value: c.value.clone(),
                label_it: c.label_it.clone(),
                count: protected.cell(i).unwrap_or(Count::Withheld),
            })
            .collect(),
        total: protected.total(),
        withheld: matches!(protected, Protected::Withheld { .. }),
    }
}

/// The turnout as its audience sees it: in public, each count column protected across the
/// hubs (its total the program's), no sessions listed.
fn show_turnout(t: crate::turnout::Turnout, public: bool) -> ShownTurnout {
    let column = |read: fn(&Tally) -> u64| -> Protected {
        let cells: Vec<u64> = t.hubs.iter().map(|h| read(&h.tally)).collect();
        if public {
            protect(&cells)
        } else {
            Protected::exact(&cells)
        }
    };
    let attended = column(|t| t.attended);
    let no_show = column(|t| t.no_show);
    let unmarked = column(|t| t.unmarked);
    let waiting = column(|t| t.waiting);
    let line =
        |hub: Option<HubId>, label: String, tally: &Tally, cell: &dyn Fn(&Protected) -> Count| {
            let (attended, no_show) = (cell(&attended), cell(&no_show));
            ShownTally {
                hub,
                label,
                sessions: tally.sessions,
                seats: tally.seats,
                attended,
                no_show,
                unmarked: cell(&unmarked),
                waiting: cell(&waiting),
                no_show_rate: match (attended, no_show) {
                    (Count::Exact(a), Count::Exact(n)) => rate(n, a + n),
                    _ => None,
                },
                seats_unused: attended.exact().map(|a| tally.seats.saturating_sub(a)),
            }
        };
    let hubs = t
        .hubs
        .iter()
        .enumerate()
        .map(|(i, h)| {
            line(
                h.hub.clone(),
                h.label.clone(),
                &h.tally,
                &|p: &Protected| p.cell(i).unwrap_or(Count::Withheld),
            )
        })
        .collect();
    let program = line(None, "Totale".to_owned(), &t.program, &|p: &Protected| {
        p.total()
    });
    ShownTurnout {
        sessions: if public { Vec::new() } else { t.sessions },
        hubs,
        program,
    }
}

/// How to read the numbers.
fn notes(unit: Unit, audience: Audience) -> Vec<String> {
    let mut notes = vec![
        "Ogni obiettivo conta ogni persona od organizzazione una volta sola; «nel periodo» conta chi ha almeno una presenza nel periodo, «dall'avvio» chi ne ha una dall'avvio del programma alla fine del periodo.".to_owned(),
        "Il ritmo è lineare dall'avvio del programma: «a ritmo costante» è dove si sarebbe arrivati con un ritmo uniforme fino alla scadenza, «al ritmo attuale» dove si arriva alla scadenza al ritmo tenuto finora.".to_owned(),
        format!(
            "Le ripartizioni contano {} una volta ciascuna: ogni voce è letta dalla sua prima presenza nel periodo (la modalità da tutte: in presenza, online o entrambe), così le righe di ogni ripartizione sommano al totale; «non dichiarato» è chi non ha indicato il dato.",
            unit.counting_it()
        ),
        "Tasso di assenza = assenti ÷ (presenti + assenti); domanda non soddisfatta = persone ancora in lista d'attesa quando l'incontro si è svolto; posti non usati = posti − presenti; «non registrati» sono i posti assegnati senza presenza né assenza segnata.".to_owned(),
    ];
    match audience {
        Audience::Public => {
            notes.push("«<5»: da 1 a 4, nascosto per non rendere riconoscibili le persone; 0 è mostrato com'è.".to_owned());
            notes.push("«n.d.» (non divulgato): 5 o più, nascosto perché insieme al totale e alle altre celle permetterebbe di ricavare una cella «<5».".to_owned());
            notes.push("«riservato»: una tabella in cui anche nascondendo ogni cella si ricaverebbe un numero piccolo; se ne mostra solo il totale. Tassi e posti non usati sono mostrati solo quando i numeri da cui derivano sono visibili.".to_owned());
        }
        Audience::Staff => {
            notes.push("Versione riservata: tutti i numeri sono esatti, anche quelli da 1 a 4; per una pubblicazione usare la versione pubblica.".to_owned());
        }
    }
    notes
}

#[cfg(test)]
mod tests;
