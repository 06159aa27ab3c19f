//! Benchmarks of rostering on the generated #milanodigitale year: 200 trainers × 2,000 sessions
//! from the pilot week (11 March 2020) to 14 March 2021, seed [`milano::SEED`].
//!
//! - `roster/index`: checking and indexing the problem (eligibility of every trainer for every
//!   session);
//! - `roster/solve`: the roster on an indexed problem (greedy, repair, balance, own Municipio,
//!   flow bound, explanations);
//! - `roster/full`: both, from the trainers and sessions to the roster: the figure to keep under
//!   1 s;
//! - `roster/replace`: one trainer dropping out of one session.
//!
//! Run: `CARGO_BUILD_JOBS=2 cargo bench -p skillhub-roster --bench roster`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use skillhub_fixtures::milano;
use skillhub_roster::{RosterProblem, Rules};

fn bench(c: &mut Criterion) {
    let (trainers, sessions) = milano::milano_year(milano::SEED, 2_000);
    let rules = Rules::default();
    let mut group = c.benchmark_group("roster");
    group.sample_size(20);
    group.bench_function("index", |b| {
        b.iter(|| RosterProblem::new(trainers.clone(), sessions.clone(), rules))
    });
    let problem = match RosterProblem::new(trainers.clone(), sessions.clone(), rules) {
        Ok(problem) => problem,
        Err(err) => panic!("the generated year is valid: {err}"),
    };
    group.bench_function("solve", |b| b.iter(|| black_box(problem.solve())));
    group.bench_function("full", |b| {
        b.iter(|| {
            let problem = RosterProblem::new(trainers.clone(), sessions.clone(), rules);
            black_box(problem.map(|p| p.solve()))
        })
    });
    let roster = problem.solve();
    let middle = roster.assignments[roster.assignments.len() / 2].clone();
    group.bench_function("replace", |b| {
        b.iter(|| black_box(problem.replace(&roster, &middle.trainer, &middle.session)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
