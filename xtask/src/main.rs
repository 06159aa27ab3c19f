//! `cargo xtask`: project automation.
//!
//! - `cargo xtask ci`: what CI runs — format check, clippy with `-D warnings`, the whole test
//!   suite (the tidy checks of `xtask/tests/tidy.rs` included), and `cargo doc`. After the tests
//!   it prints how many were skipped and why (`skillhub_testkit`); with `CI` set, a missing
//!   `TEST_PG_URL` fails it before anything runs.
//! - `cargo xtask bench [match|import]`: the end-to-end benchmarks, printed as a table (the
//!   criterion micro-benchmarks run with `cargo bench`).
//! - `cargo xtask openapi`: writes the committed `openapi.json` from the server's routes (a test
//!   in `skillhub-http` fails when it drifts).
//! - `cargo xtask demo-grants`: a whole grant call end to end (applications, checks, scores,
//!   ranking, funding) on the fixtures, timed.
//! - `cargo xtask loadtest`: registrations per second against real servers (SQLite; PostgreSQL
//!   with one and two processes), with and without mail, open loop, and the ceiling of requests
//!   refused before the store; `--no-mail` runs only the configurations without mail.
//! - `cargo xtask trainers [SEED]`: prints the generated #milanodigitale trainers as the TOML of
//!   `fixtures/trainers/milano-digitale.toml` (seed 2020 by default: the committed file).

mod bench_import;
mod bench_match;
mod demo_grants;
mod loadtest;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["ci"] => ci(),
        ["bench"] => bench_all(),
        ["bench", "match"] => bench_match::run(),
        ["bench", "import"] | ["bench-import"] => bench_import::run(),
        ["loadtest"] => loadtest::run(true),
        ["loadtest", "--no-mail"] => loadtest::run(false),
        ["openapi"] => openapi(),
        ["demo-grants"] => demo_grants::run(),
        ["trainers"] => trainers(skillhub_fixtures::milano::SEED),
        ["trainers", seed] => match seed.parse() {
            Ok(seed) => trainers(seed),
            Err(_) => {
                eprintln!("xtask trainers: {seed:?} is not a seed (a whole number)");
                ExitCode::from(2)
            }
        },
        _ => {
            eprintln!(
                "usage: cargo xtask ci | bench [match|import] | loadtest [--no-mail] | openapi | demo-grants \
                 | trainers [SEED]"
            );
            ExitCode::from(2)
        }
    }
}

/// In a debug build of xtask, runs `xtask ARGS` from the release build instead and returns its
/// outcome (benchmarks measure optimised code); `None` in a release build, which goes on.
pub fn in_release(args: &[&str]) -> Option<ExitCode> {
    if !cfg!(debug_assertions) {
        return None;
    }
    eprintln!(
        "xtask: a debug build; running `xtask {}` from the release build",
        args.join(" ")
    );
    if !build_release() {
        return Some(ExitCode::FAILURE);
    }
    let release = root().join("target/release/xtask");
    Some(match Command::new(release).args(args).status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// Builds the release xtask and `skillhub` in one cargo call. Always the same two packages:
/// cargo unifies features per call, so building them apart (`-p xtask`, then `-p
/// skillhub-cli`) compiled their shared dependencies twice over, at every run.
pub fn build_release() -> bool {
    run_cargo(&["build", "--release", "-p", "xtask", "-p", "skillhub-cli"])
}

/// The workspace's root (xtask's parent folder).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default()
}

/// The cargo that runs xtask (`$CARGO`), or `cargo` from the PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo ARGS` and says whether it succeeded.
pub fn run_cargo(args: &[&str]) -> bool {
    run_cargo_with(args, &[])
}

/// Runs `cargo ARGS` with the environment variables `envs` added, and says whether it succeeded.
fn run_cargo_with(args: &[&str], envs: &[(&str, &std::ffi::OsStr)]) -> bool {
    eprintln!("xtask: cargo {}", args.join(" "));
    matches!(
        Command::new(cargo())
            .args(args)
            .env("RUSTDOCFLAGS", "-D warnings")
            .envs(envs.iter().copied())
            .status(),
        Ok(status) if status.success()
    )
}

/// Runs the whole test suite with a fresh skip log, then prints one counted line per reason a
/// test was skipped (libtest counts those as passed and hides what they printed).
fn test_and_count_skips(args: &[&str]) -> bool {
    let log = std::env::temp_dir().join(format!("skillhub-test-skips-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let passed = run_cargo_with(args, &[(skillhub_testkit::SKIP_LOG, log.as_os_str())]);
    let skips = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let summary = skillhub_testkit::summary(&skips);
    if summary.is_empty() {
        eprintln!("xtask ci: no test was skipped");
    }
    for line in summary {
        eprintln!("xtask ci: {line}");
    }
    passed
}

/// Runs each step in order and stops at the first failure.
fn ci() -> ExitCode {
    let pg_set = std::env::var("TEST_PG_URL").is_ok_and(|url| !url.is_empty());
    if skillhub_testkit::in_ci() && !pg_set {
        eprintln!(
            "xtask ci: CI is set but TEST_PG_URL is not: the PostgreSQL tests must run in CI \
             (e.g. TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test)"
        );
        return ExitCode::FAILURE;
    }
    let steps: [&[&str]; 4] = [
        &["fmt", "--all", "--check"],
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &["test", "--workspace"],
        &["doc", "--workspace", "--no-deps"],
    ];
    for step in steps {
        let passed = if step[0] == "test" {
            test_and_count_skips(step)
        } else {
            run_cargo(step)
        };
        if !passed {
            eprintln!("xtask ci: `cargo {}` failed", step.join(" "));
            return ExitCode::FAILURE;
        }
    }
    eprintln!("xtask ci: all steps passed");
    ExitCode::SUCCESS
}

fn bench_all() -> ExitCode {
    let results = [bench_match::run(), bench_import::run()];
    if results.iter().all(|r| *r == ExitCode::SUCCESS) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints the generated #milanodigitale trainers for `seed` as a trainers file.
fn trainers(seed: u64) -> ExitCode {
    use skillhub_fixtures::milano;
    let header = milano::FILE_HEADER.replace("(2020)", &format!("({seed})"));
    print!(
        "{}",
        skillhub_roster::file::trainers_toml(&milano::milano_trainers(seed), &header)
    );
    ExitCode::SUCCESS
}

/// Writes `openapi.json` at the repository root.
fn openapi() -> ExitCode {
    let path = root().join("openapi.json");
    match std::fs::write(&path, skillhub_http::openapi_json()) {
        Ok(()) => {
            eprintln!("xtask openapi: wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("xtask openapi: cannot write {}: {err}", path.display());
            ExitCode::FAILURE
        }
    }
}
