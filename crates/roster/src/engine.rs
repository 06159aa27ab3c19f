//! The rostering engine on dense integers: sessions and trainers numbered, times in seconds,
//! eligibility precomputed as bit sets, loads in flat arrays. The public types of
//! [`super`] are translated to an [`Index`] once; every phase works on a [`State`].
//!
//! Phases (see the parent module for what each guarantees): [`State::greedy`],
//! [`State::repair`] (Kuhn-style augmenting chains), [`State::balance`], [`State::prefer_home`],
//! and [`exact`] (branch and bound) for small instances.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::Datelike;

use super::session::Place;
use super::trainer::Trainer;
use super::{RosterSession, Rules};

/// The hub number of online sessions.
pub(super) const ONLINE: u32 = u32::MAX;

/// The instance on dense integers. Sessions are numbered in start order.
#[derive(Debug)]
pub(super) struct Index {
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    pub hub: Vec<u32>,
    pub week: Vec<u32>,
    pub month: Vec<u32>,
    pub day: Vec<u32>,
    pub need: Vec<u8>,
    /// Per session, the trainers who may teach it (skill, place, availability, limits above 0,
    /// not excluded), ascending.
    pub eligible: Vec<Vec<u32>>,
    bits: Vec<u64>,
    words: usize,
    /// Per trainer, the hub number of their own Municipio (`ONLINE` if it has no session).
    pub home: Vec<u32>,
    pub week_cap: Vec<u16>,
    pub month_cap: Vec<u16>,
    pub weeks: usize,
    pub months: usize,
    /// How far back a session that overlaps a later one can start: longest session + buffer.
    reach_back: i64,
    pub buffer: i64,
}

/// Whether a trainer may ever teach a session, before any other assignment.
pub(super) fn statically_eligible(trainer: &Trainer, session: &RosterSession) -> bool {
    trainer.teaches(session.competences(), session.level())
        && trainer.reaches(session.place())
        && trainer.available(session.local_start(), session.local_end())
        && trainer.max_per_week() > 0
        && trainer.max_per_month() > 0
}

fn dense<K: Ord + Copy>(keys: impl Iterator<Item = K>) -> (Vec<u32>, usize) {
    let keys: Vec<K> = keys.collect();
    let mut map = BTreeMap::new();
    for &k in &keys {
        let next = u32::try_from(map.len()).unwrap_or(u32::MAX);
        map.entry(k).or_insert(next);
    }
    let out = keys.iter().map(|k| map[k]).collect();
    (out, map.len())
}

impl Index {
    /// Numbers everything. `sessions` must be in start order; `excluded` holds (trainer,
    /// session) pairs that may not be assigned.
    pub fn new(
        trainers: &[Trainer],
        sessions: &[RosterSession],
        rules: &Rules,
        excluded: &[(u32, u32)],
    ) -> Index {
        let mut hubs = BTreeMap::new();
        for session in sessions {
            if let Place::Hub(hub) = session.place() {
                let next = u32::try_from(hubs.len()).unwrap_or(u32::MAX);
                hubs.entry(hub.clone()).or_insert(next);
            }
        }
        let hub = sessions
            .iter()
            .map(|s| s.place().hub().map_or(ONLINE, |h| hubs[h]))
            .collect();
        let home = trainers
            .iter()
            .map(|t| hubs.get(t.home()).copied().unwrap_or(ONLINE))
            .collect();
        let (week, weeks) = dense(sessions.iter().map(|s| {
            let w = s.local_start().date().iso_week();
            (w.year(), w.week())
        }));
        let (month, months) = dense(
            sessions
                .iter()
                .map(|s| (s.local_start().year(), s.local_start().month())),
        );
        let (day, _) = dense(sessions.iter().map(|s| s.local_start().date()));
        let start: Vec<i64> = sessions.iter().map(|s| s.starts_at().timestamp()).collect();
        let end: Vec<i64> = sessions.iter().map(|s| s.ends_at().timestamp()).collect();
        let longest = start
            .iter()
            .zip(&end)
            .map(|(a, b)| b - a)
            .max()
            .unwrap_or(0);
        let buffer = i64::from(rules.travel_minutes) * 60;
        let words = trainers.len().div_ceil(64).max(1);
        let mut bits = vec![0u64; sessions.len() * words];
        let mut eligible = Vec::with_capacity(sessions.len());
        for (s, session) in sessions.iter().enumerate() {
            let mut list = Vec::new();
            for (t, trainer) in trainers.iter().enumerate() {
                let pair = (t as u32, s as u32);
                if statically_eligible(trainer, session) && !excluded.contains(&pair) {
                    list.push(t as u32);
                    bits[s * words + t / 64] |= 1 << (t % 64);
                }
            }
            eligible.push(list);
        }
        Index {
            start,
            end,
            hub,
            week,
            month,
            day,
            need: sessions.iter().map(|s| s.trainers_needed()).collect(),
            eligible,
            bits,
            words,
            home,
            week_cap: trainers.iter().map(Trainer::max_per_week).collect(),
            month_cap: trainers.iter().map(Trainer::max_per_month).collect(),
            weeks,
            months,
            reach_back: longest + buffer,
            buffer,
        }
    }

