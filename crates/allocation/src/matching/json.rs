//! The JSON format of `skillhub match`: reading an instance, writing an assignment.
//!
//! Input: `{"applicants": {"a1": ["p1", "p2"]}, "providers": {"p1": {"capacity": 2, "ranking":
//! ["a1"]}}}`, lists best first, the two sections in either order; other top-level keys (`meta` …)
//! and other keys of a provider object are ignored. Output: `{"assignment":{"a1":"p1","a2":null}}`
//! with every applicant, in input order.
//!
//! Reading is one pass over the bytes (`fast`) for well-formed documents, or of `serde_json` with
//! hand-written visitors when the fast path gives up (at anything it does not accept, errors
//! included: `serde_json` then finds the problem and says where). Both fill the same state in the
//! same order: ids are borrowed from the input buffer (copied only when they contain escapes),
//! interned once into dense numbers (numbered ids such as `a00042` by their number, others by
//! hashing), and written straight into the flat lists of an [`InstanceBuilder`]. Applicants are
//! numbered in input order, providers too; an id may be used before the section defining it, so
//! references are interned provisionally and renumbered once at the end. The first problem found
//! stops the reading and is reported with its JSON pointer (RFC 6901: `~` is written `~0` and `/`
//! is written `~1`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{Instance, InstanceBuilder, InstanceError, Matching, NONE, solve};

mod fast;

/// What is wrong at an [`InputError`]'s pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The text is not JSON (or ends early); the pointer, if not empty, says where reading was.
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the JSON reader expected.
        message: String,
    },
    /// A value of the wrong type, as the JSON reader describes it ("invalid type: integer `3`,
    /// expected a provider id").
    Invalid(String),
    /// A required key is missing.
    Missing,
    /// The same key twice in one object (an applicant or provider defined twice, too).
    DuplicateKey,
    /// An applicant lists an id that is not a provider.
    UnknownProvider(String),
    /// A provider ranks an id that is not an applicant.
    UnknownApplicant(String),
    /// An applicant lists this provider a second time.
    DuplicateChoice(String),
    /// A provider ranks this applicant a second time.
    DuplicateRanking(String),
    /// A capacity that is not a whole number from 0 to `u32::MAX`, as written.
    Capacity(String),
    /// More than `u32::MAX − 1` applicants, providers or list entries.
    TooLarge,
}

impl fmt::Display for InputErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputErrorKind::Syntax {
                line,
                column,
                message,
            } => write!(f, "invalid JSON at line {line} column {column}: {message}"),
            InputErrorKind::Invalid(message) => f.write_str(message),
            InputErrorKind::Missing => f.write_str("missing"),
            InputErrorKind::DuplicateKey => f.write_str("duplicate key"),
            InputErrorKind::UnknownProvider(id) => write!(f, "unknown provider {id:?}"),
            InputErrorKind::UnknownApplicant(id) => write!(f, "unknown applicant {id:?}"),
            InputErrorKind::DuplicateChoice(id) => write!(f, "provider {id:?} is listed twice"),
            InputErrorKind::DuplicateRanking(id) => write!(f, "applicant {id:?} is ranked twice"),
            InputErrorKind::Capacity(given) => write!(
                f,
                "capacity must be a whole number from 0 to {}, not {given}",
                u32::MAX
            ),
            InputErrorKind::TooLarge => f.write_str("the instance is too large"),
        }
    }
}

/// Why a `skillhub match` instance does not read: what, and where as a JSON pointer.
///
/// Displays as `POINTER: message` (`/providers/p1/capacity: missing`), or for text that is not
/// JSON as `invalid JSON at line L column C: message` followed by the pointer where reading was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pointer: String,
    kind: InputErrorKind,
}

impl InputError {
    /// The JSON pointer of the value concerned (RFC 6901; empty for the whole document).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What is wrong.
    pub fn kind(&self) -> &InputErrorKind {
        &self.kind
    }

    /// The 1-based line of a syntax error.
    pub fn line(&self) -> Option<usize> {
        match self.kind {
            InputErrorKind::Syntax { line, .. } => Some(line),
            _ => None,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, self.pointer.as_str()) {
            (InputErrorKind::Syntax { .. }, "") => write!(f, "{}", self.kind),
            (InputErrorKind::Syntax { .. }, pointer) => write!(f, "{} (in {pointer})", self.kind),
            (_, "") => write!(f, "the document: {}", self.kind),
            (_, pointer) => write!(f, "{pointer}: {}", self.kind),
        }
    }
}

