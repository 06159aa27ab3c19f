//! Italian calendar words and formats: month and weekday names (full and abbreviated), and the
//! way Italian listings write a session's date and time (`martedì 12 febbraio 2019, 9:30–13:30`).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike, Weekday};

/// Month names, January first.
pub const MONTHS: [&str; 12] = [
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
];

/// Weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "lunedì",
    "martedì",
    "mercoledì",
    "giovedì",
    "venerdì",
    "sabato",
    "domenica",
];

/// The Italian name of a month (1–12).
pub fn month_name(month: u32) -> Option<&'static str> {
    MONTHS
        .get(usize::try_from(month).ok()?.checked_sub(1)?)
        .copied()
}

/// The Italian name of a weekday.
pub fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[day.num_days_from_monday() as usize]
}

/// Lowercases and strips accents, so `Martedì`, `martedi` and `MARTEDÌ` compare equal.
pub fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' => 'a',
            'è' | 'é' => 'e',
            'ì' | 'í' => 'i',
            'ò' | 'ó' => 'o',
            'ù' | 'ú' => 'u',
            other => other,
        })
        .collect()
}

/// Parses a month written in full or abbreviated to three or more letters, any case, with or
/// without accents: `Febbraio`, `feb`, `febb.` → 2.
///
/// ```
/// use skillhub_core::italian::parse_month;
/// assert_eq!(parse_month("Febbraio"), Some(2));
/// assert_eq!(parse_month("sett."), Some(9));
/// assert_eq!(parse_month("fe"), None);
/// ```
pub fn parse_month(word: &str) -> Option<u32> {
    let folded = fold(word.trim().trim_end_matches('.'));
    if folded.chars().count() < 3 {
        return None;
    }
    let position = MONTHS.iter().position(|m| m.starts_with(&folded))?;
    u32::try_from(position + 1).ok()
}

/// Parses a weekday written in full or abbreviated (`mar`, `merc.`), any case, with or without
/// accents.
///
/// ```
/// use chrono::Weekday;
/// use skillhub_core::italian::parse_weekday;
/// assert_eq!(parse_weekday("martedì"), Some(Weekday::Tue));
/// assert_eq!(parse_weekday("Mer"), Some(Weekday::Wed));
/// assert_eq!(parse_weekday("ma"), None);
/// ```
pub fn parse_weekday(word: &str) -> Option<Weekday> {
    let folded = fold(word.trim().trim_end_matches('.'));
    if folded.chars().count() < 3 {
        return None;
    }
    let position = WEEKDAYS.iter().position(|d| fold(d).starts_with(&folded))?;
    Weekday::try_from(u8::try_from(position).ok()?).ok()
}

/// `martedì 12 febbraio 2019`.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::italian::long_date;
/// assert_eq!(long_date(NaiveDate::from_ymd_opt(2019, 2, 12).unwrap()), "martedì 12 febbraio 2019");
/// ```
pub fn long_date(date: NaiveDate) -> String {
    format!(
        "{} {} {} {}",
        weekday_name(date.weekday()),
        date.day(),
        month_name(date.month()).unwrap_or("?"),
        date.year()
    )
}

/// `9:30` (hours without a leading zero, as Italian listings write them).
pub fn clock(time: NaiveDateTime) -> String {
    format!("{}:{:02}", time.hour(), time.minute())
}

/// `martedì 12 febbraio 2019, 9:30–13:30`; an end on another day is written in full.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::italian::span;
/// let day = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
/// let (start, end) = (day.and_hms_opt(9, 30, 0).unwrap(), day.and_hms_opt(13, 30, 0).unwrap());
/// assert_eq!(span(start, end), "martedì 12 febbraio 2019, 9:30–13:30");
/// ```
pub fn span(start: NaiveDateTime, end: NaiveDateTime) -> String {
    if start.date() == end.date() {
        format!(
            "{}, {}–{}",
            long_date(start.date()),
            clock(start),
            clock(end)
        )
    } else {
        format!(
            "{}, {} – {}, {}",
            long_date(start.date()),
            clock(start),
            long_date(end.date()),
            clock(end)
        )
    }
}

/// `1.234.567`: thousands separated by dots, as Italians write them.
///
/// ```
/// use skillhub_core::italian::thousands;
/// assert_eq!(thousands(500_000), "500.000");
/// assert_eq!(thousands(999), "999");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// `12/02/2019`, the date format of Italian spreadsheets.
pub fn short_date(date: NaiveDate) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_month_and_weekday_round_trips() {
        for (i, name) in MONTHS.iter().enumerate() {
            assert_eq!(parse_month(name), Some(i as u32 + 1));
            assert_eq!(parse_month(&name.to_uppercase()), Some(i as u32 + 1));
            assert_eq!(parse_month(&name[..3]), Some(i as u32 + 1), "{name}");
        }
        for name in WEEKDAYS {
            let day = parse_weekday(name).unwrap();
            assert_eq!(weekday_name(day), name);
            assert_eq!(parse_weekday(&fold(name)), Some(day));
        }
        assert_eq!(parse_month("giu"), Some(6));
        assert_eq!(parse_month("gi"), None);
        assert_eq!(parse_month("maggioo"), None);
    }

    #[test]
    fn short_dates() {
        let d = NaiveDate::from_ymd_opt(2019, 6, 4).unwrap();
        assert_eq!(short_date(d), "04/06/2019");
        assert_eq!(long_date(d), "martedì 4 giugno 2019");
    }
}
