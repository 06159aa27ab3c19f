//! Benchmarks of `skillhub match` on an L-size instance (100,000 applicants × 1,000 providers,
//! 10 choices each), generated here from a fixed seed so that no file or script is needed:
//! reading the JSON, solving, and writing the assignment, each on its own.
//!
//! The instance follows the model of `shared/bench/matching/gen.py` (popular and unpopular
//! providers, integer priorities with many ties broken by one lottery, capacities uniform around
//! 90% of the applicants), but its numbers come from this crate's ChaCha20 lottery stream, so it
//! is not byte-for-byte gen.py's instance.
//!
//! Targets for the CLI on this size (issue 19): the whole process ≤ 0.12 s and ≤ 64 MB, solve
//! ≤ 15 ms.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use skillhub_allocation::lottery::{LotterySeed, LotteryStream, uniform_below};
use skillhub_allocation::matching::{ParsedInstance, solve};

const APPLICANTS: usize = 100_000;
const PROVIDERS: usize = 1_000;
const CHOICES: usize = 10;

/// A uniform float in [0, 1).
fn unit(stream: &mut LotteryStream) -> f64 {
    (stream.next_word() >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal number (Box–Muller).
fn normal(stream: &mut LotteryStream) -> f64 {
    let u1 = 1.0 - unit(stream);
    let u2 = unit(stream);
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The JSON text of the instance.
fn instance_json(seed: u64) -> String {
    let mut stream = LotteryStream::new(&LotterySeed::from_u64(seed));
    let mean = 0.9 * APPLICANTS as f64 / PROVIDERS as f64;
    let high = (2.0 * mean - 1.0).round() as u64;
    let capacities: Vec<u64> = (0..PROVIDERS)
        .map(|_| 1 + uniform_below(&mut stream, high))
        .collect();
    let mut cumulative = Vec::with_capacity(PROVIDERS);
    let mut total = 0.0;
    for _ in 0..PROVIDERS {
        total += normal(&mut stream).exp();
        cumulative.push(total);
    }
    let base: Vec<u64> = (0..APPLICANTS)
        .map(|_| uniform_below(&mut stream, 11))
        .collect();
    let lottery: Vec<u64> = (0..APPLICANTS).map(|_| stream.next_word()).collect();

    let mut choices: Vec<Vec<usize>> = (0..APPLICANTS)
        .map(|_| Vec::with_capacity(CHOICES))
        .collect();
    let mut candidates: Vec<Vec<(u64, u64, usize)>> = vec![Vec::new(); PROVIDERS];
    for (a, list) in choices.iter_mut().enumerate() {
        while list.len() < CHOICES {
            let x = unit(&mut stream) * total;
            let p = cumulative.partition_point(|&c| c <= x).min(PROVIDERS - 1);
            if list.contains(&p) {
                continue;
            }
            list.push(p);
            let priority = base[a] + uniform_below(&mut stream, 3);
            candidates[p].push((u64::MAX - priority, lottery[a], a));
        }
    }

    let mut text = String::with_capacity(20 << 20);
    text.push_str("{\"meta\":{\"generator\":\"benches/matching.rs\"},\"applicants\":{");
    for (a, list) in choices.iter().enumerate() {
        if a > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"a{a:05}\":["));
        let ids: Vec<String> = list.iter().map(|p| format!("\"p{p:03}\"")).collect();
        text.push_str(&ids.join(","));
        text.push(']');
    }
    text.push_str("},\"providers\":{");
    for (p, mut ranked) in candidates.into_iter().enumerate() {
        if p > 0 {
            text.push(',');
        }
        ranked.sort_unstable();
        let ids: Vec<String> = ranked
            .iter()
            .map(|&(_, _, a)| format!("\"a{a:05}\""))
            .collect();
        text.push_str(&format!(
            "\"p{p:03}\":{{\"capacity\":{},\"ranking\":[{}]}}",
            capacities[p],
            ids.join(",")
        ));
    }
    text.push_str("}}");
    text
}

fn matching_l(c: &mut Criterion) {
    let text = instance_json(1);
    let parsed = ParsedInstance::parse(&text).expect("the generated instance reads");
    let matching = solve(parsed.instance());

    let mut group = c.benchmark_group("matching_L");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("parse", |b| {
        b.iter(|| ParsedInstance::parse(black_box(&text)).map(|p| p.instance().applicants()))
    });
    group.bench_function("solve", |b| b.iter(|| solve(black_box(parsed.instance()))));
    group.bench_function("write", |b| {
        b.iter(|| parsed.write_assignment(black_box(&matching)))
    });
    group.finish();
}

criterion_group!(benches, matching_l);
criterion_main!(benches);
