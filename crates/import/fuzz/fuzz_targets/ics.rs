//! iCalendar: any text (folded lines, VTIMEZONE, RRULE/EXDATE/RDATE series) is read or refused,
//! never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use skillhub_core::session::Ambiguity;
use skillhub_core::tz::Zone;
use skillhub_import::ics::{ImportOptions, parse};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let options = ImportOptions {
        zone: Zone::rome(),
        ambiguity: match selector % 3 {
            0 => Ambiguity::Refuse,
            1 => Ambiguity::Earlier,
            _ => Ambiguity::Later,
        },
        max_occurrences: 200,
    };
    let _ = parse("f.ics", text, &options);
});
