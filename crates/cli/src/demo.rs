//! `skillhub serve --demo`'s first look, applied: the plan of `skillhub_fixtures::demo` (a pure
//! function of today and a seed: the example program, an example season of six programs,
//! fictitious registrations, the demo admin) written into the throwaway database through the
//! store's ordinary use cases, the sessions as staff create them, the registrations as the
//! public makes them (already judged by each program's rules), the account as `skillhub staff
//! add` creates it, its password set as a setup link sets it. No rule lives here.

use chrono::{DateTime, NaiveDate, Utc};
use skillhub_core::staff::{Password, Scope};
use skillhub_fixtures::demo::{self, EXAMPLE_PROGRAMS};
use skillhub_store::{NewSession, NewStaff, RegisterRequest, Store, Timing};

use crate::error::{CliError, Result};

/// Who the audit log says made the demo's sessions, registrations and account.
const ACTOR: &str = "demo";

/// What the demo wrote, and the login to print.
#[derive(Debug)]
pub struct Applied {
    /// Programs loaded besides the seeds.
    pub programs: usize,
    /// Sessions created.
    pub sessions: usize,
    /// Registrations made.
    pub registrations: usize,
    /// The demo admin's address.
    pub email: String,
    /// Its password, chosen at random now and shown once.
    pub password: String,
}

fn failed(what: &str, err: impl std::fmt::Display) -> CliError {
    CliError::Demo(format!("{what}: {err}"))
}

/// Writes the demo for `today` into a database that holds the seed programs and nothing else.
pub async fn apply(store: &Store, today: NaiveDate, now: DateTime<Utc>) -> Result<Applied> {
    let examples = demo::examples().map_err(|err| failed("the example program", err))?;
    let texts: Vec<&str> = EXAMPLE_PROGRAMS.iter().map(|(_, text)| *text).collect();
    store
        .load_programs(&examples, &texts)
        .await
        .map_err(|err| failed("the example program", err))?;
    let plan = demo::demo(today, demo::SEED).map_err(|err| failed("the plan", err))?;
    for planned in &plan.sessions {
        let new = NewSession {
            session: planned.session.clone(),
            policy: planned.policy,
            window: planned.window,
            commitment: planned.commitment.clone(),
        };
        store
            .create_session(ACTOR, &new)
            .await
            .map_err(|err| failed(planned.session.id().as_str(), err))?;
    }
    for registration in &plan.registrations {
        let request = RegisterRequest {
            session_id: registration.session.clone(),
            person: registration.person.clone(),
            kind: Some(registration.kind),
            tier: registration.tier,
            actor: ACTOR.to_owned(),
            timing: Timing::InWindow,
            lang: registration.lang,
        };
        store
            .register(&request, None, now)
            .await
            .map_err(|err| failed(registration.session.as_str(), err))?;
    }
    let password = random_password();
    let link = store
        .add_staff(
            ACTOR,
            &NewStaff {
                email: plan.staff.clone(),
                scope: Scope::admin(),
            },
            now,
        )
        .await
        .map_err(|err| failed("the demo login", err))?;
    let parsed = Password::parse(&password).map_err(|err| failed("the demo password", err))?;
    let hash = skillhub_http::hash_staff_password(parsed)
        .await
        .map_err(|err| failed("the demo password", err))?;
    store
        .set_password(&link.token, &hash, now)
        .await
        .map_err(|err| failed("the demo password", err))?;
    Ok(Applied {
        programs: examples.programs().len(),
        sessions: plan.sessions.len(),
        registrations: plan.registrations.len(),
        email: plan.staff.as_str().to_owned(),
        password,
    })
}

/// Four groups of four hexadecimal digits from the OS random source (64 bits): easy to type,
/// new on every start.
fn random_password() -> String {
    let token = skillhub_store::new_token();
    token
        .as_bytes()
        .chunks(4)
        .take(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// The lines `serve --demo` prints under its URL.
pub fn banner(applied: &Applied, base: &str, mail_dir: &std::path::Path) -> String {
    format!(
        "demo: {} example program, {} upcoming example sessions, {} registrations of fictitious \
         people (@example.org); nothing is kept when the server stops\n\
         demo: back office {base}/gestione\n\
         demo: login {} password {}\n\
         demo: the messages are written into {}\n",
        applied.programs,
        applied.sessions,
        applied.registrations,
        applied.email,
        applied.password,
        mail_dir.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_long_enough_and_new_each_time() {
        let one = random_password();
        assert_eq!(one.len(), 19, "{one}");
        assert!(Password::parse(&one).is_ok());
        assert_ne!(one, random_password());
    }
}
