//! Benchmarks of the spreadsheet reader's hot path: a dry run of `read_people` over the rows of
//! `fixtures/csv/persone-windows1252.csv` (Windows-1252, `;`, accented names, Sì/No, decimal
//! commas) repeated to 30,000 rows, and the same rows as UTF-8. `cargo xtask bench import` times
//! the whole 1,000,000-row file; this one follows the parser alone.

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use skillhub_import::csv::{ReadOptions, read_people};

const FIXTURE: &[u8] = include_bytes!("../../../fixtures/csv/persone-windows1252.csv");

/// The fixture's header, then its rows repeated to at least `rows` rows.
fn sheet(rows: usize) -> Vec<u8> {
    let mut lines = FIXTURE.split_inclusive(|&b| b == b'\n');
    let header = lines.next().unwrap_or_default();
    let body: Vec<&[u8]> = lines.collect();
    let mut out = header.to_vec();
    for line in body.iter().cycle().take(rows) {
        out.extend_from_slice(line);
    }
    out
}

fn people(c: &mut Criterion) {
    let latin1 = sheet(30_000);
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&latin1);
    let utf8 = text.into_owned().into_bytes();
    let today = NaiveDate::from_ymd_opt(2019, 2, 1).unwrap_or_default();
    let options = ReadOptions::new(today);
    let mut group = c.benchmark_group("csv_people");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(30_000));
    for (name, bytes) in [("windows_1252", &latin1), ("utf8", &utf8)] {
        group.bench_function(name, |b| {
            b.iter(|| read_people("p.csv", black_box(&bytes[..]), &options, |_| {}, |_| {}))
        });
    }
    group.finish();
}

criterion_group!(benches, people);
criterion_main!(benches);
