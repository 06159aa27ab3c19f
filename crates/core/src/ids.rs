//! Identifiers: short, stable, URL-safe slugs such as `binario-f` or `municipio-4`.
//!
//! Every id is a newtype over a validated slug, so a program id cannot be passed where a hub id is
//! expected and no id contains characters that would break a URL, a file name or a CSV cell.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Why a text is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// Empty, or longer than [`MAX_ID_LEN`] characters.
    #[error("id {0:?} must be 1 to 64 characters long")]
    Length(String),
    /// A character outside `a-z`, `0-9`, `-`, `_`, `.`, or a separator at the start or end.
    #[error(
        "id {0:?} may only use lowercase letters, digits, '-', '_' and '.', and must start and end with a letter or digit"
    )]
    Characters(String),
}

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 64;

fn check_slug(text: &str) -> Result<(), IdError> {
    if text.is_empty() || text.len() > MAX_ID_LEN {
        return Err(IdError::Length(text.to_owned()));
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !text.chars().all(allowed) || !edge(text.chars().next()) || !edge(text.chars().last()) {
        return Err(IdError::Characters(text.to_owned()));
    }
    Ok(())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a slug: 1–64 of `a-z 0-9 - _ .`, starting and ending with a letter or digit.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_slug(text).map(|()| Self(text.to_owned()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_id!(
    /// A program's id, e.g. `binario-f` ("programma").
    ///
    /// ```
    /// use skillhub_core::ids::ProgramId;
    /// assert!(ProgramId::parse("binario-f").is_ok());
    /// assert!(ProgramId::parse("Binario F").is_err());
    /// ```
    ProgramId
);
slug_id!(
    /// A hub's id, e.g. `municipio-4` ("polo", "sede").
    HubId
);
slug_id!(
    /// A session's id, e.g. `binario-f-2019-02-12` ("incontro").
    SessionId
);
impl SessionId {
    /// The id a session gets from where and when it starts, when nobody chose one:
    /// `PREFIX-YYYY-MM-DD-HHMM`, the prefix being its hub's id (its program's, without a hub)
    /// and the time local. The one rule for the API, the season pattern and the imports.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use skillhub_core::ids::SessionId;
    /// let start = NaiveDate::from_ymd_opt(2019, 2, 12).unwrap().and_hms_opt(9, 30, 0).unwrap();
    /// assert_eq!(SessionId::starting("municipio-4", start)?.as_str(), "municipio-4-2019-02-12-0930");
    /// # Ok::<(), skillhub_core::ids::IdError>(())
    /// ```
    pub fn starting(
        prefix: &str,
        local_start: chrono::NaiveDateTime,
    ) -> Result<SessionId, IdError> {
        SessionId::parse(&format!("{prefix}-{}", local_start.format("%Y-%m-%d-%H%M")))
    }
}

slug_id!(
    /// A room's id inside a hub ("aula").
    RoomId
);
slug_id!(
    /// A target's id inside a program ("obiettivo").
    TargetId
);
slug_id!(
    /// A trainer's id ("formatore").
    TrainerId
);
slug_id!(
    /// A free-form tag naming a role, a membership or a priority criterion, e.g.
    /// `community_admin`, `albo_cooperative`.
    Tag
);

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, ok: bool) {
        assert_eq!(ProgramId::parse(text).is_ok(), ok, "{text:?}");
    }

    #[test]
    fn slugs() {
        check("binario-f", true);
        check("municipio-9", true);
        check("a", true);
        check("she_means.business", true);
        check("", false);
        check("-x", false);
        check("x-", false);
        check("Binario", false);
        check("città", false);
        check("a b", false);
        check(&"x".repeat(64), true);
        check(&"x".repeat(65), false);
    }

    #[test]
    fn deserialize_validates() {
        assert!(serde_json::from_str::<HubId>("\"municipio-1\"").is_ok());
        let err = serde_json::from_str::<HubId>("\"Municipio 1\"").unwrap_err();
        assert!(err.to_string().contains("lowercase"), "{err}");
    }
}
