//! Benchmark of progress against targets at a national campaign's size: Community Skill Hubs'
//! five nested targets over 600,000 attendance facts of about 300,000 distinct people and SMEs
//! (repeat attendance, three countries, both modes, two and a half years).
//!
//! - `progress/600k`: the whole report from facts already in memory: the counting part of what
//!   the public progress route pays when its cache is cold. Reading the facts from the database
//!   is the other part, measured by `skillhub-store`'s `progress_route` bench
//!   (`cargo bench -p skillhub-store --bench progress_route`).
//!
//! Run: `CARGO_BUILD_JOBS=2 cargo bench -p skillhub-progress --bench progress`.

use std::hint::black_box;

use chrono::{Days, NaiveDate};
use criterion::{Criterion, criterion_group, criterion_main};
use skillhub_core::fixture::Catalog;
use skillhub_core::person::Country;
use skillhub_core::program::Unit;
use skillhub_core::session::Mode;
use skillhub_progress::{Attendance, Profile, progress};

/// `n` facts in a fixed pattern; every other fact repeats an earlier person.
fn facts(n: u64, start: NaiveDate) -> Vec<Attendance> {
    let countries = ["IT", "ES", "PL"].map(|c| Country::parse(c).expect("an ISO country code"));
    (0..n)
        .map(|i| {
            let who = (i * 7_919) % (n / 2);
            Attendance {
                person: format!("{who:064x}"),
                mode: Some(if who.is_multiple_of(2) {
                    Mode::InPerson
                } else {
                    Mode::Online
                }),
                unit: if who.is_multiple_of(3) {
                    Unit::Smes
                } else {
                    Unit::People
                },
                country: countries[(who % 3) as usize],
                date: start + Days::new(i % 900),
                profile: Profile::default(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let catalog = Catalog::seeds().expect("the seed programs are valid");
    let program = catalog
        .program("community-skill-hubs")
        .expect("a seed program");
    let start = program.window().from;
    let facts = facts(600_000, start);
    let today = start + Days::new(1_000);
    let mut group = c.benchmark_group("progress");
    group.sample_size(20);
    group.bench_function("600k", |b| {
        b.iter(|| black_box(progress(program, &facts, today)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
