//! A program's definition as text: the fixture's TOML or the same document in JSON
//! ([`Format`]), parsed by one validation, and the line a JSON pointer names in a TOML text
//! ([`line_of`]), so that a refusal says where to look in the file as well as which field.

use serde::Serialize;

use crate::fixture::{ProgramError, parse_program, parse_program_json};
use crate::program::Program;

/// How a program's definition is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// The fixture format of `fixtures/programs/` (`application/toml`).
    Toml,
    /// The same document in JSON (`application/json`).
    Json,
}

impl Format {
    /// `toml` or `json`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
        }
    }

    /// The format named `toml` or `json`.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The format a file name's extension says (`.toml`, `.json`; any case).
    ///
    /// ```
    /// use skillhub_core::definition::Format;
    /// assert_eq!(Format::of_file("corsi.JSON"), Some(Format::Json));
    /// assert_eq!(Format::of_file("corsi.txt"), None);
    /// ```
    pub fn of_file(name: &str) -> Option<Format> {
        let (_, extension) = name.rsplit_once('.')?;
        Format::parse(&extension.to_ascii_lowercase())
    }
}

/// Parses and validates a program written in `format`: the one validation of every way in.
pub fn parse(format: Format, text: &str) -> Result<Program, ProgramError> {
    match format {
        Format::Toml => parse_program(text),
        Format::Json => parse_program_json(text),
    }
}

/// The 1-based line of the field `pointer` names in a TOML `text`, or of the nearest enclosing
/// one that exists (a missing field is reported at its table); `None` for a text that does not
/// parse, for JSON (whose parser keeps no positions), or for the whole document (`""`).
///
/// ```
/// use skillhub_core::definition::{Format, line_of};
/// let text = "id = \"x\"\n\n[[sessions]]\nid = \"a\"\n\n[[sessions]]\nid = \"b\"\nend = \"08:30\"\n";
/// assert_eq!(line_of(Format::Toml, text, "/sessions/1/end"), Some(8));
/// assert_eq!(line_of(Format::Toml, text, "/sessions/1/start"), Some(6));
/// assert_eq!(line_of(Format::Toml, text, "/id"), Some(1));
/// ```
pub fn line_of(format: Format, text: &str, pointer: &str) -> Option<usize> {
    if format != Format::Toml || pointer.is_empty() {
        return None;
    }
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table: Option<&toml::de::DeTable<'_>> = Some(root.get_ref());
    let mut array: Option<&toml::de::DeArray<'_>> = None;
    let mut span = None;
    for segment in pointer.trim_start_matches('/').split('/') {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        let next = match (table, array) {
            (Some(table), _) => table
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == segment)
                .map(|(key, value)| (key.span(), value)),
            (None, Some(items)) => segment
                .parse::<usize>()
                .ok()
                .and_then(|i: usize| items.get(i))
                .map(|value| (value.span(), value)),
            (None, None) => None,
        };
        let Some((at, value)) = next else { break };
        span = Some(at);
        (table, array) = match value.get_ref() {
            toml::de::DeValue::Table(t) => (Some(t), None),
            toml::de::DeValue::Array(a) => (None, Some(a)),
            _ => (None, None),
        };
    }
    let start = span?.start.min(text.len());
    Some(text.get(..start)?.matches('\n').count() + 1)
}
