//! The languages skillhub speaks to people in: Italian first, English for those who ask.
//!
//! A registration remembers the language it was made in, so the messages about it
//! (`skillhub-notify`) are written in that language.
//!
//! Dates and times are said here, once, so that the web pages and the messages say them the same
//! way and follow each language's habits: `martedì 12 febbraio 2019, 9:30–13:30` (through
//! [`crate::italian`]) and `Tuesday 12 February 2019, 9:30–13:30`. The times given are local
//! civil times: the caller turns an instant into its zone's time first (`crate::tz`).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::italian;

/// A language of pages and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Italiano, the default.
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// Both, Italian first.
    pub const ALL: [Lang; 2] = [Lang::It, Lang::En];

    /// `it` or `en` (BCP 47), as stored and as the `lang` attribute of a page.
    pub fn code(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// The other language, for a switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::It => Lang::En,
            Lang::En => Lang::It,
        }
    }

    /// One of two texts kept elsewhere (core's reasons and descriptions come in both languages).
    pub fn pick<'a>(self, it: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }

    /// A day with its weekday: `martedì 12 febbraio 2019`, `Tuesday 12 February 2019`.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::lang::Lang;
    /// let day = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
    /// assert_eq!(Lang::It.date(day), "martedì 12 febbraio 2019");
    /// assert_eq!(Lang::En.date(day), "Tuesday 12 February 2019");
    /// ```
    pub fn date(self, day: NaiveDate) -> String {
        match self {
            Lang::It => italian::long_date(day),
            Lang::En => day.format("%A %-d %B %Y").to_string(),
        }
    }

    /// A day and month, short, as in a subject line: `12 febbraio`, `12 February`.
    pub fn day_month(self, day: NaiveDate) -> String {
        match self {
            Lang::It => {
                let month = italian::month_name(day.month()).unwrap_or("?");
                format!("{} {month}", day.day())
            }
            Lang::En => day.format("%-d %B").to_string(),
        }
    }

    /// A clock time, hours without a leading zero: `9:30` in both languages.
    pub fn clock(self, at: NaiveDateTime) -> String {
        match self {
            Lang::It => italian::clock(at),
            Lang::En => at.format("%-H:%M").to_string(),
        }
    }

    /// A moment: `martedì 12 febbraio 2019, ore 9:30`, `Tuesday 12 February 2019 at 9:30`.
    pub fn moment(self, at: NaiveDateTime) -> String {
        match self {
            Lang::It => format!("{}, ore {}", self.date(at.date()), self.clock(at)),
            Lang::En => format!("{} at {}", self.date(at.date()), self.clock(at)),
        }
    }

    /// A session's local start and end: `martedì 12 febbraio 2019, 9:30–13:30`; an end on
    /// another day is written in full.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::lang::Lang;
    /// let day = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
    /// let (start, end) = (day.and_hms_opt(9, 30, 0).unwrap(), day.and_hms_opt(13, 30, 0).unwrap());
    /// assert_eq!(Lang::It.span(start, end), "martedì 12 febbraio 2019, 9:30–13:30");
    /// assert_eq!(Lang::En.span(start, end), "Tuesday 12 February 2019, 9:30–13:30");
    /// ```
    pub fn span(self, start: NaiveDateTime, end: NaiveDateTime) -> String {
        if self == Lang::It {
            return italian::span(start, end);
        }
        if start.date() == end.date() {
            format!(
                "{}, {}–{}",
                self.date(start.date()),
                self.clock(start),
                self.clock(end)
            )
        } else {
            format!(
                "{}, {} – {}, {}",
                self.date(start.date()),
                self.clock(start),
                self.date(end.date()),
                self.clock(end)
            )
        }
    }

    /// A month heading: `febbraio 2019`, `February 2019` (`2/2019` for a month that is not one).
    pub fn month(self, year: i32, month: u32) -> String {
        match self {
            Lang::It => format!("{} {year}", italian::month_name(month).unwrap_or("?")),
            Lang::En => NaiveDate::from_ymd_opt(year, month, 1).map_or_else(
                || format!("{month}/{year}"),
                |d| d.format("%B %Y").to_string(),
            ),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A language code skillhub does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown language {0:?}: expected \"it\" or \"en\"")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;

    /// `it` or `en`, any case; a region is allowed (`en-GB`, `it_IT`).
    fn from_str(text: &str) -> Result<Lang, UnknownLang> {
        let primary = text.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("it") {
            Ok(Lang::It)
        } else if primary.eq_ignore_ascii_case("en") {
            Ok(Lang::En)
        } else {
            Err(UnknownLang(text.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_regions_are_read() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>(), Ok(lang));
        }
        assert_eq!("en-GB".parse::<Lang>(), Ok(Lang::En));
        assert_eq!("IT_it".parse::<Lang>(), Ok(Lang::It));
        assert!("fr".parse::<Lang>().is_err());
        assert!("".parse::<Lang>().is_err());
    }

    #[test]
    fn dates_in_both_languages() {
        let day = |d| NaiveDate::from_ymd_opt(2019, 2, d).unwrap_or_default();
        let at = |d, h, m| day(d).and_hms_opt(h, m, 0).unwrap_or_default();
        let check = |lang: Lang, got: String, expected: &str| assert_eq!(got, expected, "{lang}");
        check(
            Lang::It,
            Lang::It.span(at(12, 9, 30), at(12, 13, 30)),
            "martedì 12 febbraio 2019, 9:30–13:30",
        );
        check(
            Lang::En,
            Lang::En.span(at(12, 9, 30), at(12, 13, 30)),
            "Tuesday 12 February 2019, 9:30–13:30",
        );
        check(
            Lang::En,
            Lang::En.span(at(12, 22, 0), at(13, 1, 0)),
            "Tuesday 12 February 2019, 22:00 – Wednesday 13 February 2019, 1:00",
        );
        check(
            Lang::It,
            Lang::It.moment(at(3, 18, 5)),
            "domenica 3 febbraio 2019, ore 18:05",
        );
        check(
            Lang::En,
            Lang::En.moment(at(3, 18, 5)),
            "Sunday 3 February 2019 at 18:05",
        );
        check(Lang::It, Lang::It.day_month(day(3)), "3 febbraio");
        check(Lang::En, Lang::En.day_month(day(3)), "3 February");
        check(Lang::It, Lang::It.month(2019, 2), "febbraio 2019");
        check(Lang::En, Lang::En.month(2019, 13), "13/2019");
        assert_eq!(Lang::It.other(), Lang::En);
        assert_eq!(Lang::En.pick("sì", "yes"), "yes");
    }
}