impl std::error::Error for InputError {}

/// An instance read from JSON: the dense [`Instance`] and the ids of its numbers, borrowed from
/// the input text where possible.
///
/// ```
/// use skillhub_allocation::matching::{ParsedInstance, solve};
///
/// let text = r#"{"meta": {"n": 2},
///     "applicants": {"a1": ["p1"], "a2": ["p1"]},
///     "providers": {"p1": {"capacity": 1, "ranking": ["a2", "a1"]}}}"#;
/// let parsed = ParsedInstance::parse(text)?;
/// let matching = solve(parsed.instance());
/// assert_eq!(parsed.write_assignment(&matching), r#"{"assignment":{"a1":null,"a2":"p1"}}"#);
///
/// let err = ParsedInstance::parse(r#"{"applicants": {"a1": ["p9"]}, "providers": {}}"#).unwrap_err();
/// assert_eq!(err.to_string(), r#"/applicants/a1/0: unknown provider "p9""#);
/// # Ok::<(), skillhub_allocation::matching::InputError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedInstance<'a> {
    applicant_ids: Vec<Cow<'a, str>>,
    provider_ids: Vec<Cow<'a, str>>,
    instance: Instance,
}

impl<'a> ParsedInstance<'a> {
    /// Reads the JSON of `skillhub match`. Never panics, whatever the text.
    pub fn parse(text: &'a str) -> Result<Self, InputError> {
        let mut reader = Reader::default();
        if fast::read(text, &mut reader).is_some() {
            return reader.finish();
        }
        Self::parse_with_serde(text)
    }

    /// The fast path alone: `None` when it leaves the text to `serde_json`.
    #[cfg(test)]
    pub(super) fn parse_fast(text: &'a str) -> Option<Result<Self, InputError>> {
        let mut reader = Reader::default();
        fast::read(text, &mut reader).map(|()| reader.finish())
    }

    /// The reading that reports every problem, with `serde_json`: the fast path's fallback.
    pub(super) fn parse_with_serde(text: &'a str) -> Result<Self, InputError> {
        let mut reader = Reader::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let outcome = Top(&mut reader)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(err) = outcome {
            return Err(reader.error_from(&err));
        }
        reader.finish()
    }

    /// The dense instance: applicant `i` is the `i`-th key of `applicants`, provider `j` the
    /// `j`-th key of `providers`.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// The id of applicant `a`, if it exists.
    pub fn applicant_id(&self, a: u32) -> Option<&str> {
        self.applicant_ids.get(a as usize).map(|id| &**id)
    }

    /// The id of provider `p`, if it exists.
    pub fn provider_id(&self, p: u32) -> Option<&str> {
        self.provider_ids.get(p as usize).map(|id| &**id)
    }

    /// Writes `{"assignment":{…}}`, compact, with every applicant in input order and `null` for
    /// those without a provider. `matching` should come from this instance; applicants it does
    /// not cover, or providers that do not exist, are written `null`.
    pub fn write_assignment(&self, matching: &Matching) -> String {
        let ids_len: usize = self.applicant_ids.iter().map(|id| id.len() + 12).sum();
        let mut out = String::with_capacity(ids_len + 20);
        out.push_str("{\"assignment\":{");
        for (a, id) in self.applicant_ids.iter().enumerate() {
            if a > 0 {
                out.push(',');
            }
            write_json_string(&mut out, id);
            out.push(':');
            let provider = u32::try_from(a)
                .ok()
                .and_then(|a| matching.provider(a))
                .and_then(|p| self.provider_id(p));
            match provider {
                Some(p) => write_json_string(&mut out, p),
                None => out.push_str("null"),
            }
        }
        out.push_str("}}");
        out
    }
}

/// `skillhub match` in one call: reads the instance, solves it, writes the assignment.
///
/// ```
/// use skillhub_allocation::matching::solve_json;
/// let out = solve_json(r#"{"applicants": {"a": ["p"]}, "providers": {"p": {"capacity": 0, "ranking": ["a"]}}}"#)?;
/// assert_eq!(out, r#"{"assignment":{"a":null}}"#);
/// # Ok::<(), skillhub_allocation::matching::InputError>(())
/// ```
pub fn solve_json(text: &str) -> Result<String, InputError> {
    let parsed = ParsedInstance::parse(text)?;
    Ok(parsed.write_assignment(&solve(parsed.instance())))
}

