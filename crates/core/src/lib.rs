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
//!
//! # A first look
//!
//! What a program linking this crate does: read a program (here from TOML text in the format
//! of `fixtures/programs/`; [`fixture::Catalog::seeds`] gives the six seed programs), judge
//! whether a person may take part, and seat people in a session until its seats run out
//! (then they wait; a cancellation gives the seat to the head of the waiting list).
//! `cargo run -p skillhub-core --example register` does the same and prints each step.
//!
//! ```
//! use skillhub_core::capacity::{
//!     Change, RegistrationId, Request, SeatKind, SessionBook, Status, Tier,
//! };
//! use skillhub_core::program::Verdict;
//! use skillhub_core::fixture::parse_program;
//! use skillhub_core::person::Person;
//!
//! let program = parse_program(r#"
//! id = "laboratori-roma"
//! name = "Laboratori digitali a Roma"
//! summary_it = "Laboratori gratuiti sui servizi pubblici online."
//! source = "esempio"
//! zone = "Europe/Rome"
//! countries = ["IT"]
//! window = { from = "2030-01-01", until = "2030-12-31" }
//! audiences = ["people"]
//! eligibility = { all = [{ age = { min = 18 } }, { region = ["lazio"] }] }
//!
//! [[hubs]]
//! id = "roma-esquilino"
//! name = "Biblioteca Esquilino"
//! zone = "Europe/Rome"
//! address = { city = "Roma", region = "lazio", country = "IT" }
//!
//! [[sessions]]
//! id = "spid-2030-03-05"
//! hub = "roma-esquilino"
//! title = "SPID e servizi online del Comune"
//! mode = "in_person"
//! seats = { in_person = 2, online = 0 }
//! date = "2030-03-05"
//! start = "09:30"
//! end = "12:30"
//! "#)?;
//! let session = &program.sessions()[0];
//! // Local times in the hub's zone; the instants are UTC (Rome is UTC+1 in March).
//! assert_eq!(session.starts_at().to_rfc3339(), "2030-03-05T08:30:00+00:00");
//!
//! // Who may take part (and with which priority tier), judged on the session's local day:
//! // core has no clock. `Program::judge` is what every adapter asks before seating someone.
//! let judge = |p: &Person| program.judge(&p.attributes, &session.zone(), session.starts_at());
//! let person = |json: &str| serde_json::from_str::<Person>(json);
//! let anna = person(r#"{"name": "Anna Rossi", "email": "anna@example.it",
//!     "attributes": {"birth_date": "1990-04-01", "region": "lazio"}}"#)?;
//! assert_eq!(judge(&anna)?, Verdict::Admitted(Tier::FIRST));
//! let luca = person(r#"{"name": "Luca Bianchi", "email": "luca@example.it",
//!     "attributes": {"birth_date": "2014-09-01", "region": "lazio"}}"#)?;
//! let Verdict::Refused(reasons) = judge(&luca)? else {
//!     panic!("Luca is 15");
//! };
//! assert_eq!(reasons[0].it(), "È riservato a chi ha almeno 18 anni; in data 5 marzo 2030 ne hai 15.");
//!
//! // Seats: two in person; the third person waits, and moves up when a seat comes free.
//! let now = session.starts_at() - chrono::Duration::days(7);
//! let mut book = SessionBook::new(session.seats());
//! let [a, b, c] = [1, 2, 3].map(RegistrationId::new);
//! for id in [a, b, c] {
//!     // Priority tiers order the waiting list (`Program::tier_of`); this program has none.
//!     book.register(id, SeatKind::InPerson, Tier::FIRST, Request::Confirm, now)?;
//! }
//! assert_eq!(book.status(c), Some(Status::Waitlisted { position: 1 }));
//! let changes = book.cancel(a, now)?;
//! assert_eq!(changes.last(), Some(&Change::Promoted { id: c, kind: SeatKind::InPerson }));
//! assert_eq!(book.status(c), Some(Status::Confirmed));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod capacity;
pub mod codice_fiscale;
pub mod definition;
pub mod digcomp;
pub mod eligibility;
pub mod fixture;
pub mod hub;
pub mod ids;
pub mod italian;
pub mod lang;
pub mod partner;
pub mod person;
pub mod program;
pub mod reminder;
pub mod revision;
pub mod season;
pub mod session;
pub mod settings;
pub mod staff;
pub mod tax_code;
pub mod tz;
pub mod window;
