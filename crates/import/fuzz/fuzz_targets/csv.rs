//! Spreadsheets: any bytes, in any encoding and with any separator, read as people,
//! registrations or grant applications, are read or refused, never a panic.

#![no_main]

use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use skillhub_core::fixture::Catalog;
use skillhub_import::csv::{
    ApplicationOptions, Encoding, ReadOptions, read_applications, read_people, read_registrations,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2019, 2, 1).unwrap_or_default();
    let read = ReadOptions {
        encoding: match selector % 3 {
            0 => Encoding::Detect,
            1 => Encoding::Utf8,
            _ => Encoding::Windows1252,
        },
        max_problems: 5,
        progress_every: 3,
        ..ReadOptions::new(today)
    };
    match selector / 3 % 3 {
        0 => {
            let _ = read_people("f.csv", bytes, &read, |_| {}, |_| {});
        }
        1 => {
            let _ = read_registrations("f.csv", bytes, &read, |_| {}, |_| {});
        }
        _ => {
            // The seed programs are parsed once, not on every run.
            static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
            let Some(catalog) = CATALOG.get_or_init(|| Catalog::seeds().ok()) else {
                return;
            };
            let Some(call) = catalog
                .program("cooperazione-digitale")
                .and_then(|p| p.grant_call())
            else {
                return;
            };
            let options = ApplicationOptions {
                read,
                priority_criteria: &call.priority_criteria,
                project_kinds: &call.favoured_projects,
            };
            let _ = read_applications("f.csv", bytes, &options, |_| {}, |_| {});
        }
    }
});
