//! `skillhub-core`: the pure domain of skillhub.
//!
//! Programs, hubs and sessions; time zones; seats and waiting lists; who may take part
//! (eligibility) and who goes first (priority); DigComp skill levels. Everything here is a
//! function of its inputs: no IO, no clock ("now" is a parameter), no async, no unseeded
//! randomness. Adapters (`skillhub-import`, `skillhub-store`, `skillhub-http`, the CLI) translate
//! and delegate; every rule lives here, once.
//!
//! The main design decision: types that parse. Every domain word is a type whose constructor
//! returns a `Result` (`Email`, `Level`, `Zone`, `Seats` …), so an aggregate such as a
//! [`session::Session`] with an end before its start or a negative number of seats cannot exist.

#![deny(missing_docs)]

pub mod capacity;
pub mod codice_fiscale;
pub mod digcomp;
pub mod eligibility;
pub mod fixture;
pub mod hub;
pub mod ids;
pub mod italian;
pub mod person;
pub mod program;
pub mod season;
pub mod session;
pub mod tz;
pub mod window;
