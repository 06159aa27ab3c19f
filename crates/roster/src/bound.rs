//! An upper bound on how many trainer slots any roster can fill, by maximum flow.
//!
//! Rostering is not a flow problem (two sessions of one trainer must not clash), but relaxing it
//! gives one whose maximum no roster can beat. Per trainer, the sessions of one local day are
//! capped by the most of them that do not overlap (interval scheduling, earliest end first,
//! travel ignored), and by the weekly and monthly limits; days nest in weeks and in months, but
//! weeks do not nest in months, so two networks are solved and the smaller flow is the bound:
//!
//! ```text
//! source ─need─▶ session ─1─▶ (trainer, day) ─day max─▶ (trainer, week)  ─weekly─▶  trainer ─L─▶ sink
//! source ─need─▶ session ─1─▶ (trainer, day) ─day max─▶ (trainer, month) ─monthly─▶ trainer ─L─▶ sink
//! ```
//!
//! With `L` unbounded, the smaller flow bounds the slots any roster fills: when the roster fills
//! that many, its coverage is proven maximal. The least `L` under which both flows still carry
//! the roster's filled slots bounds from below the largest load of any roster filling as many:
//! when coverage is proven and the roster's largest load equals it, the load is proven minimal
//! too.
//!
//! The flow is Dinic's algorithm on flat arrays, written here rather than taken from a crate:
//! `pathfinding`'s max flow is Edmonds–Karp (one breadth-first search per unit of flow) over a
//! dense matrix or ordered maps keyed by vertex, and this network has tens of thousands of
//! vertices and thousands of units of flow; Dinic's blocking flows on unit-capacity layers take
//! a few milliseconds.

use std::collections::{BTreeMap, VecDeque};

use super::engine::Index;

/// A flow network on dense vertex numbers.
struct Network {
    adj: Vec<Vec<usize>>,
    to: Vec<usize>,
    cap: Vec<u32>,
}

impl Network {
    fn new(vertices: usize) -> Self {
        Network {
            adj: vec![Vec::new(); vertices],
            to: Vec::new(),
            cap: Vec::new(),
        }
    }

    fn edge(&mut self, from: usize, to: usize, cap: u32) {
        self.adj[from].push(self.to.len());
        self.to.push(to);
        self.cap.push(cap);
        self.adj[to].push(self.to.len());
        self.to.push(from);
        self.cap.push(0);
    }

    fn levels(&self, source: usize, sink: usize) -> Option<Vec<u32>> {
        let mut level = vec![u32::MAX; self.adj.len()];
        level[source] = 0;
        let mut queue = VecDeque::from([source]);
        while let Some(v) = queue.pop_front() {
            for &e in &self.adj[v] {
                let w = self.to[e];
                if self.cap[e] > 0 && level[w] == u32::MAX {
                    level[w] = level[v] + 1;
                    queue.push_back(w);
                }
            }
        }
        (level[sink] != u32::MAX).then_some(level)
    }

    fn push(
        &mut self,
        v: usize,
        sink: usize,
        limit: u32,
        level: &[u32],
        next: &mut [usize],
    ) -> u32 {
        if v == sink {
            return limit;
        }
        while next[v] < self.adj[v].len() {
            let e = self.adj[v][next[v]];
            let w = self.to[e];
            if self.cap[e] > 0 && level[w] == level[v] + 1 {
                let pushed = self.push(w, sink, limit.min(self.cap[e]), level, next);
                if pushed > 0 {
                    self.cap[e] -= pushed;
                    self.cap[e ^ 1] += pushed;
                    return pushed;
                }
            }
            next[v] += 1;
        }
        0
    }

    fn max_flow(&mut self, source: usize, sink: usize) -> u64 {
        let mut total = 0u64;
        while let Some(level) = self.levels(source, sink) {
            let mut next = vec![0usize; self.adj.len()];
            loop {
                let pushed = self.push(source, sink, u32::MAX, &level, &mut next);
                if pushed == 0 {
                    break;
                }
                total += u64::from(pushed);
            }
        }
        total
    }
}

/// Which limit the second layer of the network stands for.
#[derive(Clone, Copy)]
enum Period {
    Week,
    Month,
}

/// One relaxation's network, built once and solved for several per-trainer caps.
struct Relaxation {
    net: Network,
    /// The capacities as built, restored before each solve.
    caps: Vec<u32>,
    /// The trainer → sink edges, whose capacity is the per-trainer cap.
    trainer_edges: Vec<usize>,
}

