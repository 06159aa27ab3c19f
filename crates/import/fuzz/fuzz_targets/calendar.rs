//! Italian calendar listings: any text, in any year and zone, is read or refused, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use skillhub_core::session::Ambiguity;
use skillhub_core::tz::Zone;
use skillhub_import::calendar::{Options, parse};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let zone = match selector % 3 {
        0 => Zone::rome(),
        1 => Zone::parse("America/Mexico_City").unwrap_or_else(|_| Zone::rome()),
        _ => Zone::parse("Asia/Almaty").unwrap_or_else(|_| Zone::rome()),
    };
    let ambiguity = match selector / 3 % 3 {
        0 => Ambiguity::Refuse,
        1 => Ambiguity::Earlier,
        _ => Ambiguity::Later,
    };
    let year = 1900 + i32::from(selector) * 2;
    let _ = parse("f.txt", text, &Options { year, zone, ambiguity });
});
