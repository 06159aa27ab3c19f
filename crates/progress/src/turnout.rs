//! Turnout of the sessions held ("affluenza"): who came, who did not, and who was left waiting,
//! per session, per hub and for the program.
//!
//! The store gives one [`SessionTurnout`] per session of the period (its registrations counted
//! by status); this module adds them up and derives:
//!
//! - **no-show rate** ("tasso di assenza") = no-shows ÷ (present + no-shows): of the people
//!   marked, the share who did not come; none when nobody was marked;
//! - **demand not met** ("domanda non soddisfatta") = the people still on the waiting list when
//!   the session took place: they asked for a seat and never had one;
//! - **seats unused** ("posti non usati") = seats − present: seats nobody sat in, whether
//!   nobody took them or whoever took them did not come.
//!
//! Only sessions held on or before the report's day count (a session of the period still ahead
//! has no turnout yet). Rates are in tenths of a percent, rounded to the nearest (half up), and
//! written with a decimal comma.

use chrono::NaiveDate;
use serde::Serialize;

use skillhub_core::ids::{HubId, SessionId};
use skillhub_core::program::Program;

use crate::breakdown::Period;

/// One session's registrations by status, as the store counts them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionTurnout {
    /// The session.
    pub session: SessionId,
    /// Its title.
    pub title: String,
    /// Its hub, if any (an online session may have none).
    pub hub: Option<HubId>,
    /// Its local date.
    pub date: NaiveDate,
    /// Seats, in person and online.
    pub seats: u64,
    /// Marked present ("presenti").
    pub attended: u64,
    /// Marked absent ("assenti").
    pub no_show: u64,
    /// A seat, not marked either way ("non registrati").
    pub unmarked: u64,
    /// Still on the waiting list ("in lista d'attesa").
    pub waiting: u64,
}

/// Counts added up over sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Sessions held.
    pub sessions: u64,
    /// Seats.
    pub seats: u64,
    /// Present.
    pub attended: u64,
    /// No-shows.
    pub no_show: u64,
    /// Seated but not marked.
    pub unmarked: u64,
    /// Left on the waiting list: demand not met.
    pub waiting: u64,
}

impl Tally {
    fn add(&mut self, row: &SessionTurnout) {
        self.sessions += 1;
        self.seats += row.seats;
        self.attended += row.attended;
        self.no_show += row.no_show;
        self.unmarked += row.unmarked;
        self.waiting += row.waiting;
    }

    /// No-shows ÷ (present + no-shows), in tenths of a percent; none when nobody was marked.
    ///
    /// ```
    /// use skillhub_progress::turnout::Tally;
    /// let t = Tally { attended: 7, no_show: 1, ..Tally::default() };
    /// assert_eq!(t.no_show_rate(), Some(125));
    /// assert_eq!(Tally::default().no_show_rate(), None);
    /// ```
    pub fn no_show_rate(&self) -> Option<u64> {
        rate(self.no_show, self.attended + self.no_show)
    }

    /// Seats − present.
    pub fn seats_unused(&self) -> u64 {
        self.seats.saturating_sub(self.attended)
    }
}

/// `part ÷ whole` in tenths of a percent, half up.
pub(crate) fn rate(part: u64, whole: u64) -> Option<u64> {
    (whole > 0).then(|| {
        let tenths = u128::from(part) * 2000 / u128::from(whole);
        u64::try_from(tenths.div_ceil(2)).unwrap_or(u64::MAX)
    })
}

/// Tenths of a percent in Italian: `12,5 %`.
pub fn percent_it(tenths: u64) -> String {
    format!("{},{} %", tenths / 10, tenths % 10)
}

/// One session held, with its counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionLine {
    /// The session's counts as the store gave them.
    #[serde(flatten)]
    pub row: SessionTurnout,
    /// The hub's name (or "online, senza hub").
    pub hub_label: String,
}

/// A hub's sessions added up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubLine {
    /// The hub; `None` for the sessions without one.
    pub hub: Option<HubId>,
    /// Its name.
    pub label: String,
    /// Its counts.
    pub tally: Tally,
}

/// The turnout of a period: sessions, hubs, the program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Turnout {
    /// Sessions held, by date then id.
    pub sessions: Vec<SessionLine>,
    /// Hubs, in the program's order (then hubs it does not name, then sessions without a hub);
    /// every hub of the program is listed, with no session if none was held.
    pub hubs: Vec<HubLine>,
    /// Everything added up.
    pub program: Tally,
}

/// The label of the sessions without a hub.
pub const NO_HUB: &str = "senza hub (online)";

/// Adds up the sessions of `period` held on or before `until` (see the module docs).
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_progress::breakdown::Period;
/// use skillhub_progress::turnout::{SessionTurnout, turnout};
/// let catalog = Catalog::seeds().unwrap();
/// let program = catalog.program("community-skill-hubs").unwrap();
/// let day = |m, d| NaiveDate::from_ymd_opt(2019, m, d).unwrap();
/// let row = |id: &str, d, attended, no_show, waiting| SessionTurnout {
///     session: id.parse().unwrap(), title: "Competenze digitali".into(), hub: None, date: d,
///     seats: 20, attended, no_show, unmarked: 0, waiting,
/// };
/// let rows = [row("a", day(3, 1), 15, 5, 3), row("b", day(3, 8), 18, 2, 0), row("c", day(9, 1), 0, 0, 0)];
/// let t = turnout(program, &rows, Period::new(day(1, 1), day(12, 31)).unwrap(), day(6, 30));
/// assert_eq!((t.program.sessions, t.program.waiting), (2, 3));
/// assert_eq!(t.program.no_show_rate(), Some(175));
/// ```
pub fn turnout(
    program: &Program,
    rows: &[SessionTurnout],
    period: Period,
    until: NaiveDate,
) -> Turnout {
    let mut held: Vec<&SessionTurnout> = rows
        .iter()
        .filter(|r| period.contains(r.date) && r.date <= until)
        .collect();
    held.sort_by(|a, b| (a.date, &a.session).cmp(&(b.date, &b.session)));
    let hub_label = |hub: Option<&HubId>| match hub {
        None => NO_HUB.to_owned(),
        Some(id) => program
            .hub(id)
            .map_or_else(|| id.to_string(), |h| h.name.clone()),
    };
    let mut hubs: Vec<HubLine> = program
        .hubs()
        .iter()
        .map(|h| HubLine {
            hub: Some(h.id.clone()),
            label: h.name.clone(),
            tally: Tally::default(),
        })
        .collect();
    let mut total = Tally::default();
    for row in &held {
        total.add(row);
        let at = hubs.iter().position(|h| h.hub == row.hub);
        let at = at.unwrap_or_else(|| {
            hubs.push(HubLine {
                hub: row.hub.clone(),
                label: hub_label(row.hub.as_ref()),
                tally: Tally::default(),
            });
            hubs.len() - 1
        });
        hubs[at].tally.add(row);
    }
    // Hubs the program does not name after its own, sorted; sessions without a hub last.
    let named = program.hubs().len();
    hubs[named..].sort_by(|a, b| match (&a.hub, &b.hub) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    });
    Turnout {
        sessions: held
            .into_iter()
            .map(|row| SessionLine {
                hub_label: hub_label(row.hub.as_ref()),
                row: row.clone(),
            })
            .collect(),
        hubs,
        program: total,
    }
}
