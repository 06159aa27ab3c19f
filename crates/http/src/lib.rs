//! `skillhub-http`: skillhub's HTTP API — an axum router over [`skillhub_store::Store`], its
//! OpenAPI document, bearer-token auth, a per-address rate limit on public writes, the public
//! web pages (catalog, registration form, manage link; Italian and English) and the iCalendar
//! feed.
//!
//! The main design decision: **the server is a stateless translator**. Every seat decision is
//! made by the store inside one database transaction (see `skillhub-store`), every rule
//! (eligibility, priority tier, time zones, what a valid session is) by `skillhub-core`; this
//! crate only parses requests into core types, asks, and writes the answer in the wire types of
//! [`wire`] (core types are never the API). So any number of `skillhub serve` processes can share
//! one PostgreSQL database; the only per-process state is a cache of the programs (replaced at
//! once when this process stores a new version, trusted at most a minute otherwise) and the
//! rate limiter's counters.
//!
//! Every error is an RFC 9457 `application/problem+json` body with `type`, `title`, `status` and
//! `detail` — malformed JSON, wrong types, unknown routes, wrong methods, oversized bodies and
//! timeouts included — and bad input never yields a 5xx.
//!
//! [`app`] builds the router (tests call it with `oneshot`); [`Server`] binds a socket and runs it
//! until a shutdown future resolves, with an hourly purge of old idempotency keys; [`serve`] does
//! both; [`openapi_json`] is the OpenAPI 3.1 document that `cargo xtask openapi` writes.

#![deny(missing_docs)]

mod admin;
mod auth;
mod backoffice;
mod calendar;
mod catalog;
mod completions;
mod extract;
mod forwarded;
mod grants;
mod idempotency;
mod limiter;
mod openapi;
mod problem;
mod programs;
mod progress;
mod qr;
mod registrations;
mod report;
mod roster;
mod server;
mod state;
mod web;
pub mod wire;

pub use backoffice::PasswordHashError;
pub use forwarded::{Cidr, CidrError};
pub use openapi::{ApiDoc, openapi_json};
pub use server::{ServeError, Server, app, serve};
pub use state::{AppState, PublicUrl, PublicUrlError, ServerConfig};

/// The full URL of registration `id`'s manage page with the secret `token`, in `lang`, on the
/// server's public URL: what the messages about a registration link to.
pub fn manage_url(
    public_url: &PublicUrl,
    id: i64,
    token: &str,
    lang: skillhub_core::lang::Lang,
) -> String {
    public_url.join(&web::manage::path(id, token, lang))
}

/// The full URL of the page where the holder of a staff account's setup link `token` sets their
/// password: what `skillhub staff add` prints.
pub fn staff_setup_url(public_url: &PublicUrl, token: &str) -> String {
    public_url.join(&backoffice::setup_path(token))
}

/// The argon2id string of a staff password, with a fresh salt, exactly as the back office stores
/// it when someone sets theirs through a setup link ([`skillhub_store::Store::set_password`]
/// takes it): for an adapter that sets a password itself, as `skillhub serve --demo` does for
/// its demo login.
pub async fn hash_staff_password(
    password: skillhub_core::staff::Password,
) -> Result<String, PasswordHashError> {
    backoffice::hash_password(password).await
}

/// The full URL of registration `id`'s check-in page in the back office, on the server's public
/// URL: what the check-in code of a message about a seat holds (as the manage page's code does).
pub fn check_in_url(public_url: &PublicUrl, id: i64) -> String {
    public_url.join(&qr::checkin_path(id))
}

/// The full URL of the one-time page of a person's data ("I miei dati") with the secret `token`,
/// in `lang`, on the server's public URL: what a data-link message links to.
pub fn data_url(public_url: &PublicUrl, token: &str, lang: skillhub_core::lang::Lang) -> String {
    public_url.join(&web::data::path(token, lang))
}

/// The full URL of registration `id`'s address-confirmation page with the secret `token`, in
/// `lang`, on the server's public URL: what a message asking to confirm an address links to.
pub fn confirm_url(
    public_url: &PublicUrl,
    id: i64,
    token: &str,
    lang: skillhub_core::lang::Lang,
) -> String {
    public_url.join(&web::confirm::path(id, token, lang))
}
