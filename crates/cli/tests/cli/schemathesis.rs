//! Schemathesis against the real server: it reads `/openapi.json`, sends generated requests
//! (valid and invalid) to every route with the admin token, and checks that no answer is a 5xx
//! and that every status, content type and body is one the document declares.
//!
//! The run is bounded for CI (a fixed seed, a few examples per route, one worker); README.md says
//! how to run it longer by hand. Without schemathesis 4 the test says it was skipped and why, and
//! records it for `cargo xtask ci`'s count; under CI (`CI` set) it fails instead, because
//! `.ci/run` installs it.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::serve::{ADMIN, Server};

/// The version `.ci/run` installs and the bounded run was tuned with.
const VERSION: &str = "4.32.5";

/// The checks the document must pass.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";

/// Examples per route: with one worker the run takes about a minute on a 2-core machine.
const MAX_EXAMPLES: &str = "40";

/// How long the run may take before it counts as hung.
const DEADLINE: Duration = Duration::from_secs(600);

/// The command that runs schemathesis 4 (`schemathesis`, else `python3 -m schemathesis`), or
/// why there is none.
fn schemathesis() -> Result<Vec<String>, String> {
    let candidates = [
        vec!["schemathesis".to_owned()],
        vec![
            "python3".to_owned(),
            "-m".to_owned(),
            "schemathesis".to_owned(),
        ],
    ];
    let mut found = Vec::new();
    for command in candidates {
        let Ok(output) = Command::new(&command[0])
            .args(&command[1..])
            .arg("--version")
            .stderr(Stdio::null())
            .output()
        else {
            continue;
        };
        let text = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if !output.status.success() {
            continue;
        }
        // "schemathesis, version 4.32.5"
        if text.rsplit(' ').next().is_some_and(|v| v.starts_with("4.")) {
            return Ok(command);
        }
        found.push(format!("`{}` is {text:?}", command.join(" ")));
    }
    let why = if found.is_empty() {
        "schemathesis was not found".to_owned()
    } else {
        format!("schemathesis 4 was not found ({})", found.join(", "))
    };
    Err(format!(
        "{why}; install it with `pip install schemathesis=={VERSION}`"
    ))
}

#[test]
fn schemathesis_finds_nothing_the_document_does_not_say() {
    let command = match schemathesis() {
        Ok(command) => command,
        Err(why) => {
            skillhub_testkit::skip(skillhub_testkit::Need::Schemathesis, &why);
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("fuzz.db").display());
    let server = Server::start(dir.path(), &db);
    let output = dir.path().join("schemathesis.out");
    let log = std::fs::File::create(&output).unwrap();
    let mut child = Command::new(&command[0])
        .args(&command[1..])
        .args(["run", &format!("http://{}/openapi.json", server.addr)])
        .args(["--checks", CHECKS])
        .args(["--header", &format!("Authorization: Bearer {ADMIN}")])
        .args(["--seed", "8", "--max-examples", MAX_EXAMPLES])
        // One worker: hypothesis's lambda descriptions are not thread-safe on some Pythons.
        .args(["--workers", "1", "--request-timeout", "20"])
        // Only the four checks decide: a slow CI machine must not fail a health check.
        .args(["--suppress-health-check", "all"])
        .args(["--generation-database", "none", "--no-color"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", command.join(" ")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    server.terminate();
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    match status {
        Some(status) if status.success() => {
            eprintln!(
                "schemathesis: no failure in {} s",
                started.elapsed().as_secs()
            );
        }
        Some(status) => panic!("schemathesis failed ({status}):\n{text}"),
        None => panic!(
            "schemathesis did not finish within {} s:\n{text}",
            DEADLINE.as_secs()
        ),
    }
}