    pub fn sessions(&self) -> usize {
        self.start.len()
    }

    pub fn trainers(&self) -> usize {
        self.home.len()
    }

    pub fn is_eligible(&self, t: u32, s: u32) -> bool {
        let (t, s) = (t as usize, s as usize);
        self.bits[s * self.words + t / 64] & (1 << (t % 64)) != 0
    }

    /// Whether two sessions are too close for one trainer: they overlap, or both are in person
    /// at different hubs with less than the travel buffer between them.
    pub fn clash(&self, a: u32, b: u32) -> bool {
        let (a, b) = (a as usize, b as usize);
        let travel = self.hub[a] != ONLINE && self.hub[b] != ONLINE && self.hub[a] != self.hub[b];
        let gap = if travel { self.buffer } else { 0 };
        self.start[a] < self.end[b] + gap && self.start[b] < self.end[a] + gap
    }

    /// In person at a hub other than the trainer's own.
    pub fn away(&self, t: u32, s: u32) -> bool {
        let hub = self.hub[s as usize];
        hub != ONLINE && hub != self.home[t as usize]
    }

    /// Sessions in the order the greedy fills them: least slack (eligible − needed) first.
    pub fn scarcity_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.sessions() as u32).collect();
        order.sort_by_key(|&s| {
            let s = s as usize;
            (self.eligible[s].len() as i64 - i64::from(self.need[s]), s)
        });
        order
    }
}

/// Why an eligible trainer is not free for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Busy {
    /// In a session that overlaps (travel included).
    Overlap,
    /// At their weekly limit.
    Week,
    /// At their monthly limit.
    Month,
}

/// How [`State::augment`] marks trainers it has tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Marking {
    /// Once per search, as Kuhn's algorithm does: polynomial, may miss chains.
    Global,
    /// Along the current chain only: exhaustive up to the depth.
    PathLocal,
}

/// Assignments and loads.
#[derive(Debug, Clone)]
pub(super) struct State<'a> {
    pub ix: &'a Index,
    pub by_session: Vec<Vec<u32>>,
    pub by_trainer: Vec<Vec<u32>>,
    week_load: Vec<u16>,
    month_load: Vec<u16>,
    pub load: Vec<u32>,
    /// The trainer who ends a chain (gains a session) must have a load below this.
    final_limit: u32,
    /// Calls of [`State::augment`] left before it gives up (exhaustive searches only).
    budget: u64,
}

impl<'a> State<'a> {
    pub fn new(ix: &'a Index) -> Self {
        let (t, s) = (ix.trainers(), ix.sessions());
        State {
            ix,
            by_session: vec![Vec::new(); s],
            by_trainer: vec![Vec::new(); t],
            week_load: vec![0; t * ix.weeks],
            month_load: vec![0; t * ix.months],
            load: vec![0; t],
            final_limit: u32::MAX,
            budget: u64::MAX,
        }
    }

    fn week_slot(&self, t: u32, s: u32) -> usize {
        t as usize * self.ix.weeks + self.ix.week[s as usize] as usize
    }

    fn month_slot(&self, t: u32, s: u32) -> usize {
        t as usize * self.ix.months + self.ix.month[s as usize] as usize
    }