fn write_json_string(out: &mut String, text: &str) {
    out.push('"');
    if !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if u32::from(c) < 0x20 => {
                    out.push_str(&format!("\\u{:04x}", u32::from(c)));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// Appends `/token` to a JSON pointer, escaping `~` and `/` (RFC 6901).
fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A JSON pointer from its tokens.
fn pointer(tokens: &[&str]) -> String {
    let mut text = String::new();
    for token in tokens {
        push_token(&mut text, token);
    }
    text
}

/// FxHash's rounds (as in rustc) with murmur3's finaliser: fast and deterministic for short ids.
/// It is not keyed, so a file crafted for collisions would read slowly, never wrongly; the output
/// never depends on it.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn finish(&self) -> u64 {
        // The multiply-xor rounds only carry low bits upwards, and ids often differ only in
        // their last bytes; hashbrown indexes buckets by the low bits, so mix before (murmur3's
        // finaliser).
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// An id of at most 23 bytes, held inline (length first, zero-padded), so that a lookup
/// compares it without reading the input text again: on large instances that read is a cache
/// miss per reference (inline keys read the L preset about 20% faster).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Short([u8; 24]);

impl Short {
    fn new(id: &str) -> Option<Short> {
        let bytes = id.as_bytes();
        let len = u8::try_from(bytes.len()).ok().filter(|&n| n < 24)?;
        let mut inline = [0u8; 24];
        inline[0] = len;
        inline[1..=bytes.len()].copy_from_slice(bytes);
        Some(Short(inline))
    }
}

impl std::hash::Hash for Short {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for word in self.0.chunks_exact(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            state.write_u64(u64::from_le_bytes(w));
        }
    }
}

type FxMap<K> = HashMap<K, u32, BuildHasherDefault<FxHasher>>;

/// Ids of one kind, numbered on first sight; `defined` lists, in input order, those that have
/// been defined as keys, and `number` gives each one's final number (its place in `defined`).
#[derive(Default)]
struct Interner<'a> {
    numbered: Numbered,
    short: FxMap<Short>,
    long: FxMap<Cow<'a, str>>,
    ids: Vec<Cow<'a, str>>,
    number: Vec<u32>,
    defined: Vec<u32>,
}

impl<'a> Interner<'a> {
    /// The provisional number of `id`, or `None` when there are too many ids.
    fn refer(&mut self, id: Cow<'a, str>) -> Option<u32> {
        let next = u32::try_from(self.ids.len()).ok().filter(|&t| t < NONE);
        let t = match self.numbered.find(&id) {
            Found::Known(t) => return Some(t),
            Found::Vacant(n, width) => {
                let t = next?;
                self.numbered.claim((n, width), t);
                t
            }
            Found::Elsewhere => match Short::new(&id) {
                Some(short) => match self.short.entry(short) {
                    Entry::Occupied(entry) => return Some(*entry.get()),
                    Entry::Vacant(entry) => *entry.insert(next?),
                },
                None => match self.long.get(&*id) {
                    Some(&t) => return Some(t),
                    None => {
                        self.long.insert(id.clone(), next?);
                        next?
                    }
                },
            },
        };
        self.ids.push(id);
        self.number.push(NONE);
        Some(t)
    }

    /// Defines `id` as a key; `Ok(false)` if it was already defined.
    fn define(&mut self, id: Cow<'a, str>) -> Option<bool> {
        let t = self.refer(id)?;
        if self.number[t as usize] != NONE {
            return Some(false);
        }
        self.number[t as usize] = u32::try_from(self.defined.len()).ok()?;
        self.defined.push(t);
        Some(true)
    }

    /// The ids in final order, taken out of the interner.
    fn take_defined(&mut self) -> Vec<Cow<'a, str>> {
        self.numbered = Numbered::default();
        self.short = HashMap::default();
        self.long = HashMap::default();
        let defined = std::mem::take(&mut self.defined);
        defined
            .iter()
            .map(|&t| std::mem::take(&mut self.ids[t as usize]))
            .collect()
    }
}

/// Where [`Numbered`] finds an id.
enum Found {
    /// Interned already, as this provisional number.
    Known(u32),
    /// Not yet interned, and the slot of its number (first) is free: it goes there, with its
    /// count of digits (second).
    Vacant(usize, u8),
    /// Not an id of the table (another prefix, more than [`Numbered::DIGITS`] digits, or its
    /// number held by the same number written with another count of digits): the maps hold it.
    Elsewhere,
}

