//! What skillhub's test suites share: a test that cannot run on this machine says so (and
//! under CI it fails instead), and dates that stay ahead of the clock.
//!
//! Some tests need what a laptop may lack: a PostgreSQL server at `TEST_PG_URL`, chromedriver,
//! axe-core, schemathesis or aiosmtpd. Such a test calls
//! [`skip`] (or [`postgres_url`], which skips without `TEST_PG_URL`, or [`smtp_server`], which
//! skips without aiosmtpd) and returns early. libtest
//! counts a test that returned as passed and hides what it printed, so a skip is also appended,
//! as one line, to the file that `SKILLHUB_TEST_SKIPS` names: `cargo xtask ci` sets it, and after
//! the tests prints one counted line per reason ([`summary`]), e.g. "41 PostgreSQL tests
//! skipped: TEST_PG_URL is not set". With `CI` set nothing is skipped: the same call fails the
//! test, since CI provides everything.
//!
//! Tests whose sessions must lie ahead of the real clock (a server reads it to decide whether
//! registration is open) write their dates in 2030 and pass them through [`in_future`], which
//! moves them to [`future_year`]: 2030 while it is at least two years away, then the next year
//! with its calendar, so they never expire; [`as_written`] turns a page or a body back into 2030
//! for its snapshot.
//!
//! [`browser::Browser`] is headless Chromium through chromedriver, with axe-core's check of a
//! page ([`browser::axe_violations`]), for the browser tests.
//!
//! [`smtp::SmtpServer`] is a real SMTP server (aiosmtpd in a child process) that keeps what it
//! accepts in a Maildir, for the tests that send mail.
//!
//! This crate is for tests only (a dev-dependency of the crates whose tests skip, and read by
//! `xtask`); no product code links it.

#![deny(missing_docs)]

pub mod browser;
pub mod smtp;

/// A program that is not a seed, in the fixture format: one hub in Turin, one session in 2030
/// (`laboratori-torino`). The tests of `skillhub programs load`, of `POST`/`PUT /v1/programs`
/// and of the store's `put_program` create and edit it; the CLI's checks the lines it reports.
pub const LABORATORI_TORINO: &str = include_str!("laboratori-torino.toml");

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
    /// aiosmtpd in Debian's Python, for the tests that send mail to a real SMTP server.
    Smtp,
}

impl Need {
    const ALL: [Need; 5] = [
        Need::Postgres,
        Need::Browser,
        Need::Accessibility,
        Need::Schemathesis,
        Need::Smtp,
    ];

    /// What one skipped test is called in the summary.
    fn noun(self) -> &'static str {
        match self {
            Need::Postgres => "PostgreSQL test",
            Need::Browser => "browser test",
            Need::Accessibility => "accessibility check",
            Need::Schemathesis => "schemathesis test",
            Need::Smtp => "SMTP test",
        }
    }

    /// Its name in the skip log.
    fn key(self) -> &'static str {
        match self {
            Need::Postgres => "postgres",
            Need::Browser => "browser",
            Need::Accessibility => "accessibility",
            Need::Schemathesis => "schemathesis",
            Need::Smtp => "smtp",
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

/// A running [`smtp::SmtpServer`], or `None` after recording the skip of an SMTP test when
/// Debian's Python has no aiosmtpd (see [`skip`]: under CI that fails the test).
///
/// # Panics
///
/// When aiosmtpd is there but the server does not start: that is a failure, not a skip.
pub fn smtp_server() -> Option<smtp::SmtpServer> {
    if !smtp::aiosmtpd_installed() {
        skip(
            Need::Smtp,
            "python3-aiosmtpd is not installed (/usr/bin/python3 -c 'import aiosmtpd' fails)",
        );
        return None;
    }
    match smtp::SmtpServer::start() {
        Ok(server) => Some(server),
        Err(why) => panic!("{why}"),
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

/// The year whose calendar the dated tests are written in (and their snapshots show).
pub const CALENDAR_YEAR: i32 = 2030;

/// The first year at least two years after today's whose calendar is [`CALENDAR_YEAR`]'s (the
/// same weekdays, not a leap year): 2030 until the end of 2028, then 2041, and so on. Tests whose
/// sessions must lie ahead of the real clock (a server reads it to decide whether registration
/// is open) date them in it, so they keep their weekdays and clock changes and never reach the
/// past.
///
/// ```
/// let year = skillhub_testkit::future_year();
/// assert!(year >= 2030 && year % 4 != 0);
/// ```
pub fn future_year() -> i32 {
    use chrono::Datelike as _;
    let from = chrono::Utc::now().year() + 2;
    (from..)
        .find(|&year| same_calendar(year, CALENDAR_YEAR))
        .expect("a calendar repeats within 28 years")
}

/// Whether two years have the same calendar: 1 January on the same weekday, both leap or not.
fn same_calendar(a: i32, b: i32) -> bool {
    use chrono::Datelike as _;
    let first = |year| chrono::NaiveDate::from_ymd_opt(year, 1, 1).map(|d| d.weekday());
    let leap = |year: i32| chrono::NaiveDate::from_ymd_opt(year, 2, 29).is_some();
    first(a) == first(b) && leap(a) == leap(b)
}

/// `text` with every `2030` turned into [`future_year`], and every `2029` into the year before
/// it: `in_future("2030-02-12T09:30:00+01:00")` is a Tuesday morning in February that is always
/// ahead. Dates in 2030 and in December 2029 keep their weekdays (December is a fixed number of
/// days before 1 January).
pub fn in_future(text: &str) -> String {
    let year = future_year();
    text.replace("2029", &(year - 1).to_string())
        .replace("2030", &year.to_string())
}

/// `text` with the years of [`in_future`] written back as `2030` and `2029`, so that a snapshot
/// or an expected text stays the same whichever year the test ran in.
pub fn as_written(text: &str) -> String {
    let year = future_year();
    text.replace(&year.to_string(), "2030")
        .replace(&(year - 1).to_string(), "2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_with_the_calendar_of_2030() {
        let same: Vec<i32> = (2026..2070).filter(|&y| same_calendar(y, 2030)).collect();
        assert_eq!(same, [2030, 2041, 2047, 2058, 2069]);
        assert!(future_year() >= 2030);
        assert_eq!(
            as_written(&in_future("1/12/2029 12/02/2030")),
            "1/12/2029 12/02/2030"
        );
    }
}
