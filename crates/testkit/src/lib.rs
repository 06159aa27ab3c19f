//! What skillhub's test suites share: a test that cannot run on this machine says so, and
//! under CI it fails instead.
//!
//! Some tests need what a laptop may lack: a PostgreSQL server at `TEST_PG_URL`, chromedriver,
//! axe-core, schemathesis, or `../shared/bench` beside the repository. Such a test calls
//! [`skip`] (or [`postgres_url`], which skips without `TEST_PG_URL`) and returns early. libtest
//! counts a test that returned as passed and hides what it printed, so a skip is also appended,
//! as one line, to the file that `SKILLHUB_TEST_SKIPS` names: `cargo xtask ci` sets it, and after
//! the tests prints one counted line per reason ([`summary`]), e.g. "41 PostgreSQL tests
//! skipped: TEST_PG_URL is not set". With `CI` set nothing is skipped: the same call fails the
//! test, since CI provides everything.
//!
//! This crate is for tests only (a dev-dependency of the crates whose tests skip, and read by
//! `xtask`); no product code links it.

#![deny(missing_docs)]

use std::io::Write;

/// The variable naming the file that skips are appended to (one line each).
pub const SKIP_LOG: &str = "SKILLHUB_TEST_SKIPS";

/// What a skipped test needed and did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Need {
    /// A PostgreSQL server at `TEST_PG_URL`.
    Postgres,
    /// chromedriver and Chromium, for the browser test.
    Browser,
    /// axe-core, for the browser test's accessibility check.
    Accessibility,
    /// schemathesis 4, for the OpenAPI fuzz test.
    Schemathesis,
    /// `../shared/bench` beside the repository, for the tests checked by its scripts.
    SharedBench,
}

impl Need {
    const ALL: [Need; 5] = [
        Need::Postgres,
        Need::Browser,
        Need::Accessibility,
        Need::Schemathesis,
        Need::SharedBench,
    ];

    /// What one skipped test is called in the summary.
    fn noun(self) -> &'static str {
        match self {
            Need::Postgres => "PostgreSQL test",
            Need::Browser => "browser test",
            Need::Accessibility => "accessibility check",
            Need::Schemathesis => "schemathesis test",
            Need::SharedBench => "../shared/bench test",
        }
    }

    /// Its name in the skip log.
    fn key(self) -> &'static str {
        match self {
            Need::Postgres => "postgres",
            Need::Browser => "browser",
            Need::Accessibility => "accessibility",
            Need::Schemathesis => "schemathesis",
            Need::SharedBench => "shared-bench",
        }
    }
}

/// Whether the tests run under CI (`CI` is set), where every test must run.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Records that the calling test did not run because `need` is missing (`why` says what to
/// install or set), and returns so that the test can return. Under CI it panics instead.
///
/// # Panics
///
/// When `CI` is set: a test that CI should run did not.
pub fn skip(need: Need, why: &str) {
    assert!(
        !in_ci(),
        "this {} must run in CI (CI is set): {why}",
        need.noun()
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("an unnamed test")
        .to_owned();
    eprintln!("skipped: {why} ({test})");
    let Some(log) = std::env::var_os(SKIP_LOG) else {
        return;
    };
    let line = format!("{}\t{}\t{}\n", need.key(), one_line(why), one_line(&test));
    // One short write in append mode: lines from tests running at once do not interleave.
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut file| file.write_all(line.as_bytes()));
    if let Err(err) = written {
        eprintln!("could not record the skip in {}: {err}", log.display());
    }
}

/// `TEST_PG_URL`, or `None` after recording the skip of a PostgreSQL test (see [`skip`]: under
/// CI a missing `TEST_PG_URL` fails the test).
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_PG_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skip(
                Need::Postgres,
                "TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)",
            );
            None
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\t', '\n', '\r'], " ")
}

/// The skip log's lines counted by need and reason, one line each, e.g. "41 PostgreSQL tests
/// skipped: TEST_PG_URL is not set"; lines it cannot read are counted as such.
///
/// ```
/// let log = "postgres\tTEST_PG_URL is not set\ta\npostgres\tTEST_PG_URL is not set\tb\n";
/// assert_eq!(
///     skillhub_testkit::summary(log),
///     ["2 PostgreSQL tests skipped: TEST_PG_URL is not set"]
/// );
/// ```
pub fn summary(log: &str) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<(Option<Need>, &str), usize> =
        std::collections::BTreeMap::new();
    for line in log.lines().filter(|line| !line.is_empty()) {
        let mut fields = line.split('\t');
        let need = fields
            .next()
            .and_then(|key| Need::ALL.into_iter().find(|need| need.key() == key));
        let why = fields.next().unwrap_or("");
        *counts.entry((need, why)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((need, why), n)| {
            let plural = if n == 1 { "" } else { "s" };
            match need {
                Some(need) => format!("{n} {}{plural} skipped: {why}", need.noun()),
                None => format!("{n} unreadable line{plural} in the skip log"),
            }
        })
        .collect()
}