/// Ids made of one prefix and a number (`a00042`, `p7`), as generators and exports write them,
/// found by their number in a table instead of by hashing: on large instances a hash lookup
/// misses the cache nearly every time, while the table of 100,000 numbers is 500 KB. The prefix
/// is the first id's (before its trailing digits); an id is in the table when it is that prefix
/// followed by 1 to [`Numbered::DIGITS`] digits and its number's slot was free or is its own when
/// first seen (`a7` and `a007` share the number 7: the first seen takes the slot, the other goes
/// to the maps, for good, since a slot never changes hands). Each id thus has one place, and
/// interning gives the same numbers as the maps alone would.
#[derive(Default)]
struct Numbered {
    /// `None` until the first id is seen; then `Some(None)` when it has no trailing digits (the
    /// table stays unused) or `Some(Some(prefix))`.
    prefix: Option<Option<Box<[u8]>>>,
    /// For the id whose number is the index: its provisional number (low 32 bits, [`NONE`] for
    /// a free slot) and its count of digits (above), in one word so that a lookup reads one place.
    slot: Vec<u64>,
}

impl Numbered {
    /// At most this many digits: the table never exceeds a million slots (8 MB).
    const DIGITS: usize = 6;

    fn find(&mut self, id: &str) -> Found {
        let prefix = self.prefix.get_or_insert_with(|| {
            let digits = id.bytes().rev().take_while(u8::is_ascii_digit).count();
            (1..=Self::DIGITS)
                .contains(&digits)
                .then(|| id.as_bytes()[..id.len() - digits].into())
        });
        let Some(prefix) = prefix else {
            return Found::Elsewhere;
        };
        let id = id.as_bytes();
        let digits = match id.split_at_checked(prefix.len()) {
            // Compared byte by byte: prefixes are a letter or two, shorter than a call to memcmp.
            Some((head, digits)) if head.iter().zip(prefix.iter()).all(|(a, b)| a == b) => digits,
            _ => return Found::Elsewhere,
        };
        if digits.is_empty() || digits.len() > Self::DIGITS {
            return Found::Elsewhere;
        }
        let mut n = 0usize;
        for &d in digits {
            if !d.is_ascii_digit() {
                return Found::Elsewhere;
            }
            n = n * 10 + usize::from(d - b'0');
        }
        // At most `DIGITS` digits: the count fits a byte.
        let width = digits.len() as u8;
        match self.slot.get(n) {
            Some(&word) if word as u32 == NONE => Found::Vacant(n, width),
            Some(&word) if word >> 32 == u64::from(width) => Found::Known(word as u32),
            Some(_) => Found::Elsewhere,
            None => Found::Vacant(n, width),
        }
    }

    /// Puts the id found [`Found::Vacant`] in slot `n` with its provisional number `t`.
    fn claim(&mut self, (n, width): (usize, u8), t: u32) {
        if n >= self.slot.len() {
            self.slot.resize(n + 1, u64::from(NONE));
        }
        self.slot[n] = u64::from(width) << 32 | u64::from(t);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Applicants,
    Providers,
}

/// The state of one reading.
#[derive(Default)]
struct Reader<'a> {
    applicants: Interner<'a>,
    providers: Interner<'a>,
    /// Lists in definition order, their entries still provisional numbers.
    lists: InstanceBuilder,
    sections: Vec<Section>,
    error: Option<InputError>,
}

impl<'a> Reader<'a> {
    /// Records a problem (the first one wins) and returns an error that stops the reading.
    fn fail<E: de::Error>(&mut self, pointer: String, kind: InputErrorKind) -> E {
        self.error.get_or_insert(InputError { pointer, kind });
        E::custom("see the recorded problem")
    }

    /// Records where an error of the JSON reader happened, unless a deeper level already did.
    fn locate<E: fmt::Display>(&mut self, err: E, pointer: impl FnOnce() -> String) -> E {
        if self.error.is_none() {
            self.error = Some(InputError {
                pointer: pointer(),
                kind: InputErrorKind::Invalid(strip_position(&err.to_string())),
            });
        }
        err
    }

