//! `skillhub staff add|reset|list|disable|enable`: the back office's accounts. `add` creates an
//! account with its role and scope and prints a one-time setup URL (valid 72 hours, the last
//! line of its output) where the person sets their password; `reset` prints a new one (a
//! forgotten password, an expired link). The CLI is the admin: it is audited as `cli`.

use chrono::Utc;
use clap::{Args, Subcommand};
use serde::Serialize;
use skillhub_core::ids::{HubId, ProgramId, Tag};
use skillhub_core::person::Email;
use skillhub_core::staff::{Role, Scope};
use skillhub_http::PublicUrl;
use skillhub_store::{NewStaff, SetupLink, StaffAccount};

use crate::context::Context;
use crate::error::{CliError, Result};
use crate::output;

/// `skillhub staff …`
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Creates a staff account and prints its one-time setup URL (valid 72 hours) as the last
    /// line.
    Add(AddArgs),
    /// Prints a new setup URL for an account (the earlier ones stop working; the password
    /// stays until the new link is used).
    Reset {
        /// The account's e-mail address.
        email: String,
        #[command(flatten)]
        url: UrlArg,
    },
    /// Lists the staff accounts.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Disables an account: it cannot log in, and its open logins end at once.
    Disable {
        /// The account's e-mail address.
        email: String,
    },
    /// Enables a disabled account again.
    Enable {
        /// The account's e-mail address.
        email: String,
    },
}

/// `skillhub staff add EMAIL --role ROLE [--program ID] [--hub ID | --partner ID]`
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The person's e-mail address (their login).
    email: String,
    /// admin (everything), manager (one program), operator (one hub of a program, or every hub
    /// a partner of the program runs) or trainer (their own sessions of a program: read and
    /// check-in).
    #[arg(long, value_name = "ROLE")]
    role: Role,
    /// The program of a manager, operator or trainer.
    #[arg(long, value_name = "ID")]
    program: Option<ProgramId>,
    /// The hub of an operator.
    #[arg(long, value_name = "ID", conflicts_with = "partner")]
    hub: Option<HubId>,
    /// The partner organisation of an operator (an id of the program's `partners`): the
    /// operator reaches every hub the program says it runs.
    #[arg(long, value_name = "ID")]
    partner: Option<Tag>,
    #[command(flatten)]
    url: UrlArg,
}

/// `--public-url`
#[derive(Debug, Args)]
pub struct UrlArg {
    /// The URL staff reach the server at: the setup link is a full URL on it. Default:
    /// http://127.0.0.1:8080, where `skillhub serve` listens by default.
    #[arg(long, value_name = "URL", env = "SKILLHUB_PUBLIC_URL")]
    public_url: Option<PublicUrl>,
}

impl UrlArg {
    fn url(&self) -> Result<PublicUrl> {
        match &self.public_url {
            Some(url) => Ok(url.clone()),
            None => crate::mail::DEFAULT_PUBLIC_URL
                .parse()
                .map_err(|err| CliError::Usage(format!("{err}"))),
        }
    }
}

/// A staff account as `staff list --json` prints it.
#[derive(Debug, Serialize)]
struct AccountOut<'a> {
    id: i64,
    email: &'a str,
    role: &'static str,
    program: Option<&'a str>,
    hub: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    partner: Option<&'a str>,
    password_set: bool,
    totp: bool,
    disabled: bool,
}

impl<'a> From<&'a StaffAccount> for AccountOut<'a> {
    fn from(account: &'a StaffAccount) -> Self {
        AccountOut {
            id: account.id,
            email: &account.email,
            role: account.scope.role().name(),
            program: account.scope.program().map(ProgramId::as_str),
            hub: account.scope.hub().map(HubId::as_str),
            partner: account.scope.partner().map(Tag::as_str),
            password_set: account.has_password,
            totp: account.has_totp,
            disabled: account.disabled_at.is_some(),
        }
    }
}

fn email(text: &str) -> Result<Email> {
    Email::parse(text)
        .map_err(|err| CliError::Usage(format!("{text:?} is not an e-mail address: {err}")))
}

fn scope_text(account: &StaffAccount) -> String {
    let scope = &account.scope;
    let mut text = scope.role().name().to_owned();
    if let Some(program) = scope.program() {
        text.push_str(&format!(" of {program}"));
    }
    if let Some(hub) = scope.hub() {
        text.push_str(&format!(", hub {hub}"));
    }
    if let Some(partner) = scope.partner() {
        text.push_str(&format!(", the hubs of partner {partner}"));
    }
    text
}

/// The lines `add` and `reset` print: what was done, until when the link works, then the URL.
fn link_text(what: &str, link: &SetupLink, url: &PublicUrl) -> String {
    format!(
        "{what} staff account {} ({}): {}\nthe setup link works once, until {} (72 hours); send it to the person:\n{}\n",
        link.account.id,
        link.account.email,
        scope_text(&link.account),
        link.expires_at.format("%Y-%m-%d %H:%M UTC"),
        skillhub_http::staff_setup_url(url, &link.token),
    )
}

/// Runs a `staff` command.
pub async fn run(ctx: &Context, cmd: StaffCommand) -> Result<String> {
    let now = Utc::now();
    match cmd {
        StaffCommand::Add(args) => {
            let scope = Scope::bound(args.role, args.program, args.hub, args.partner)
                .map_err(|err| CliError::Usage(err.to_string()))?;
            let url = args.url.url()?;
            let new = NewStaff {
                email: email(&args.email)?,
                scope,
            };
            let store = ctx.store().await?;
            let link = store
                .add_staff("cli", &new, now)
                .await
                .map_err(|err| ctx.db_error(err))?;
            Ok(link_text("created", &link, &url))
        }
        StaffCommand::Reset { email: text, url } => {
            let url = url.url()?;
            let store = ctx.store().await?;
            let link = store
                .reset_staff("cli", &email(&text)?, now)
                .await
                .map_err(|err| ctx.db_error(err))?;
            Ok(link_text("new setup link for", &link, &url))
        }
        StaffCommand::List { json } => {
            let store = ctx.store().await?;
            let accounts = store
                .staff_accounts()
                .await
                .map_err(|err| ctx.db_error(err))?;
            if json {
                let out: Vec<AccountOut<'_>> = accounts.iter().map(AccountOut::from).collect();
                return output::json(&out);
            }
            if accounts.is_empty() {
                return Ok("no staff account yet (skillhub staff add EMAIL --role admin)\n".into());
            }
            Ok(accounts
                .iter()
                .map(|a| {
                    let state = match (a.disabled_at, a.has_password) {
                        (Some(_), _) => "disabled",
                        (None, false) => "password not set",
                        (None, true) => "active",
                    };
                    format!("{}\t{}\t{}\t{state}\n", a.id, a.email, scope_text(a))
                })
                .collect())
        }
        StaffCommand::Disable { email: text } => {
            let store = ctx.store().await?;
            let account = store
                .disable_staff("cli", &email(&text)?, now)
                .await
                .map_err(|err| ctx.db_error(err))?;
            Ok(format!(
                "disabled staff account {} ({}): its logins ended\n",
                account.id, account.email
            ))
        }
        StaffCommand::Enable { email: text } => {
            let store = ctx.store().await?;
            let account = store
                .enable_staff("cli", &email(&text)?, now)
                .await
                .map_err(|err| ctx.db_error(err))?;
            Ok(format!(
                "enabled staff account {} ({})\n",
                account.id, account.email
            ))
        }
    }
}
