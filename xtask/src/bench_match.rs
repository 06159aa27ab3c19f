//! `cargo xtask bench match`: the whole `skillhub match L.json` process — read, solve, write —
//! on the L instance of `../shared/bench/matching/gen.py` (100,000 applicants × 1,000 providers,
//! 10 choices each), timed over five runs with `/usr/bin/time`, and the output checked by the
//! independent `check.py`. Goals (issue 19): ≤ 0.12 s wall and ≤ 64 MB peak RSS. The instance
//! is generated from a fixed seed into `target/bench-match/` and never committed.

use std::path::Path;
use std::process::{Command, ExitCode};

/// Wall seconds and peak RSS in kB of one run, from `/usr/bin/time -f "%e %M"`.
fn timed(binary: &Path, instance: &Path, output: &Path) -> Option<(f64, u64)> {
    let run = Command::new("/usr/bin/time")
        .args(["-f", "%e %M"])
        .arg(binary)
        .arg("match")
        .arg(instance)
        .arg("-o")
        .arg(output)
        .output()
        .ok()?;
    if !run.status.success() {
        eprintln!(
            "bench match: skillhub failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        return None;
    }
    let stderr = String::from_utf8_lossy(&run.stderr);
    let mut fields = stderr.lines().last()?.split_whitespace();
    Some((fields.next()?.parse().ok()?, fields.next()?.parse().ok()?))
}

/// Builds the release binary, generates L once, times five runs, checks the output.
pub fn run() -> ExitCode {
    let bench = crate::root().join("../shared/bench/matching");
    if !bench.join("gen.py").is_file() {
        eprintln!(
            "bench match: {} is missing (shared/ must be beside the repository)",
            bench.display()
        );
        return ExitCode::FAILURE;
    }
    if !crate::build_release() {
        return ExitCode::FAILURE;
    }
    let dir = crate::root().join("target/bench-match");
    let _ = std::fs::create_dir_all(&dir);
    let instance = dir.join("L.json");
    if !instance.is_file() {
        let status = Command::new("python3")
            .arg(bench.join("gen.py"))
            .args(["--preset", "L", "--seed", "1", "-o"])
            .arg(&instance)
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("bench match: gen.py failed");
            return ExitCode::FAILURE;
        }
    }
    let binary = crate::root().join("target/release/skillhub");
    let output = dir.join("L.out.json");
    let mut runs = Vec::new();
    for _ in 0..5 {
        match timed(&binary, &instance, &output) {
            Some(run) => runs.push(run),
            None => return ExitCode::FAILURE,
        }
    }
    let checked = Command::new("python3")
        .arg(bench.join("check.py"))
        .arg(&instance)
        .arg(&output)
        .status();
    let valid = matches!(checked, Ok(s) if s.success());
    let mut walls: Vec<f64> = runs.iter().map(|r| r.0).collect();
    walls.sort_by(f64::total_cmp);
    let peak_mb = runs.iter().map(|r| r.1).max().unwrap_or(0) as f64 / 1024.0;
    let median = walls[walls.len() / 2];
    println!("| bench | runs | wall median | wall best | peak RSS | check.py | goal |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| skillhub match L.json | {} | {median:.2} s | {:.2} s | {peak_mb:.0} MB | {} | ≤ 0.12 s, ≤ 64 MB |",
        runs.len(),
        walls[0],
        if valid { "valid, stable" } else { "FAILED" }
    );
    if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