    /// The error to report once `serde_json` gave up with `err`.
    fn error_from(&mut self, err: &serde_json::Error) -> InputError {
        let recorded = self.error.take();
        if err.is_syntax() || err.is_eof() || err.is_io() {
            return InputError {
                pointer: recorded.map(|e| e.pointer).unwrap_or_default(),
                kind: InputErrorKind::Syntax {
                    line: err.line(),
                    column: err.column(),
                    message: strip_position(&err.to_string()),
                },
            };
        }
        recorded.unwrap_or_else(|| InputError {
            pointer: String::new(),
            kind: InputErrorKind::Invalid(strip_position(&err.to_string())),
        })
    }

    /// Checks references, renumbers them in input order and builds the instance.
    fn finish(mut self) -> Result<ParsedInstance<'a>, InputError> {
        if self.lists.too_large {
            return Err(InputError {
                pointer: String::new(),
                kind: InputErrorKind::TooLarge,
            });
        }
        self.check_references()?;
        let mut builder = std::mem::take(&mut self.lists);
        for p in &mut builder.app_choice {
            *p = self.providers.number[*p as usize];
        }
        for a in &mut builder.prov_rank {
            *a = self.applicants.number[*a as usize];
        }
        let applicant_ids = self.applicants.take_defined();
        let provider_ids = self.providers.take_defined();
        let id = |ids: &[Cow<'_, str>], i: u32| ids[i as usize].to_string();
        let instance = builder.build().map_err(|err| match err {
            InstanceError::DuplicateChoice {
                applicant,
                position,
                provider,
            } => InputError {
                pointer: pointer(&[
                    "applicants",
                    &applicant_ids[applicant as usize],
                    &position.to_string(),
                ]),
                kind: InputErrorKind::DuplicateChoice(id(&provider_ids, provider)),
            },
            InstanceError::DuplicateRanking {
                provider,
                position,
                applicant,
            } => InputError {
                pointer: pointer(&[
                    "providers",
                    &provider_ids[provider as usize],
                    "ranking",
                    &position.to_string(),
                ]),
                kind: InputErrorKind::DuplicateRanking(id(&applicant_ids, applicant)),
            },
            // References were checked above; only size is left.
            _ => InputError {
                pointer: String::new(),
                kind: InputErrorKind::TooLarge,
            },
        })?;
        Ok(ParsedInstance {
            applicant_ids,
            provider_ids,
            instance,
        })
    }

    /// The first reference, in document order, to an id that no section defines.
    fn check_references(&self) -> Result<(), InputError> {
        for section in &self.sections {
            match section {
                Section::Applicants => self.check_choices()?,
                Section::Providers => self.check_rankings()?,
            }
        }
        Ok(())
    }

    fn check_choices(&self) -> Result<(), InputError> {
        let lists = &self.lists;
        for (k, &t) in self.applicants.defined.iter().enumerate() {
            let list =
                &lists.app_choice[lists.app_start[k] as usize..lists.app_start[k + 1] as usize];
            if let Some(i) = list
                .iter()
                .position(|&p| self.providers.number[p as usize] == NONE)
            {
                let owner = &self.applicants.ids[t as usize];
                return Err(InputError {
                    pointer: pointer(&["applicants", owner, &i.to_string()]),
                    kind: InputErrorKind::UnknownProvider(
                        self.providers.ids[list[i] as usize].to_string(),
                    ),
                });
            }
        }
        Ok(())
    }

    fn check_rankings(&self) -> Result<(), InputError> {
        let lists = &self.lists;
        for (k, &t) in self.providers.defined.iter().enumerate() {
            let list =
                &lists.prov_rank[lists.prov_start[k] as usize..lists.prov_start[k + 1] as usize];
            if let Some(i) = list
                .iter()
                .position(|&a| self.applicants.number[a as usize] == NONE)
            {
                let owner = &self.providers.ids[t as usize];
                return Err(InputError {
                    pointer: pointer(&["providers", owner, "ranking", &i.to_string()]),
                    kind: InputErrorKind::UnknownApplicant(
                        self.applicants.ids[list[i] as usize].to_string(),
                    ),
                });
            }
        }
        Ok(())
    }
}

/// serde_json appends " at line L column C" to its messages; the pointer says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// An id: a JSON string, borrowed from the input unless it has escapes.
struct Id;

