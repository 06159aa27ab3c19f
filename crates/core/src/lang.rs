//! The languages skillhub speaks to people in: Italian first, English for those who ask.
//!
//! A registration remembers the language it was made in, so the messages about it
//! (`skillhub-notify`) are written in that language.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
}
