//! xAPI statements (the Experience API, 1.0.3): a JSON array of statements, or a Learning Record
//! Store's answer to `GET statements` (`{"statements": [...], "more": "..."}`, `more` ignored:
//! the next page is another file).
//!
//! A statement counts when its verb is `completed` (`http://adlnet.gov/expapi/verbs/completed`)
//! and its `result.completion`, when given, is true; any other verb, or `completion: false`, is
//! skipped and counted. The learner is the actor's `mbox` (`mailto:` an address: the person's
//! identity, as for a registration), else its `account` (`homePage` and `name`: a key that names
//! no address); the course is `object.id`; the day is `timestamp` (else `stored`), an RFC 3339
//! instant, in the program's zone. xAPI says nothing of countries: every completion is in
//! [`Options::country`] (a program's only one, or the one the caller names for the file).
//!
//! Problems are named by JSON pointer (`/statements/3/actor/mbox`) and by the line the statement
//! starts on.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;
use skillhub_core::person::Email;

use super::{Completion, Completions, Learner, Options, Skip, Source};
use crate::{Problem, Report, Result};

/// The verb of a completion.
pub const COMPLETED: &str = "http://adlnet.gov/expapi/verbs/completed";

/// An LRS's answer: its statements, each kept as written (for its line).
#[derive(Deserialize)]
struct LrsAnswer<'a> {
    #[serde(borrow)]
    statements: Vec<&'a RawValue>,
}

/// Reads xAPI statements (see the module docs) from `text`, named `file` in problems. All or
/// nothing: every completion, or [`crate::Error::Invalid`] with every problem found (up to
/// [`Options::max_problems`]), each with its line and JSON pointer.
///
/// ```
/// use skillhub_core::person::Country;
/// use skillhub_core::tz::Zone;
/// use skillhub_import::completions::{Learner, Options, xapi};
/// let text = r#"[{"actor": {"mbox": "mailto:anna.rossi@example.org"},
///   "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
///   "object": {"id": "https://lms.example.org/course/7"},
///   "timestamp": "2019-06-11T22:30:00Z"}]"#;
/// let options = Options { country: Country::parse("IT").ok(), course: None, zone: Zone::rome(),
///     encoding: Default::default(), max_problems: 100 };
/// let read = xapi::read("lrs.json", text, &options).unwrap();
/// assert_eq!(read.completions[0].completed_on.to_string(), "2019-06-12");
/// assert!(matches!(read.completions[0].learner, Learner::Email(_)));
/// ```
pub fn read(file: &str, text: &str, options: &Options) -> Result<Completions> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut report = Report::default();
    let problem = |line: usize, field: Option<String>, message: String| Problem {
        file: file.to_owned(),
        line,
        field,
        message,
    };
    let (base, statements) = match statements(text) {
        Ok(found) => found,
        Err((line, message)) => {
            report.push_limited(problem(line, None, message), options.max_problems);
            return Err(crate::Error::Invalid(report));
        }
    };
    let mut completions = Vec::new();
    let mut skipped = BTreeMap::new();
    let mut lines = LineCounter::new(text);
    for (i, raw) in statements.iter().enumerate() {
        let line = lines.line_of(raw.get());
        let pointer = format!("{base}/{i}");
        let value: Value = match serde_json::from_str(raw.get()) {
            Ok(value) => value,
            Err(err) => {
                // The whole text parsed, so each part does; kept for safety.
                report.push_limited(
                    problem(line, Some(pointer), err.to_string()),
                    options.max_problems,
                );
                continue;
            }
        };
        let mut problems = Vec::new();
        match statement(&value, options, &mut problems) {
            Some(Outcome::Done(learner, course, day)) => {
                let Some(country) = options.country else {
                    // Said once for the file, below.
                    completions.push(None);
                    continue;
                };
                completions.push(Some(Completion {
                    line,
                    learner,
                    course,
                    completed_on: day,
                    country,
                    organisation_type: None,
                    organisation_code: None,
                }));
            }
            Some(Outcome::Skipped(why)) => *skipped.entry(why).or_insert(0) += 1,
            None => {}
        }
        for (at, message) in problems {
            report.push_limited(
                problem(line, Some(format!("{pointer}{at}")), message),
                options.max_problems,
            );
        }
    }
    if options.country.is_none() && !completions.is_empty() {
        report.push_limited(
            problem(
                1,
                None,
                "manca il paese: il programma si svolge in più paesi e gli statement xAPI non lo dicono; indica il paese di questi completamenti".to_owned(),
            ),
            options.max_problems,
        );
    }
    let completions: Vec<Completion> = completions.into_iter().flatten().collect();
    let read = completions.len() + skipped.values().sum::<usize>();
    report.into_result(Completions {
        source: Source::Xapi,
        read,
        completions,
        skipped,
    })
}

/// The statements of the text and the pointer they are under (`` for an array,
/// `/statements` for an LRS's answer); else the line and the message of why not.
fn statements(text: &str) -> Result<(&'static str, Vec<&RawValue>), (usize, String)> {
    let syntax = |err: serde_json::Error| {
        (
            err.line().max(1),
            format!(
                "il file non è JSON valido (colonna {}): {}",
                err.column(),
                english_cause(&err)
            ),
        )
    };
    match text.trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<&RawValue>>(text)
            .map(|list| ("", list))
            .map_err(syntax),
        Some(b'{') => {
            // Syntax first, so that a broken file is told as such, then the shape.
            serde_json::from_str::<&RawValue>(text).map_err(syntax)?;
            serde_json::from_str::<LrsAnswer<'_>>(text)
                .map(|answer| ("/statements", answer.statements))
                .map_err(|_| {
                    (
                        1,
                        "atteso un oggetto con «statements», un elenco di statement xAPI (la risposta di un LRS)".to_owned(),
                    )
                })
        }
        _ => Err((
            1,
            "atteso un elenco di statement xAPI ([…]) o la risposta di un LRS ({\"statements\": […]})".to_owned(),
        )),
    }
}