    pub fn assign(&mut self, t: u32, s: u32) {
        self.by_session[s as usize].push(t);
        let list = &mut self.by_trainer[t as usize];
        let at = list.partition_point(|&x| x < s);
        list.insert(at, s);
        let (w, m) = (self.week_slot(t, s), self.month_slot(t, s));
        self.week_load[w] += 1;
        self.month_load[m] += 1;
        self.load[t as usize] += 1;
    }

    pub fn unassign(&mut self, t: u32, s: u32) {
        self.by_session[s as usize].retain(|&x| x != t);
        self.by_trainer[t as usize].retain(|&x| x != s);
        let (w, m) = (self.week_slot(t, s), self.month_slot(t, s));
        self.week_load[w] -= 1;
        self.month_load[m] -= 1;
        self.load[t as usize] -= 1;
    }

    pub fn deficit(&self, s: u32) -> usize {
        usize::from(self.ix.need[s as usize]).saturating_sub(self.by_session[s as usize].len())
    }

    pub fn filled(&self) -> usize {
        self.by_session.iter().map(Vec::len).sum()
    }

    pub fn max_load(&self) -> u32 {
        self.load.iter().copied().max().unwrap_or(0)
    }

    pub fn away_count(&self) -> u32 {
        let mut away = 0;
        for (s, trainers) in self.by_session.iter().enumerate() {
            away += trainers
                .iter()
                .filter(|&&t| self.ix.away(t, s as u32))
                .count() as u32;
        }
        away
    }

    /// The sessions of `t` that clash with `s`, appended to `out`.
    fn clashes_into(&self, t: u32, s: u32, out: &mut Vec<u32>) {
        let ix = self.ix;
        let list = &self.by_trainer[t as usize];
        let at = list.partition_point(|&x| x < s);
        let first = ix.start[s as usize] - ix.reach_back;
        for &x in list[..at].iter().rev() {
            if ix.start[x as usize] < first {
                break;
            }
            if ix.clash(x, s) {
                out.push(x);
            }
        }
        let last = ix.end[s as usize] + ix.buffer;
        for &x in &list[at..] {
            if ix.start[x as usize] >= last {
                break;
            }
            if x != s && ix.clash(x, s) {
                out.push(x);
            }
        }
    }

    fn clashes(&self, t: u32, s: u32) -> bool {
        let mut out = Vec::new();
        self.clashes_into(t, s, &mut out);
        !out.is_empty()
    }

    /// Why `t` cannot take `s` now, if it is eligible and not already in it.
    pub fn busy(&self, t: u32, s: u32) -> Option<Busy> {
        if self.clashes(t, s) {
            Some(Busy::Overlap)
        } else if self.week_load[self.week_slot(t, s)] >= self.ix.week_cap[t as usize] {
            Some(Busy::Week)
        } else if self.month_load[self.month_slot(t, s)] >= self.ix.month_cap[t as usize] {
            Some(Busy::Month)
        } else {
            None
        }
    }

    /// Whether `t` may be added to `s` as things stand.
    pub fn can_take(&self, t: u32, s: u32) -> bool {
        self.ix.is_eligible(t, s)
            && !self.by_session[s as usize].contains(&t)
            && self.busy(t, s).is_none()
    }

    /// Eligible trainers not in `s`, least loaded first, then those at home, then by number.
    fn candidates(&self, s: u32) -> Vec<u32> {
        let mut list: Vec<u32> = self.ix.eligible[s as usize]
            .iter()
            .copied()
            .filter(|t| !self.by_session[s as usize].contains(t))
            .collect();
        list.sort_by_key(|&t| (self.load[t as usize], self.ix.away(t, s), t));
        list
    }

    /// Fills `s` with free trainers, best first, as far as it goes.
    pub fn fill_direct(&mut self, s: u32) {
        while self.deficit(s) > 0 {
            let Some(t) = self
                .candidates(s)
                .into_iter()
                .find(|&t| self.can_take(t, s))
            else {
                break;
            };
            self.assign(t, s);
        }
    }

    /// Greedy construction: sessions by scarcity, each filled with the least loaded free
    /// trainers (home first on equal load).
    pub fn greedy(&mut self) {
        for s in self.ix.scarcity_order() {
            self.fill_direct(s);
        }
    }

