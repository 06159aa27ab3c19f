//! The registration window of a session ("finestra di iscrizione"): when registration opens and
//! when it closes. A session that has started never takes a registration: the window closes at
//! the start at the latest.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why a window is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WindowError {
    /// Registration would close after the session starts.
    #[error("registration must close at or before the session starts ({starts_at})")]
    ClosesAfterStart {
        /// The session's start.
        starts_at: DateTime<Utc>,
    },
    /// Registration would open at or after it closes.
    #[error("registration must open before it closes ({closes_at})")]
    OpensAfterClose {
        /// When it closes.
        closes_at: DateTime<Utc>,
    },
}

/// When a session takes registrations: from `opens_at` (or from its creation when none is
/// set) until `closes_at` (its start when none is set), end excluded.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_core::window::{RegistrationWindow, WindowState};
/// let start = Utc.with_ymd_and_hms(2030, 2, 12, 8, 30, 0).unwrap();
/// let opens = Utc.with_ymd_and_hms(2030, 1, 15, 9, 0, 0).unwrap();
/// let window = RegistrationWindow::new(Some(opens), None, start)?;
/// assert_eq!(window.state_at(opens - chrono::Duration::days(1)), WindowState::NotYetOpen { opens_at: opens });
/// assert_eq!(window.state_at(opens), WindowState::Open);
/// assert_eq!(window.state_at(start), WindowState::Closed { closed_at: start });
/// # Ok::<(), skillhub_core::window::WindowError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RegistrationWindow {
    opens_at: Option<DateTime<Utc>>,
    closes_at: DateTime<Utc>,
}

/// Where a window stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WindowState {
    /// Registration opens later ("iscrizioni aperte dal …").
    NotYetOpen {
        /// When it opens.
        opens_at: DateTime<Utc>,
    },
    /// Registration is open.
    Open,
    /// Registration has closed ("iscrizioni chiuse").
    Closed {
        /// When it closed.
        closed_at: DateTime<Utc>,
    },
}

impl RegistrationWindow {
    /// The window of a session starting at `starts_at`: `closes_at` defaults to the start and
    /// may not be after it; `opens_at`, when given, must be before the close.
    pub fn new(
        opens_at: Option<DateTime<Utc>>,
        closes_at: Option<DateTime<Utc>>,
        starts_at: DateTime<Utc>,
    ) -> Result<Self, WindowError> {
        let closes_at = closes_at.unwrap_or(starts_at);
        if closes_at > starts_at {
            return Err(WindowError::ClosesAfterStart { starts_at });
        }
        if opens_at.is_some_and(|opens| opens >= closes_at) {
            return Err(WindowError::OpensAfterClose { closes_at });
        }
        Ok(RegistrationWindow {
            opens_at,
            closes_at,
        })
    }

    /// Open from now until `starts_at` (the default window; it cannot be refused).
    pub fn until_start(starts_at: DateTime<Utc>) -> Self {
        RegistrationWindow {
            opens_at: None,
            closes_at: starts_at,
        }
    }

    /// When registration opens, if a time was set.
    pub fn opens_at(&self) -> Option<DateTime<Utc>> {
        self.opens_at
    }

    /// When registration closes.
    pub fn closes_at(&self) -> DateTime<Utc> {
        self.closes_at
    }

    /// Where the window stands at `now`.
    pub fn state_at(&self, now: DateTime<Utc>) -> WindowState {
        match self.opens_at {
            Some(opens_at) if now < opens_at => WindowState::NotYetOpen { opens_at },
            _ if now >= self.closes_at => WindowState::Closed {
                closed_at: self.closes_at,
            },
            _ => WindowState::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(minutes)
    }

    #[test]
    fn a_window_closes_at_the_start_at_the_latest() {
        assert_eq!(
            RegistrationWindow::new(None, Some(at(11)), at(10)),
            Err(WindowError::ClosesAfterStart { starts_at: at(10) })
        );
        assert_eq!(
            RegistrationWindow::new(Some(at(5)), Some(at(5)), at(10)),
            Err(WindowError::OpensAfterClose { closes_at: at(5) })
        );
        let window = RegistrationWindow::new(None, None, at(10)).unwrap();
        assert_eq!(window.closes_at(), at(10));
        assert_eq!(window.state_at(at(-100_000)), WindowState::Open);
    }

    proptest! {
        /// Registration is open exactly from the opening (if any) to the close, end excluded,
        /// and never at or after the session's start.
        #[test]
        fn open_exactly_inside_the_window(
            opens in proptest::option::of(-1000i64..1000),
            closes in proptest::option::of(-1000i64..1000),
            start in -1000i64..1000,
            now in -2000i64..2000,
        ) {
            let Ok(window) = RegistrationWindow::new(opens.map(at), closes.map(at), at(start)) else {
                return Ok(());
            };
            let open = window.state_at(at(now)) == WindowState::Open;
            let close = closes.unwrap_or(start);
            let expected = opens.is_none_or(|o| now >= o) && now < close;
            prop_assert_eq!(open, expected);
            if now >= start {
                prop_assert!(!open);
            }
        }
    }
}
