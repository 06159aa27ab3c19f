//! The fast path of [`ParsedInstance::parse`](super::ParsedInstance::parse): one pass over the
//! bytes for documents that are well formed, in a strict subset of JSON.
//!
//! It fills the same [`Reader`] as the `serde_json` reading, with the same calls in the same
//! order (an applicant or provider is defined when its key is read, its references are interned
//! as they come, its list is closed at its end), so [`Reader::finish`] gives the same instance and
//! the same problems about references and duplicates either way. It **reports nothing**: at the
//! first thing it does not accept — a syntax or type error, a key defined twice, a missing key,
//! an escape in a string, a capacity that is not a plain whole number, nesting deeper than
//! [`MAX_DEPTH`] — it gives up, and the caller reads the text again with `serde_json`, which
//! finds the problem and says where. Everything it accepts, `serde_json` accepts alike: strings
//! without escapes or control characters, numbers in JSON's grammar, JSON's four whitespace
//! bytes. The test `fast_path_agrees_with_serde` holds it to that.

use std::borrow::Cow;

use super::{Reader, Section};

/// Nesting of ignored values beyond which the fast path gives up (the document is still read,
/// by `serde_json`).
const MAX_DEPTH: usize = 64;

/// Reads `text` into `reader`; `None` when the text is not in the fast path's subset (then
/// `reader` holds a partial reading and must be dropped).
pub(super) fn read<'a>(text: &'a str, reader: &mut Reader<'a>) -> Option<()> {
    let mut scan = Scan {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    scan.expect(b'{')?;
    if scan.peek()? == b'}' {
        // `{}` lacks both sections: an error that `serde_json`'s reading reports.
        return None;
    }
    loop {
        let key = scan.string()?;
        scan.expect(b':')?;
        let section = match key {
            "applicants" => Section::Applicants,
            "providers" => Section::Providers,
            _ => {
                scan.skip_value(0)?;
                if scan.close(b'}')? {
                    break;
                }
                continue;
            }
        };
        if reader.sections.contains(&section) {
            return None;
        }
        reader.sections.push(section);
        match section {
            Section::Applicants => scan.applicants(reader)?,
            Section::Providers => scan.providers(reader)?,
        }
        if scan.close(b'}')? {
            break;
        }
    }
    if reader.sections.len() != 2 {
        return None;
    }
    scan.skip_whitespace();
    (scan.at == scan.bytes.len()).then_some(())
}

/// A position in the text.
struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Scan<'a> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.bytes.get(self.at).copied()
    }

    /// Consumes `byte` (after whitespace), or gives up.
    fn expect(&mut self, byte: u8) -> Option<()> {
        if self.peek()? != byte {
            return None;
        }
        self.at += 1;
        Some(())
    }

    /// After an element: `,` (more follow: `false`) or `end` (`true`), consumed.
    fn close(&mut self, end: u8) -> Option<bool> {
        let b = self.peek()?;
        self.at += 1;
        match b {
            b',' => Some(false),
            b if b == end => Some(true),
            _ => None,
        }
    }

    /// Consumes `open`, and `close` right after it if the container is empty (`true`).
    fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.expect(open)?;
        if self.peek()? == close {
            self.at += 1;
            return Some(true);
        }
        Some(false)
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' | 0..0x20 => return None,
                _ => self.at += 1,
            }
        }
        // Both ends are next to a `"`, so they fall on character boundaries.
        let text = self.text.get(start..self.at)?;
        self.at += 1;
        Some(text)
    }

    /// `/applicants`: `{"a1": ["p1", …], …}`.
    fn applicants(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        if self.open(b'{', b'}')? {
            return Some(());
        }
        loop {
            let id = self.string()?;
            self.expect(b':')?;
            if reader.applicants.define(Cow::Borrowed(id)) != Some(true) {
                return None;
            }
            if !self.open(b'[', b']')? {
                loop {
                    let p = reader.providers.refer(Cow::Borrowed(self.string()?))?;
                    reader.lists.app_choice.push(p);
                    if self.close(b']')? {
                        break;
                    }
                }
            }
            reader.lists.end_applicant();
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// `/providers`: `{"p1": {"capacity": 2, "ranking": ["a1", …]}, …}`.
    fn providers(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        if self.open(b'{', b'}')? {
            return Some(());
        }
        loop {
            let id = self.string()?;
            self.expect(b':')?;
            if reader.providers.define(Cow::Borrowed(id)) != Some(true) {
                return None;
            }
            self.provider(reader)?;
            if self.close(b'}')? {
                return Some(());
            }
        }
    }

    /// `/providers/ID`: `{"capacity": 2, "ranking": [...]}`, other keys ignored.
    fn provider(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        if self.open(b'{', b'}')? {
            return None;
        }
        let (mut capacity, mut ranked) = (None, false);
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            match key {
                "capacity" if capacity.is_some() => return None,
                "capacity" => capacity = Some(self.capacity()?),
                "ranking" if ranked => return None,
                "ranking" => {
                    self.ranking(reader)?;
                    ranked = true;
                }
                _ => self.skip_value(0)?,
            }
            if self.close(b'}')? {
                break;
            }
        }
        if !ranked {
            return None;
        }
        reader.lists.end_provider(capacity?);
        Some(())
    }

    fn ranking(&mut self, reader: &mut Reader<'a>) -> Option<()> {
        if self.open(b'[', b']')? {
            return Some(());
        }
        loop {
            let a = reader.applicants.refer(Cow::Borrowed(self.string()?))?;
            reader.lists.prov_rank.push(a);
            if self.close(b']')? {
                return Some(());
            }
        }
    }

    /// `0` or a whole number from 1 to `u32::MAX` without leading zeros, fraction or exponent.
    fn capacity(&mut self) -> Option<u32> {
        self.skip_whitespace();
        let start = self.at;
        let mut value = 0u64;
        while let Some(&b @ b'0'..=b'9') = self.bytes.get(self.at) {
            value = value * 10 + u64::from(b - b'0');
            self.at += 1;
            if self.at - start > 10 {
                return None;
            }
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes[start] == b'0';
        if digits == 0 || leading_zero {
            return None;
        }
        if let Some(b'.' | b'e' | b'E') = self.bytes.get(self.at) {
            return None;
        }
        u32::try_from(value).ok()
    }

    /// Any JSON value, checked and ignored.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' => {
                if self.open(b'{', b'}')? {
                    return Some(());
                }
                loop {
                    self.string()?;
                    self.expect(b':')?;
                    self.skip_value(depth + 1)?;
                    if self.close(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                if self.open(b'[', b']')? {
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    if self.close(b']')? {
                        return Some(());
                    }
                }
            }
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'n' => self.word(b"null"),
            _ => self.number(),
        }
    }

    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<()> {
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match self.bytes.get(self.at)? {
            b'0' => {
                self.at += 1;
                if self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}
