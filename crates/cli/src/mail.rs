//! `skillhub mail deliver|status`: the outbox from the terminal. `skillhub serve` delivers by
//! itself (a pass every second); `mail deliver` runs one pass, for those who prefer cron or a
//! second process, and `mail status` says what is queued, sent and failed, and why.
//!
//! Where messages go comes from the environment ([`skillhub_mail::MailConfig::from_env`]):
//! `SKILLHUB_SMTP_URL` (a server), else `.eml` files in `SKILLHUB_MAIL_DIR` (default `./mail`);
//! `SKILLHUB_MAIL_FROM` is the sender.

use std::fmt::Write as _;

use chrono::Utc;
use clap::{Args, Subcommand};
use skillhub_http::PublicUrl;
use skillhub_mail::delivery::{CheckInLink, ConfirmLink, DataLink, Delivery, ManageLink};
use skillhub_mail::{MailConfig, Transport};
use skillhub_store::Store;

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output;

/// `skillhub mail …`
#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Sends the messages due now, once (the reminders that came due included); prints what
    /// was sent, what will be retried and what failed.
    Deliver(DeliverArgs),
    /// How many messages are queued, sent and failed; the failures and the retries with their
    /// reasons (never an address or a text).
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// `skillhub mail deliver [--public-url URL] [--json]`
#[derive(Debug, Args)]
pub struct DeliverArgs {
    /// The URL people reach the server at: the manage links in the messages are full URLs on
    /// it. Default: http://127.0.0.1:8080, where `skillhub serve` listens by default.
    #[arg(long, value_name = "URL", env = "SKILLHUB_PUBLIC_URL")]
    public_url: Option<PublicUrl>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The public URL when none is given: where `skillhub serve` listens by default.
pub(crate) const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// The sender of `store`'s outbox, configured from the environment, with links on `public_url`.
pub fn delivery(store: Store, public_url: PublicUrl) -> Result<Delivery> {
    delivery_with(store, public_url, mail_config()?)
}

/// Where mail goes, from the environment (see the module docs).
pub fn mail_config() -> Result<MailConfig> {
    MailConfig::from_env().map_err(|err| CliError::Usage(err.to_string()))
}

/// The sender of `store`'s outbox through `config`, with links on `public_url`.
pub fn delivery_with(store: Store, public_url: PublicUrl, config: MailConfig) -> Result<Delivery> {
    let transport = Transport::new(&config).map_err(|err| CliError::Usage(err.to_string()))?;
    let base = public_url.to_string();
    let data_url = public_url.clone();
    let confirm_url = public_url.clone();
    let check_in_url = public_url.clone();
    let manage_link: ManageLink = std::sync::Arc::new(move |id, token, lang| {
        skillhub_http::manage_url(&public_url, id, token, lang)
    });
    let data_link: DataLink =
        std::sync::Arc::new(move |token, lang| skillhub_http::data_url(&data_url, token, lang));
    let confirm_link: ConfirmLink = std::sync::Arc::new(move |id, token, lang| {
        skillhub_http::confirm_url(&confirm_url, id, token, lang)
    });
    let check_in_link: CheckInLink =
        std::sync::Arc::new(move |id| skillhub_http::check_in_url(&check_in_url, id));
    Ok(
        Delivery::new(store, transport, config.from, base, manage_link, data_link)
            .with_confirm_link(confirm_link)
            .with_check_in_link(check_in_link),
    )
}

/// Runs a `mail` command.
pub async fn run(ctx: &Context, cmd: MailCommand) -> Result<String> {
    match cmd {
        MailCommand::Deliver(args) => {
            let public_url = match args.public_url {
                Some(url) => url,
                None => DEFAULT_PUBLIC_URL
                    .parse()
                    .map_err(|err| CliError::Usage(format!("{err}")))?,
            };
            let store = ctx.store().await?.clone();
            let delivery = delivery(store, public_url)?;
            let pass = delivery
                .pass(Utc::now())
                .await
                .map_err(|err| CliError::Input(err.to_string()))?;
            if args.json {
                return output::json(&pass);
            }
            Ok(format!(
                "{} sent, {} to retry, {} failed; {} reminders queued ({})\n",
                pass.sent,
                pass.retrying,
                pass.failed,
                pass.reminders,
                delivery.describe()
            ))
        }
        MailCommand::Status { json } => {
            let store = ctx.store().await?;
            let status = store.mail_status().await.map_err(|err| ctx.db_error(err))?;
            if json {
                return output::json(&status);
            }
            let mut out = format!(
                "{} queued, {} sent, {} failed\n",
                status.queued, status.sent, status.failed
            );
            for (heading, rows) in [("retrying", &status.retrying), ("failed", &status.failures)] {
                if rows.is_empty() {
                    continue;
                }
                let _ = writeln!(out, "\n{heading}:");
                for row in rows {
                    let about = row
                        .registration_id
                        .map_or_else(String::new, |id| format!(" registration {id}"));
                    let _ = writeln!(
                        out,
                        "  #{} {}{about}, {} tries, {}: {}",
                        row.id,
                        row.kind,
                        row.attempts,
                        row.at.to_rfc3339(),
                        row.reason
                    );
                }
            }
            Ok(out)
        }
    }
}