impl Relaxation {
    fn flow(&mut self, per_trainer: u32) -> u64 {
        self.net.cap.copy_from_slice(&self.caps);
        for &e in &self.trainer_edges {
            self.net.cap[e] = per_trainer;
        }
        self.net.max_flow(SOURCE, SINK)
    }
}

/// Both relaxations of an instance.
pub(super) struct Bounds {
    week: Relaxation,
    month: Relaxation,
}

impl Bounds {
    pub fn new(ix: &Index) -> Self {
        Bounds {
            week: relaxation(ix, Period::Week),
            month: relaxation(ix, Period::Month),
        }
    }

    /// The most trainer slots any roster of this instance can fill.
    pub fn coverage(&mut self) -> u64 {
        self.week.flow(u32::MAX).min(self.month.flow(u32::MAX))
    }

    /// The smallest largest load of any roster filling `filled` slots, knowing one with largest
    /// load `known` (which therefore fills them): the least per-trainer cap under which both
    /// relaxations still carry `filled` units, by binary search (the flows grow with the cap).
    pub fn load(&mut self, filled: u64, trainers: usize, known: u32) -> u32 {
        if filled == 0 {
            return 0;
        }
        let mut low = filled
            .div_ceil(trainers.max(1) as u64)
            .min(u64::from(known)) as u32;
        let mut high = known;
        while low < high {
            let mid = low + (high - low) / 2;
            if self.week.flow(mid) >= filled && self.month.flow(mid) >= filled {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        low
    }
}

const SOURCE: usize = 0;
const SINK: usize = 1;

/// The network of one relaxation. Layers: source, sessions, (trainer, day), (trainer, period),
/// trainer, sink.
fn relaxation(ix: &Index, period: Period) -> Relaxation {
    let sessions = ix.sessions();
    let period_of = |s: usize| match period {
        Period::Week => ix.week[s],
        Period::Month => ix.month[s],
    };
    // (trainer, day) → the trainer's eligible sessions that day.
    let mut days: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (s, eligible) in ix.eligible.iter().enumerate() {
        for &t in eligible {
            days.entry((t, ix.day[s])).or_default().push(s as u32);
        }
    }
    let mut periods: BTreeMap<(u32, u32), usize> = BTreeMap::new();
    for (&(t, _), list) in &days {
        let next = periods.len();
        periods
            .entry((t, period_of(list[0] as usize)))
            .or_insert(next);
    }
    let first_trainer = 2;
    let first_session = first_trainer + ix.trainers();
    let first_day = first_session + sessions;
    let first_period = first_day + days.len();
    let mut net = Network::new(first_period + periods.len());
    for s in 0..sessions {
        net.edge(SOURCE, first_session + s, u32::from(ix.need[s]));
    }
    for (d, (&(t, _), list)) in days.iter().enumerate() {
        let limit = ix.week_cap[t as usize].min(ix.month_cap[t as usize]);
        let day_max = most_disjoint(ix, list).min(u32::from(limit));
        for &s in list {
            net.edge(first_session + s as usize, first_day + d, 1);
        }
        let period_node = first_period + periods[&(t, period_of(list[0] as usize))];
        net.edge(first_day + d, period_node, day_max);
    }
    for (&(t, _), &p) in &periods {
        let cap = match period {
            Period::Week => ix.week_cap[t as usize],
            Period::Month => ix.month_cap[t as usize],
        };
        net.edge(first_period + p, first_trainer + t as usize, u32::from(cap));
    }
    let mut trainer_edges = Vec::with_capacity(ix.trainers());
    for t in 0..ix.trainers() {
        trainer_edges.push(net.cap.len());
        net.edge(first_trainer + t, SINK, u32::MAX);
    }
    let caps = net.cap.clone();
    Relaxation {
        net,
        caps,
        trainer_edges,
    }
}

/// The most pairwise non-overlapping sessions among `list` (earliest end first; travel ignored,
/// so this is an upper bound for the real rule).
fn most_disjoint(ix: &Index, list: &[u32]) -> u32 {
    let mut by_end: Vec<u32> = list.to_vec();
    by_end.sort_by_key(|&s| ix.end[s as usize]);
    let mut count = 0;
    let mut free_from = i64::MIN;
    for s in by_end {
        if ix.start[s as usize] >= free_from {
            count += 1;
            free_from = ix.end[s as usize];
        }
    }
    count
}