/// serde_json's message without its ` at line L column C` (the problem says where).
fn english_cause(err: &serde_json::Error) -> String {
    let full = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// A statement as read.
enum Outcome {
    Done(Learner, String, chrono::NaiveDate),
    Skipped(Skip),
}

/// One statement: what it gives, or `None` with its problems (each a pointer below the
/// statement and a message).
fn statement(
    value: &Value,
    options: &Options,
    problems: &mut Vec<(String, String)>,
) -> Option<Outcome> {
    let mut fail = |at: &str, message: &str| {
        problems.push((at.to_owned(), message.to_owned()));
    };
    if !value.is_object() {
        fail("", "uno statement è un oggetto JSON ({…})");
        return None;
    }
    // A statement whose verb or completion is broken is checked on (every problem is told),
    // but gives nothing.
    let verb = value.pointer("/verb/id");
    let verb_ok = match verb.and_then(Value::as_str) {
        Some(COMPLETED) => true,
        Some(_) => return Some(Outcome::Skipped(Skip::OtherVerb)),
        None if verb.is_some() => {
            fail("/verb/id", "il verbo è un IRI tra virgolette");
            false
        }
        None => {
            fail("/verb/id", "manca il verbo (verb.id)");
            false
        }
    };
    let completion_ok = match value.pointer("/result/completion") {
        None | Some(Value::Bool(true)) => true,
        Some(Value::Bool(false)) if verb_ok => {
            return Some(Outcome::Skipped(Skip::CompletionFalse));
        }
        Some(Value::Bool(false)) => true,
        Some(_) => {
            fail("/result/completion", "deve essere true o false");
            false
        }
    };
    let who = learner(value, &mut fail);
    let course = match value.pointer("/object/id").and_then(Value::as_str) {
        Some(id) if !id.trim().is_empty() => Some(id.trim().to_owned()),
        _ => {
            fail(
                "/object/id",
                "manca il corso: l'id dell'attività completata (object.id)",
            );
            None
        }
    };
    let (at, stamp) = match (value.get("timestamp"), value.get("stored")) {
        (Some(stamp), _) => ("/timestamp", Some(stamp)),
        (None, Some(stored)) => ("/stored", Some(stored)),
        (None, None) => ("/timestamp", None),
    };
    let day = match stamp.map(|s| s.as_str().map(chrono::DateTime::parse_from_rfc3339)) {
        Some(Some(Ok(instant))) => Some(options.zone.date_of(instant.with_timezone(&chrono::Utc))),
        Some(_) => {
            fail(
                at,
                "non è un istante RFC 3339 (ad esempio «2019-06-12T10:30:00+02:00» o «2019-06-12T08:30:00Z»)",
            );
            None
        }
        None => {
            fail(at, "manca il momento del completamento (timestamp)");
            None
        }
    };
    if !(verb_ok && completion_ok) {
        return None;
    }
    Some(Outcome::Done(who?, course?, day?))
}

/// The actor: its `mbox`, else its `account`.
fn learner(value: &Value, fail: &mut impl FnMut(&str, &str)) -> Option<Learner> {
    let Some(actor) = value.get("actor").filter(|a| a.is_object()) else {
        fail("/actor", "manca chi ha completato il corso (actor)");
        return None;
    };
    if actor.get("objectType").and_then(Value::as_str) == Some("Group") {
        fail(
            "/actor/objectType",
            "un gruppo non è una persona: serve lo statement di ciascuno",
        );
        return None;
    }
    if let Some(mbox) = actor.get("mbox") {
        let address = mbox.as_str().and_then(|m| {
            let (scheme, rest) = m.split_once(':')?;
            scheme.eq_ignore_ascii_case("mailto").then_some(rest)
        });
        return match address.map(Email::parse) {
            Some(Ok(email)) => Some(Learner::Email(email)),
            _ => {
                fail(
                    "/actor/mbox",
                    "non è un indirizzo e-mail nella forma «mailto:nome@dominio.it»",
                );
                None
            }
        };
    }
    if let Some(account) = actor.get("account") {
        let part = |key: &str| {
            account
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        let (home_page, name) = (part("homePage"), part("name"));
        if home_page.is_none() {
            fail(
                "/actor/account/homePage",
                "manca la piattaforma dell'account (homePage)",
            );
        }
        if name.is_none() {
            fail("/actor/account/name", "manca il nome dell'account (name)");
        }
        return Some(Learner::Account {
            home_page: home_page?.to_owned(),
            name: name?.to_owned(),
        });
    }
    fail(
        "/actor",
        "serve l'indirizzo (mbox: «mailto:…») o l'account (account.homePage e account.name): mbox_sha1sum e openid non dicono chi è la persona per il programma",
    );
    None
}

/// Lines of parts of a text, asked in order of their position.
struct LineCounter<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text,
            at: 0,
            line: 1,
        }
    }

    /// The 1-based line `part` (a slice of the text, after the previous one asked) starts on.
    fn line_of(&mut self, part: &str) -> usize {
        let offset = (part.as_ptr() as usize)
            .checked_sub(self.text.as_ptr() as usize)
            .filter(|&o| o <= self.text.len())
            .unwrap_or(self.at)
            .max(self.at);
        let between = self
            .text
            .as_bytes()
            .get(self.at..offset)
            .unwrap_or_default();
        self.line += between.iter().filter(|&&b| b == b'\n').count();
        self.at = offset;
        self.line
    }
}
