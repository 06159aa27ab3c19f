//! `skillhub-import`: what comes into skillhub from outside and what goes out as files.
//!
//! - [`calendar`]: Italian calendar listings as newspapers and web pages publish them
//!   (`- 12 febbraio (9.30 – 13.30) ➔ Facebook per la Sanità`), read into sessions.
//! - [`ics`]: iCalendar (RFC 5545) written from programs and hubs, and read back (time zones,
//!   folded lines, weekly series).
//! - [`csv`]: spreadsheets as Italian offices write them (`;`, decimal comma, `dd/mm/yyyy`,
//!   Windows-1252), streamed and validated, and written so that Italian Excel opens them.
//! - [`completions`]: completions of online courses from an e-learning platform (a Moodle
//!   course-completion export, xAPI statements), the facts that online targets count.
//! - [`plan`]: what a read file would write: a listing's or a calendar's sessions at a hub, a
//!   sheet's registrations judged by their programs; shared by every importer (the command
//!   line, the back office's upload page).
//!
//! The main design decision: **importers are translators, never judges, and all-or-nothing**.
//! Every rule (what a date is, which instant a local time denotes, what a valid codice fiscale
//! is) lives in `skillhub-core` and is called from here; this crate only turns text into the
//! calls. An import either returns everything it read or an [`Error::Invalid`] listing every
//! problem found, each with its file, line and what was expected; it never returns a part.
//! Libraries do no clock reads: timestamps such as an iCalendar `DTSTAMP` are parameters.

#![deny(missing_docs)]

pub mod calendar;
pub mod completions;
pub mod csv;
pub mod ics;
pub mod plan;

use std::fmt;

use serde::Serialize;

/// One problem found in an input: where, and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file (as the caller named it).
    pub file: String,
    /// 1-based line of the file.
    pub line: usize,
    /// The column (spreadsheets) or property (iCalendar) the problem is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `FILE:LINE: message`, or `FILE:LINE: field: message`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem of one input, in file order; `more` counts those left out past a limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The problems, in file order.
    pub problems: Vec<Problem>,
    /// How many further problems were found but not kept.
    pub more: usize,
}

impl Report {
    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty() && self.more == 0
    }

    /// Keeps `problem` while fewer than `limit` are kept, and counts it otherwise.
    pub fn push_limited(&mut self, problem: Problem, limit: usize) {
        if self.problems.len() < limit {
            self.problems.push(problem);
        } else {
            self.more += 1;
        }
    }

    /// `Err(Error::Invalid(self))` when any problem was found, else `Ok(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(Error::Invalid(self))
        }
    }
}

impl fmt::Display for Report {
    /// One problem per line, then `… and N more problems` when some were left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        if self.more > 0 {
            let s = if self.more == 1 { "" } else { "s" };
            write!(f, "\n… and {} more problem{s}", self.more)?;
        }
        Ok(())
    }
}

/// Why an import or export failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input has problems; every one found (up to a limit) is listed and nothing was
    /// imported.
    #[error("{0}")]
    Invalid(Report),
    /// The input could not be read, or the output could not be written.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The request itself is wrong (an unknown program or hub, a zone out of range).
    #[error("{0}")]
    Request(String),
}

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