impl<'de> DeserializeSeed<'de> for Id {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Id {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id (a string)")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

/// The whole document.
struct Top<'r, 'a>(&'r mut Reader<'a>);

impl<'a> DeserializeSeed<'a> for Top<'_, 'a> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'a> Visitor<'a> for Top<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with \"applicants\" and \"providers\"")
    }

    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.0;
        while let Some(key) = map
            .next_key_seed(Id)
            .map_err(|e| reader.locate(e, String::new))?
        {
            let section = match &*key {
                "applicants" => Section::Applicants,
                "providers" => Section::Providers,
                _ => {
                    map.next_value::<IgnoredAny>()
                        .map_err(|e| reader.locate(e, || pointer(&[&key])))?;
                    continue;
                }
            };
            if reader.sections.contains(&section) {
                return Err(reader.fail(pointer(&[&key]), InputErrorKind::DuplicateKey));
            }
            reader.sections.push(section);
            let outcome = match section {
                Section::Applicants => map.next_value_seed(Applicants(&mut *reader)),
                Section::Providers => map.next_value_seed(Providers(&mut *reader)),
            };
            outcome.map_err(|e| reader.locate(e, || pointer(&[&key])))?;
        }
        for (section, key) in [
            (Section::Applicants, "applicants"),
            (Section::Providers, "providers"),
        ] {
            if !reader.sections.contains(&section) {
                return Err(reader.fail(pointer(&[key]), InputErrorKind::Missing));
            }
        }
        Ok(())
    }
}

/// `/applicants`: an object of lists of provider ids.
struct Applicants<'r, 'a>(&'r mut Reader<'a>);

impl<'a> DeserializeSeed<'a> for Applicants<'_, 'a> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'a> Visitor<'a> for Applicants<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping applicant ids to lists of provider ids")
    }

    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.0;
        while let Some(id) = map
            .next_key_seed(Id)
            .map_err(|e| reader.locate(e, || pointer(&["applicants"])))?
        {
            match reader.applicants.define(id.clone()) {
                Some(true) => {}
                Some(false) => {
                    let at = pointer(&["applicants", &id]);
                    return Err(reader.fail(at, InputErrorKind::DuplicateKey));
                }
                None => return Err(reader.fail(String::new(), InputErrorKind::TooLarge)),
            }
            map.next_value_seed(Choices {
                reader: &mut *reader,
                owner: &id,
            })?;
        }
        Ok(())
    }
}

/// `/applicants/ID`: a list of provider ids.
struct Choices<'r, 'a, 'o> {
    reader: &'r mut Reader<'a>,
    owner: &'o str,
}

impl<'a> DeserializeSeed<'a> for Choices<'_, 'a, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        let Choices { reader, owner } = self;
        deserializer
            .deserialize_seq(Choices {
                reader: &mut *reader,
                owner,
            })
            .map_err(|e| reader.locate(e, || pointer(&["applicants", owner])))
    }
}

impl<'a> Visitor<'a> for Choices<'_, 'a, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of provider ids")
    }

    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<(), S::Error> {
        let (reader, owner) = (self.reader, self.owner);
        let mut k = 0usize;
        loop {
            let id = match seq.next_element_seed(Id) {
                Ok(Some(id)) => id,
                Ok(None) => break,
                Err(e) => {
                    let at = || pointer(&["applicants", owner, &k.to_string()]);
                    return Err(reader.locate(e, at));
                }
            };
            let Some(p) = reader.providers.refer(id) else {
                return Err(reader.fail(String::new(), InputErrorKind::TooLarge));
            };
            reader.lists.app_choice.push(p);
            k += 1;
        }
        reader.lists.end_applicant();
        Ok(())
    }
}

/// `/providers`: an object of provider objects.
struct Providers<'r, 'a>(&'r mut Reader<'a>);

impl<'a> DeserializeSeed<'a> for Providers<'_, 'a> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'a> Visitor<'a> for Providers<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object mapping provider ids to {\"capacity\", \"ranking\"}")
    }

    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let reader = self.0;
        while let Some(id) = map
            .next_key_seed(Id)
            .map_err(|e| reader.locate(e, || pointer(&["providers"])))?
        {
            match reader.providers.define(id.clone()) {
                Some(true) => {}
                Some(false) => {
                    let at = pointer(&["providers", &id]);
                    return Err(reader.fail(at, InputErrorKind::DuplicateKey));
                }
                None => return Err(reader.fail(String::new(), InputErrorKind::TooLarge)),
            }
            map.next_value_seed(Provider {
                reader: &mut *reader,
                owner: &id,
            })?;
        }
        Ok(())
    }
}

