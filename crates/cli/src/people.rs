//! `skillhub people export|erase EMAIL`: the GDPR requests an operator handles for a person —
//! everything held about an e-mail address (JSON), and its erasure (registrations anonymised,
//! seat counts and audit kept). A manage link reaches one registration only; the whole address
//! stays with the admin here. `skillhub people collisions` lists the live registrations that
//! became duplicates when e-mail identity became case-insensitive.

use chrono::Utc;
use clap::{Args, Subcommand};
use serde::Serialize;
use skillhub_core::person::Email;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output;

/// `skillhub people …`
#[derive(Debug, Subcommand)]
pub enum PeopleCommand {
    /// Prints, as JSON, everything held about an e-mail address: its registrations with their
    /// sessions, and their audit lines.
    Export {
        /// The person's e-mail address (compared without regard to case).
        email: String,
    },
    /// Erases an e-mail address's personal data: its registrations keep their seats and places
    /// in line but lose e-mail, name and attributes, and their manage links stop working.
    Erase {
        /// The person's e-mail address (compared without regard to case).
        email: String,
        #[command(flatten)]
        format: JsonFlag,
    },
    /// Lists the live registrations that are a second registration of one person in a session
    /// since addresses are compared without regard to case (`Anna@x.it` and `anna@x.it`, made
    /// before that rule): both were kept; cancel the one that should go.
    Collisions {
        #[command(flatten)]
        format: JsonFlag,
    },
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// What `people erase --json` prints.
#[derive(Debug, Serialize)]
struct Erased<'a> {
    email: &'a str,
    erased_registrations: &'a [i64],
    /// Completions of online courses that lost the address (their hashed key stays).
    #[serde(skip_serializing_if = "<[i64]>::is_empty")]
    erased_completions: &'a [i64],
}

fn email(text: &str) -> Result<Email> {
    Email::parse(text)
        .map_err(|err| CliError::Usage(format!("{text:?} is not an e-mail address: {err}")))
}

/// Runs a `people` command.
pub async fn run(ctx: &Context, cmd: PeopleCommand) -> Result<String> {
    match cmd {
        PeopleCommand::Export { email: text } => {
            let email = email(&text)?;
            let store = ctx.store().await?;
            let data = store
                .person_data(&email)
                .await
                .map_err(|err| ctx.db_error(err))?;
            output::json(&data)
        }
        PeopleCommand::Collisions { format } => {
            let store = ctx.store().await?;
            let found = store
                .email_collisions()
                .await
                .map_err(|err| ctx.db_error(err))?;
            if format.json {
                return output::json(&found);
            }
            if found.is_empty() {
                return Ok("no live registration collides with another\n".to_owned());
            }
            Ok(found
                .iter()
                .map(|c| {
                    format!(
                        "session {}: registration {} is the same person as registration {}\n",
                        c.session_id, c.registration_id, c.kept_id
                    )
                })
                .collect())
        }
        PeopleCommand::Erase {
            email: text,
            format,
        } => {
            let email = email(&text)?;
            let store = ctx.store().await?;
            let erasure = store
                .erase_person("cli", &email, Utc::now())
                .await
                .map_err(|err| ctx.db_error(err))?;
            if format.json {
                return output::json(&Erased {
                    email: email.as_str(),
                    erased_registrations: &erasure.registrations,
                    erased_completions: &erasure.completions,
                });
            }
            let completions = match erasure.completions.len() {
                0 => String::new(),
                n => format!("; the address of {n} completion(s) of online courses"),
            };
            Ok(match erasure.registrations.len() {
                0 if completions.is_empty() => format!(
                    "{}: no registration holds this address; nothing to erase\n",
                    email.as_str()
                ),
                n => format!(
                    "{}: erased the personal data of {n} registration(s): {}{completions}\n",
                    email.as_str(),
                    erasure
                        .registrations
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
        }
    }
}