    /// The sessions `t` could give up, one of them, to be able to take `s`.
    fn blockers(&mut self, t: u32, s: u32) -> Vec<u32> {
        let mut options = Vec::new();
        self.clashes_into(t, s, &mut options);
        if self.week_load[self.week_slot(t, s)] >= self.ix.week_cap[t as usize] {
            let week = self.ix.week[s as usize];
            options.extend(
                self.by_trainer[t as usize]
                    .iter()
                    .filter(|&&x| self.ix.week[x as usize] == week),
            );
        }
        if self.month_load[self.month_slot(t, s)] >= self.ix.month_cap[t as usize] {
            let month = self.ix.month[s as usize];
            options.extend(
                self.by_trainer[t as usize]
                    .iter()
                    .filter(|&&x| self.ix.month[x as usize] == month),
            );
        }
        options.sort_unstable();
        options.dedup();
        options.retain(|&b| {
            self.unassign(t, b);
            let ok = self.busy(t, s).is_none();
            self.assign(t, b);
            ok
        });
        options
    }

    /// Adds one trainer to `s`, directly or through a chain of at most `depth` moves: a trainer
    /// gives up one session to take `s`, and that session is filled the same way. Every session
    /// keeps its trainers count except `s`, which gains one. Trainers marked in `tried` are not
    /// used (see [`Marking`]).
    pub fn augment(&mut self, s: u32, depth: u32, tried: &mut [bool], marking: Marking) -> bool {
        if self.budget == 0 {
            return false;
        }
        self.budget -= 1;
        let candidates: Vec<u32> = self
            .candidates(s)
            .into_iter()
            .filter(|&t| !tried[t as usize])
            .collect();
        let limit = self.final_limit;
        if let Some(&t) = candidates
            .iter()
            .find(|&&t| self.load[t as usize] < limit && self.busy(t, s).is_none())
        {
            self.assign(t, s);
            return true;
        }
        if depth == 0 {
            return false;
        }
        for t in candidates {
            if tried[t as usize] {
                continue;
            }
            tried[t as usize] = true;
            for b in self.blockers(t, s) {
                self.unassign(t, b);
                self.assign(t, s);
                if self.augment(b, depth - 1, tried, marking) {
                    return true;
                }
                self.unassign(t, s);
                self.assign(t, b);
            }
            if marking == Marking::PathLocal {
                tried[t as usize] = false;
            }
        }
        false
    }

    /// Augments every session short of trainers until no chain of at most `depth` moves helps.
    pub fn repair(&mut self, depth: u32) {
        let order = self.ix.scarcity_order();
        let mut tried = vec![false; self.ix.trainers()];
        loop {
            let mut improved = false;
            for &s in &order {
                while self.deficit(s) > 0 {
                    tried.fill(false);
                    if !self.augment(s, depth, &mut tried, Marking::Global) {
                        break;
                    }
                    improved = true;
                }
            }
            if !improved {
                return;
            }
        }
    }

    /// Limits the steps of the next [`State::augment`] calls (`u64::MAX`: no limit).
    pub fn set_budget(&mut self, budget: u64) {
        self.budget = budget;
    }

    /// Like [`State::repair`] with chains searched exhaustively (each trainer at most once per
    /// chain), within `budget` search steps per empty slot.
    pub fn repair_exhaustive(&mut self, depth: u32, budget: u64) {
        let order = self.ix.scarcity_order();
        let mut tried = vec![false; self.ix.trainers()];
        for &s in &order {
            while self.deficit(s) > 0 {
                tried.fill(false);
                self.budget = budget;
                let found = self.augment(s, depth, &mut tried, Marking::PathLocal);
                self.budget = u64::MAX;
                if !found {
                    break;
                }
            }
        }
    }

