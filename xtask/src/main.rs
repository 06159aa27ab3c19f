//! `cargo xtask`: project automation.
//!
//! - `cargo xtask ci`: what CI runs — format check, clippy with `-D warnings`, the whole test
//!   suite (the tidy checks of `xtask/tests/tidy.rs` included), and `cargo doc`.
//! - `cargo xtask bench [match|import]`: the end-to-end benchmarks, printed as a table (the
//!   criterion micro-benchmarks run with `cargo bench`).
//! - `cargo xtask openapi`: writes the committed `openapi.json` from the server's routes (a test
//!   in `skillhub-http` fails when it drifts).
//! - `cargo xtask demo-grants`: a whole grant call end to end (applications, checks, scores,
//!   ranking, funding) on the fixtures, timed.
//! - `cargo xtask loadtest`: registrations per second against real servers (SQLite; PostgreSQL
//!   with one and two processes).
//! - `cargo xtask trainers [SEED]`: prints the generated #milanodigitale trainers as the TOML of
//!   `fixtures/trainers/milano-digitale.toml` (seed 2020 by default: the committed file).

mod bench_import;
mod bench_match;
mod demo_grants;
mod loadtest;

use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["ci"] => ci(),
        ["bench"] => bench_all(),
        ["bench", "match"] => bench_match::run(),
        ["bench", "import"] | ["bench-import"] => bench_import::run(),
        ["loadtest"] => loadtest::run(),
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
                "usage: cargo xtask ci | bench [match|import] | loadtest | openapi | demo-grants \
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
    let status = Command::new(cargo())
        .args(["run", "--release", "--quiet", "-p", "xtask", "--"])
        .args(args)
        .status();
    Some(match status {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

/// The cargo that runs xtask (`$CARGO`), or `cargo` from the PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs `cargo ARGS` and says whether it succeeded.
pub fn run_cargo(args: &[&str]) -> bool {
    eprintln!("xtask: cargo {}", args.join(" "));
    matches!(
        Command::new(cargo()).args(args).env("RUSTDOCFLAGS", "-D warnings").status(),
        Ok(status) if status.success()
    )
}

/// Runs each step in order and stops at the first failure.
fn ci() -> ExitCode {
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
        if !run_cargo(step) {
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
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.json");
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
