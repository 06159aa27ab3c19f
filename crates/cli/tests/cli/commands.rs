//! Runs the real `skillhub` binary in a fresh temporary directory and compares its output with
//! expectations, printing both on a mismatch.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod allocation;
mod catalog;
mod completions;
mod database;
mod grants;
mod programs;

use std::path::Path;
use std::process::Command;

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn skillhub(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_skillhub"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the skillhub binary runs");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let run = skillhub(dir, args);
    assert_eq!(
        run.status, 0,
        "skillhub {args:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.is_empty(),
        "skillhub {args:?} wrote to stderr:\n{}",
        run.stderr
    );
    run.stdout
}

fn fails(dir: &Path, args: &[&str], status: i32, stderr_has: &str) {
    let run = skillhub(dir, args);
    assert_eq!(
        run.status, status,
        "skillhub {args:?}\nstderr:\n{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "nothing is printed on failure, got:\n{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(stderr_has),
        "skillhub {args:?}: stderr lacks {stderr_has:?}:\n{}",
        run.stderr
    );
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|err| panic!("not JSON ({err}):\n{text}"))
}