    /// Lowers the largest load with chains: a trainer at the largest load `L` gives up a session,
    /// which is refilled by a chain ending at a trainer with load below `L − 1`. Stops when some
    /// trainer at `L` cannot shed a session this way (undoing nothing: the others that did are
    /// still better spread).
    pub fn shed_peak(&mut self, depth: u32) {
        let mut tried = vec![false; self.ix.trainers()];
        loop {
            let peak = self.max_load();
            if peak < 2 {
                return;
            }
            let at_peak: Vec<u32> = (0..self.ix.trainers() as u32)
                .filter(|&t| self.load[t as usize] == peak)
                .collect();
            for t in at_peak {
                let mut shed = false;
                for b in self.by_trainer[t as usize].clone() {
                    self.unassign(t, b);
                    tried.fill(false);
                    tried[t as usize] = true;
                    self.final_limit = peak - 1;
                    let found = self.augment(b, depth, &mut tried, Marking::Global);
                    self.final_limit = u32::MAX;
                    if found {
                        shed = true;
                        break;
                    }
                    self.assign(t, b);
                }
                if !shed {
                    return;
                }
            }
        }
    }

    /// Moves single sessions from a trainer with load `L` to one with load at most `L − 2` until
    /// none can move: every move lowers the sum of squared loads, so this ends, and the largest
    /// load never grows.
    pub fn balance(&mut self) {
        loop {
            let mut order: Vec<u32> = (0..self.ix.trainers() as u32).collect();
            order.sort_by_key(|&t| (Reverse(self.load[t as usize]), t));
            let mut moved = false;
            for t in order {
                let load = self.load[t as usize];
                if load < 2 {
                    break;
                }
                let mut sessions = self.by_trainer[t as usize].clone();
                sessions.sort_by_key(|&s| (!self.ix.away(t, s), s));
                let found = sessions.iter().find_map(|&s| {
                    self.ix.eligible[s as usize]
                        .iter()
                        .copied()
                        .filter(|&u| self.load[u as usize] + 2 <= load && self.can_take(u, s))
                        .min_by_key(|&u| (self.load[u as usize], self.ix.away(u, s), u))
                        .map(|u| (u, s))
                });
                if let Some((u, s)) = found {
                    self.unassign(t, s);
                    self.assign(u, s);
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Hands in-person sessions to trainers of that Municipio where the largest load does not
    /// grow: first by replacing an away trainer, then by swapping two away trainers (each goes
    /// home; loads unchanged).
    pub fn prefer_home(&mut self) {
        let max = self.max_load();
        for s in 0..self.ix.sessions() as u32 {
            let hub = self.ix.hub[s as usize];
            if hub == ONLINE {
                continue;
            }
            for t in self.by_session[s as usize].clone() {
                if !self.ix.away(t, s) {
                    continue;
                }
                let local = self.ix.eligible[s as usize]
                    .iter()
                    .copied()
                    .filter(|&u| {
                        self.ix.home[u as usize] == hub
                            && self.load[u as usize] < max
                            && self.can_take(u, s)
                    })
                    .min_by_key(|&u| (self.load[u as usize], u));
                if let Some(u) = local {
                    self.unassign(t, s);
                    self.assign(u, s);
                }
            }
        }
        self.swap_home();
    }

    fn swap_home(&mut self) {
        // Away assignments by (hub of the session, home of the trainer).
        let mut buckets: BTreeMap<(u32, u32), Vec<(u32, u32)>> = BTreeMap::new();
        for (s, trainers) in self.by_session.iter().enumerate() {
            for &t in trainers {
                if self.ix.away(t, s as u32) && self.ix.home[t as usize] != ONLINE {
                    let key = (self.ix.hub[s], self.ix.home[t as usize]);
                    buckets.entry(key).or_default().push((t, s as u32));
                }
            }
        }
        let keys: Vec<(u32, u32)> = buckets.keys().copied().collect();
        for (a, b) in keys {
            if a > b {
                continue;
            }
            let (Some(left), Some(right)) = (buckets.get(&(a, b)), buckets.get(&(b, a))) else {
                continue;
            };
            let (left, right) = (left.clone(), right.clone());
            let mut used = vec![false; right.len()];
            for (t1, s1) in left {
                for (j, &(t2, s2)) in right.iter().enumerate() {
                    if !used[j] && self.try_swap((t1, s1), (t2, s2)) {
                        used[j] = true;
                        break;
                    }
                }
            }
        }
    }

    /// Swaps `t1` in `s1` with `t2` in `s2` if both remain valid.
    fn try_swap(&mut self, (t1, s1): (u32, u32), (t2, s2): (u32, u32)) -> bool {
        let present = self.by_session[s1 as usize].contains(&t1)
            && self.by_session[s2 as usize].contains(&t2);
        if !present || !self.ix.is_eligible(t1, s2) || !self.ix.is_eligible(t2, s1) {
            return false;
        }
        self.unassign(t1, s1);
        self.unassign(t2, s2);
        if self.can_take(t1, s2) {
            self.assign(t1, s2);
            if self.can_take(t2, s1) {
                self.assign(t2, s1);
                return true;
            }
            self.unassign(t1, s2);
        }
        self.assign(t1, s1);
        self.assign(t2, s2);
        false
    }

    /// Lexicographic cost: (slots unfilled, largest load, away assignments); lower is better.
    pub fn cost(&self) -> (u32, u32, u32) {
        let unfilled = (0..self.ix.sessions() as u32)
            .map(|s| self.deficit(s) as u32)
            .sum();
        (unfilled, self.max_load(), self.away_count())
    }
}

/// Exact search: branch and bound over sessions in start order, each given every subset of its
/// free eligible trainers (largest first), minimising [`State::cost`] lexicographically.
/// Starts from `incumbent`; returns the best state found and whether the search finished within
/// `max_nodes` (only then is the result proven optimal).
pub(super) fn exact<'a>(incumbent: &State<'a>, max_nodes: u64) -> (State<'a>, bool) {
    let ix = incumbent.ix;
    let n = ix.sessions();
    // Slots no assignment can fill, from session i to the end.
    let mut short = vec![0u32; n + 1];
    for s in (0..n).rev() {
        let lack = usize::from(ix.need[s]).saturating_sub(ix.eligible[s].len());
        short[s] = short[s + 1] + lack as u32;
    }
    let mut search = Search {
        state: State::new(ix),
        best: incumbent.clone(),
        best_cost: incumbent.cost(),
        short,
        nodes: 0,
        max_nodes,
        aborted: false,
    };
    search.dfs(0, 0, 0, 0);
    let finished = !search.aborted;
    (search.best, finished)
}

struct Search<'a> {
    state: State<'a>,
    best: State<'a>,
    best_cost: (u32, u32, u32),
    short: Vec<u32>,
    nodes: u64,
    max_nodes: u64,
    aborted: bool,
}

impl Search<'_> {
    fn dfs(&mut self, s: usize, unfilled: u32, max: u32, away: u32) {
        if self.aborted {
            return;
        }
        self.nodes += 1;
        if self.nodes > self.max_nodes {
            self.aborted = true;
            return;
        }
        if (unfilled + self.short[s], max, away) >= self.best_cost {
            return;
        }
        let ix = self.state.ix;
        if s == ix.sessions() {
            self.best = self.state.clone();
            self.best_cost = (unfilled, max, away);
            return;
        }
        let free: Vec<u32> = ix.eligible[s]
            .iter()
            .copied()
            .filter(|&t| self.state.can_take(t, s as u32))
            .collect();
        let need = usize::from(ix.need[s]);
        for k in (0..=need.min(free.len())).rev() {
            let mut pick: Vec<usize> = (0..k).collect();
            loop {
                let chosen: Vec<u32> = pick.iter().map(|&i| free[i]).collect();
                let mut new_max = max;
                let mut new_away = away;
                for &t in &chosen {
                    self.state.assign(t, s as u32);
                    new_max = new_max.max(self.state.load[t as usize]);
                    new_away += u32::from(ix.away(t, s as u32));
                }
                self.dfs(s + 1, unfilled + (need - k) as u32, new_max, new_away);
                for &t in &chosen {
                    self.state.unassign(t, s as u32);
                }
                if self.aborted || !next_combination(&mut pick, free.len()) {
                    break;
                }
            }
        }
    }
}

/// Advances `pick` (strictly increasing indices below `n`) to the next combination in
/// lexicographic order; false after the last one.
fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    for i in (0..k).rev() {
        if pick[i] < n - k + i {
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::next_combination;

    #[test]
    fn combinations() {
        let mut pick = vec![0, 1];
        let mut all = vec![pick.clone()];
        while next_combination(&mut pick, 4) {
            all.push(pick.clone());
        }
        assert_eq!(all.len(), 6);
        assert_eq!(all.last().unwrap(), &vec![2, 3]);
        let mut empty: Vec<usize> = vec![];
        assert!(!next_combination(&mut empty, 3));
    }
}