/// `/providers/ID`: `{"capacity": n, "ranking": [applicant ids]}`.
struct Provider<'r, 'a, 'o> {
    reader: &'r mut Reader<'a>,
    owner: &'o str,
}

impl<'a> DeserializeSeed<'a> for Provider<'_, 'a, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        let Provider { reader, owner } = self;
        deserializer
            .deserialize_map(Provider {
                reader: &mut *reader,
                owner,
            })
            .map_err(|e| reader.locate(e, || pointer(&["providers", owner])))
    }
}

impl<'a> Visitor<'a> for Provider<'_, 'a, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with \"capacity\" and \"ranking\"")
    }

    fn visit_map<M: MapAccess<'a>>(self, mut map: M) -> Result<(), M::Error> {
        let (reader, owner) = (self.reader, self.owner);
        let mut capacity = None;
        let mut ranked = false;
        while let Some(key) = map
            .next_key_seed(Id)
            .map_err(|e| reader.locate(e, || pointer(&["providers", owner])))?
        {
            let at = || pointer(&["providers", owner, &key]);
            match &*key {
                "capacity" if capacity.is_some() => {
                    return Err(reader.fail(at(), InputErrorKind::DuplicateKey));
                }
                "capacity" => match map.next_value_seed(Capacity) {
                    Ok(Ok(n)) => capacity = Some(n),
                    Ok(Err(given)) => {
                        return Err(reader.fail(at(), InputErrorKind::Capacity(given)));
                    }
                    Err(e) => return Err(reader.locate(e, at)),
                },
                "ranking" if ranked => {
                    return Err(reader.fail(at(), InputErrorKind::DuplicateKey));
                }
                "ranking" => {
                    map.next_value_seed(Ranking {
                        reader: &mut *reader,
                        owner,
                    })?;
                    ranked = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()
                        .map_err(|e| reader.locate(e, at))?;
                }
            }
        }
        let Some(capacity) = capacity else {
            let at = pointer(&["providers", owner, "capacity"]);
            return Err(reader.fail(at, InputErrorKind::Missing));
        };
        if !ranked {
            let at = pointer(&["providers", owner, "ranking"]);
            return Err(reader.fail(at, InputErrorKind::Missing));
        }
        reader.lists.end_provider(capacity);
        Ok(())
    }
}

/// `/providers/ID/ranking`: a list of applicant ids.
struct Ranking<'r, 'a, 'o> {
    reader: &'r mut Reader<'a>,
    owner: &'o str,
}

impl<'a> DeserializeSeed<'a> for Ranking<'_, 'a, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'a>>(self, deserializer: D) -> Result<(), D::Error> {
        let Ranking { reader, owner } = self;
        deserializer
            .deserialize_seq(Ranking {
                reader: &mut *reader,
                owner,
            })
            .map_err(|e| reader.locate(e, || pointer(&["providers", owner, "ranking"])))
    }
}

impl<'a> Visitor<'a> for Ranking<'_, 'a, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of applicant ids")
    }

    fn visit_seq<S: SeqAccess<'a>>(self, mut seq: S) -> Result<(), S::Error> {
        let (reader, owner) = (self.reader, self.owner);
        let mut k = 0usize;
        loop {
            let id = match seq.next_element_seed(Id) {
                Ok(Some(id)) => id,
                Ok(None) => break,
                Err(e) => {
                    let at = || pointer(&["providers", owner, "ranking", &k.to_string()]);
                    return Err(reader.locate(e, at));
                }
            };
            let Some(a) = reader.applicants.refer(id) else {
                return Err(reader.fail(String::new(), InputErrorKind::TooLarge));
            };
            reader.lists.prov_rank.push(a);
            k += 1;
        }
        Ok(())
    }
}

/// A capacity: `Ok(Ok(n))` for a whole number in `0..=u32::MAX`, `Ok(Err(as written))` for
/// another number, an error for anything else.
struct Capacity;

impl<'de> DeserializeSeed<'de> for Capacity {
    type Value = Result<u32, String>;
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Visitor<'_> for Capacity {
    type Value = Result<u32, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a capacity (a whole number, 0 or more)")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(u32::try_from(v).map_err(|_| v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(u32::try_from(v).map_err(|_| v.to_string()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Err(v.to_string()))
    }
}
