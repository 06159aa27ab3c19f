//! The back office's staff (migration `0012`): accounts with a role and a scope
//! ([`skillhub_core::staff::Scope`]), one-time setup links, login sessions kept in a table (so a
//! logout or a revocation works at once, in every server process), and the trainers of each
//! session.
//!
//! The store keeps secrets only as hashes: setup links and login cookies as SHA-256 (they are
//! 256-bit random values), passwords as the argon2id string the server made (the store never
//! sees a password). Failed logins are counted per account: after [`MAX_FAILED_LOGINS`] in a row
//! the account refuses every login for [`LOCKOUT`], whoever tries. Every change is audited with
//! the acting staff's id (`staff:ID`), and no audit line holds an address.

use chrono::{DateTime, Duration, Utc};
use skillhub_core::fixture::parse_program;
use skillhub_core::ids::{HubId, ProgramId, SessionId, Tag};
use skillhub_core::person::Email;
use skillhub_core::staff::{Role, Scope, Staff};

use crate::audit::audit;
use crate::{Error, Result, Store, hash_token, new_token, read, write_tx};

/// How long a setup link works.
pub const SETUP_LINK_VALIDITY: Duration = Duration::hours(72);
/// A login session ends after this long without a request.
pub const LOGIN_IDLE: Duration = Duration::minutes(30);
/// A login session ends this long after the login, however active.
pub const LOGIN_LIFETIME: Duration = Duration::hours(12);
/// Failed logins in a row before the account is locked for [`LOCKOUT`].
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a locked account refuses logins.
pub const LOCKOUT: Duration = Duration::minutes(15);
/// A login's `last_seen_at` is written at most this often (a page view is not a write each
/// time; the idle expiry is this much less exact).
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// Why the store refused a staff operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StaffRefusal {
    /// An account with this address exists.
    #[error("a staff account with this e-mail address exists already (id {0})")]
    Exists(i64),
    /// No account has this address (or id).
    #[error("no staff account has {0}")]
    Unknown(String),
    /// The hub is not one of the program's.
    #[error("hub {hub:?} is not a hub of program {program:?}")]
    HubOfAnotherProgram {
        /// The hub.
        hub: String,
        /// The program.
        program: String,
    },
    /// The partner is not one of the program's.
    #[error(
        "program {program:?} has no partner {partner:?} (its definition's `partners` name none)"
    )]
    UnknownPartner {
        /// The partner.
        partner: String,
        /// The program.
        program: String,
    },
    /// The setup link is unknown, spent or expired.
    #[error("the setup link has expired or was used already")]
    SetupLinkGone,
    /// A trainer can be assigned only to a session of their program.
    #[error("staff {staff} is not a trainer of the program of session {session}")]
    NotATrainerHere {
        /// The account.
        staff: i64,
        /// The session.
        session: String,
    },
}

/// A staff account as stored (never its password hash or TOTP secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    /// The id (the audit log says `staff:ID`).
    pub id: i64,
    /// The address as typed.
    pub email: String,
    /// What it reaches.
    pub scope: Scope,
    /// Whether a password was set (through the setup link).
    pub has_password: bool,
    /// Whether a TOTP code is asked after the password.
    pub has_totp: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Disabled (no login, every session closed), if it was.
    pub disabled_at: Option<DateTime<Utc>>,
}

impl StaffAccount {
    /// The account as the domain's rules read it.
    pub fn staff(&self) -> Staff {
        Staff {
            id: self.id,
            scope: self.scope.clone(),
        }
    }
}

/// A new account: who, and what they reach.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Their address.
    pub email: Email,
    /// Their role and its bindings.
    pub scope: Scope,
}

/// A setup link just issued: the account and the secret (shown once; stored hashed).
#[derive(Debug, Clone)]
pub struct SetupLink {
    /// The account.
    pub account: StaffAccount,
    /// The secret of the link.
    pub token: String,
    /// Until when it works.
    pub expires_at: DateTime<Utc>,
}

/// What a login form checks: the account, its password hash and TOTP secret, and whether it is
/// locked after failed logins.
#[derive(Debug, Clone)]
pub struct LoginCandidate {
    /// The account.
    pub account: StaffAccount,
    /// The argon2id string, once a password was set.
    pub password_hash: Option<String>,
    /// The TOTP secret (base32), when the account uses one.
    pub totp_secret: Option<String>,
    /// Until when failed logins lock it, if they do.
    pub locked_until: Option<DateTime<Utc>>,
}

/// An open login session, as a request's cookie finds it.
#[derive(Debug, Clone)]
pub struct LoginSession {
    /// Whose.
    pub account: StaffAccount,
    /// The TOTP code is still to be given: the session reaches only the page that asks for it.
    pub second_factor_due: bool,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

/// A `staff` row.
#[derive(sqlx::FromRow)]
struct StaffRow {
    id: i64,
    email: String,
    role: String,
    program_id: Option<String>,
    hub_id: Option<String>,
    partner_id: Option<String>,
    password_hash: Option<String>,
    totp_secret: Option<String>,
    locked_until: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
}

/// The columns of a [`StaffRow`], for `concat!`.
macro_rules! columns {
    () => {
        "staff.id, staff.email, staff.role, staff.program_id, staff.hub_id, staff.partner_id, \
         staff.password_hash, staff.totp_secret, staff.locked_until, staff.created_at, staff.disabled_at"
    };
}

const BY_KEY: &str = concat!("SELECT ", columns!(), " FROM staff WHERE email_key = $1");
const BY_ID: &str = concat!("SELECT ", columns!(), " FROM staff WHERE id = $1");
const ALL: &str = concat!("SELECT ", columns!(), " FROM staff ORDER BY id");
const LIVE_BY_KEY: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM staff WHERE email_key = $1 AND disabled_at IS NULL"
);
const BY_SETUP: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM staff JOIN staff_setup_tokens t ON t.staff_id = staff.id \
     WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2"
);
const BY_LOGIN: &str = concat!(
    "SELECT ",
    columns!(),
    ", l.created_at AS login_created_at, l.last_seen_at, l.second_factor \
     FROM staff_logins l JOIN staff ON staff.id = l.staff_id \
     WHERE l.token_hash = $1 AND l.closed_at IS NULL AND l.expires_at > $2 \
     AND l.last_seen_at > $3 AND staff.disabled_at IS NULL"
);

impl StaffRow {
    fn account(&self) -> Result<StaffAccount> {
        let corrupt = |message: String| Error::Corrupt {
            table: "staff",
            message: format!("account {}: {message}", self.id),
        };
        let role: Role = self
            .role
            .parse()
            .map_err(|err: skillhub_core::staff::UnknownRole| corrupt(err.to_string()))?;
        let program = self
            .program_id
            .as_deref()
            .map(ProgramId::parse)
            .transpose()
            .map_err(|err| corrupt(err.to_string()))?;
        let hub = self
            .hub_id
            .as_deref()
            .map(HubId::parse)
            .transpose()
            .map_err(|err| corrupt(err.to_string()))?;
        let partner = self
            .partner_id
            .as_deref()
            .map(Tag::parse)
            .transpose()
            .map_err(|err| corrupt(err.to_string()))?;
        let scope =
            Scope::bound(role, program, hub, partner).map_err(|err| corrupt(err.to_string()))?;
        Ok(StaffAccount {
            id: self.id,
            email: self.email.clone(),
            scope,
            has_password: self.password_hash.is_some(),
            has_totp: self.totp_secret.is_some(),
            created_at: self.created_at,
            disabled_at: self.disabled_at,
        })
    }
}

/// What the audit log says of an account: its role and bindings, never its address.
fn audit_scope(scope: &Scope) -> String {
    let mut said = serde_json::json!({
        "role": scope.role().name(),
        "program": scope.program().map(ProgramId::as_str),
        "hub": scope.hub().map(HubId::as_str),
    });
    if let Some(partner) = scope.partner() {
        said["partner"] = serde_json::Value::from(partner.as_str());
    }
    said.to_string()
}

/// Issues a setup link for account `$id` inside `$tx`, spending its earlier ones; evaluates to
/// `Result<(String, DateTime<Utc>)>` (the secret and its end).
macro_rules! issue_setup {
    ($tx:ident, $id:expr, $now:expr) => {
        async {
            let (id, now): (i64, DateTime<Utc>) = ($id, $now);
            sqlx::query(
                "UPDATE staff_setup_tokens SET used_at = $2 WHERE staff_id = $1 AND used_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            let token = new_token();
            let expires_at = now + SETUP_LINK_VALIDITY;
            sqlx::query(
                "INSERT INTO staff_setup_tokens (token_hash, staff_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(hash_token(&token))
            .bind(id)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *$tx)
            .await?;
            Ok::<(String, DateTime<Utc>), Error>((token, expires_at))
        }
        .await
    };
}

impl Store {
    /// Creates a staff account and its first setup link (valid [`SETUP_LINK_VALIDITY`]). The
    /// program and hub must exist and the hub be the program's; an address has one account.
    pub async fn add_staff(
        &self,
        actor: &str,
        new: &NewStaff,
        now: DateTime<Utc>,
    ) -> Result<SetupLink> {
        let scope = &new.scope;
        write_tx!(self, |tx, _lock| async {
            if let Some(program) = scope.program() {
                let found: Option<String> =
                    sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                        .bind(program.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if found.is_none() {
                    return Err(Error::UnknownProgram(program.to_string()));
                }
            }
            if let Some(hub) = scope.hub() {
                let owner: Option<String> =
                    sqlx::query_scalar("SELECT program_id FROM hubs WHERE id = $1")
                        .bind(hub.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                match owner {
                    None => return Err(Error::UnknownHub(hub.to_string())),
                    Some(owner) if Some(owner.as_str()) != scope.program().map(|p| p.as_str()) => {
                        return Err(Error::Staff(StaffRefusal::HubOfAnotherProgram {
                            hub: hub.to_string(),
                            program: scope.program().map(ToString::to_string).unwrap_or_default(),
                        }));
                    }
                    Some(_) => {}
                }
            }
            if let (Some(partner), Some(program)) = (scope.partner(), scope.program()) {
                let definition: Option<String> =
                    sqlx::query_scalar("SELECT definition FROM programs WHERE id = $1")
                        .bind(program.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                let runs = definition
                    .as_deref()
                    .and_then(|text| parse_program(text).ok())
                    .is_some_and(|p| p.partner(partner).is_some());
                if !runs {
                    return Err(Error::Staff(StaffRefusal::UnknownPartner {
                        partner: partner.to_string(),
                        program: program.to_string(),
                    }));
                }
            }
            let existing: Option<i64> =
                sqlx::query_scalar("SELECT id FROM staff WHERE email_key = $1")
                    .bind(new.email.key())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = existing {
                return Err(Error::Staff(StaffRefusal::Exists(id)));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO staff (email, email_key, role, program_id, hub_id, partner_id, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(new.email.as_str())
            .bind(new.email.key())
            .bind(scope.role().name())
            .bind(scope.program().map(ProgramId::as_str))
            .bind(scope.hub().map(HubId::as_str))
            .bind(scope.partner().map(Tag::as_str))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            let (token, expires_at) = issue_setup!(tx, id, now)?;
            audit!(
                tx,
                now,
                actor,
                "staff.add",
                "staff",
                &id.to_string(),
                None::<String>,
                Some(audit_scope(scope))
            )?;
            Ok(SetupLink {
                account: StaffAccount {
                    id,
                    email: new.email.as_str().to_owned(),
                    scope: scope.clone(),
                    has_password: false,
                    has_totp: false,
                    created_at: now,
                    disabled_at: None,
                },
                token,
                expires_at,
            })
        }
        .await)
    }

    /// A new setup link for the account of `email` (the earlier ones stop working): for a
    /// forgotten password, or a link that expired. The password stays until the link is used.
    /// A disabled account is enabled again only by [`Store::enable_staff`].
    pub async fn reset_staff(
        &self,
        actor: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<SetupLink> {
        write_tx!(self, |tx, _lock| async {
            let row: Option<StaffRow> = sqlx::query_as(BY_KEY)
                .bind(email.key())
                .fetch_optional(&mut *tx)
                .await?;
            let row = row.ok_or_else(|| Error::Staff(StaffRefusal::Unknown(email.to_string())))?;
            let (token, expires_at) = issue_setup!(tx, row.id, now)?;
            audit!(
                tx,
                now,
                actor,
                "staff.reset",
                "staff",
                &row.id.to_string(),
                None::<String>,
                None::<String>
            )?;
            Ok(SetupLink {
                account: row.account()?,
                token,
                expires_at,
            })
        }
        .await)
    }

    /// Every staff account, by id.
    pub async fn staff_accounts(&self) -> Result<Vec<StaffAccount>> {
        let rows: Vec<StaffRow> = read!(self, |pool| sqlx::query_as(ALL).fetch_all(pool).await?);
        rows.iter().map(StaffRow::account).collect()
    }

    /// The account with this id.
    pub async fn staff_account(&self, id: i64) -> Result<Option<StaffAccount>> {
        let row: Option<StaffRow> = read!(self, |pool| {
            sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await?
        });
        row.as_ref().map(StaffRow::account).transpose()
    }

    /// Disables the account of `email` and closes every login session of it at once.
    pub async fn disable_staff(
        &self,
        actor: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<StaffAccount> {
        self.set_disabled(actor, email, Some(now), now).await
    }

    /// Enables again a disabled account (its password, if set, works again).
    pub async fn enable_staff(
        &self,
        actor: &str,
        email: &Email,
        now: DateTime<Utc>,
    ) -> Result<StaffAccount> {
        self.set_disabled(actor, email, None, now).await
    }

    async fn set_disabled(
        &self,
        actor: &str,
        email: &Email,
        disabled_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<StaffAccount> {
        write_tx!(self, |tx, _lock| {
            async {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE staff SET disabled_at = $2 WHERE email_key = $1 RETURNING id",
            )
            .bind(email.key())
            .bind(disabled_at)
            .fetch_optional(&mut *tx)
            .await?;
            let id = id.ok_or_else(|| Error::Staff(StaffRefusal::Unknown(email.to_string())))?;
            if disabled_at.is_some() {
                sqlx::query(
                    "UPDATE staff_logins SET closed_at = $2 WHERE staff_id = $1 AND closed_at IS NULL",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            audit!(
                tx,
                now,
                actor,
                if disabled_at.is_some() { "staff.disable" } else { "staff.enable" },
                "staff",
                &id.to_string(),
                None::<String>,
                None::<String>
            )?;
            let row: StaffRow = sqlx::query_as(BY_ID)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            row.account()
        }
        .await
        })
    }

    /// The account a setup link opens at `now`, if the link is known, unspent and not expired.
    pub async fn setup_account(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffAccount>> {
        let row: Option<StaffRow> = read!(self, |pool| {
            sqlx::query_as(BY_SETUP)
                .bind(hash_token(token))
                .bind(now)
                .fetch_optional(pool)
                .await?
        });
        row.as_ref().map(StaffRow::account).transpose()
    }

    /// Sets the password (its argon2id string `password_hash`) through setup link `token`, which
    /// is spent; every open login session of the account is closed (a new password ends the old
    /// ones) and failed logins are forgotten. [`StaffRefusal::SetupLinkGone`] when the link does
    /// not work at `now`.
    pub async fn set_password(
        &self,
        token: &str,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<StaffAccount> {
        let hash = hash_token(token);
        write_tx!(self, |tx, _lock| async {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE staff_setup_tokens SET used_at = $2 \
                 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING staff_id",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let id = id.ok_or(Error::Staff(StaffRefusal::SetupLinkGone))?;
            sqlx::query(
                "UPDATE staff SET password_hash = $2, failed_logins = 0, locked_until = NULL \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE staff_logins SET closed_at = $2 WHERE staff_id = $1 AND closed_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let actor = format!("staff:{id}");
            audit!(
                tx,
                now,
                &actor,
                "staff.password",
                "staff",
                &id.to_string(),
                None::<String>,
                None::<String>
            )?;
            let row: StaffRow = sqlx::query_as(BY_ID).bind(id).fetch_one(&mut *tx).await?;
            row.account()
        }
        .await)
    }

    /// What a login with `email` is checked against; `None` for an unknown or disabled
    /// account (the caller answers the same as for a wrong password).
    pub async fn login_candidate(&self, email: &Email) -> Result<Option<LoginCandidate>> {
        let row: Option<StaffRow> = read!(self, |pool| {
            sqlx::query_as(LIVE_BY_KEY)
                .bind(email.key())
                .fetch_optional(pool)
                .await?
        });
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(LoginCandidate {
            account: row.account()?,
            password_hash: row.password_hash.clone(),
            totp_secret: row.totp_secret.clone(),
            locked_until: row.locked_until,
        }))
    }

    /// Counts a failed login of account `id` at `now`; the [`MAX_FAILED_LOGINS`]th in a row
    /// locks it until `now +` [`LOCKOUT`]. Returns whether it is locked now.
    pub async fn login_failed(&self, id: i64, now: DateTime<Utc>) -> Result<bool> {
        write_tx!(self, |tx, _lock| async {
            let failed: Option<i64> = sqlx::query_scalar(
                "UPDATE staff SET failed_logins = failed_logins + 1 WHERE id = $1 \
                 RETURNING failed_logins",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(failed) = failed else {
                return Ok(false);
            };
            if failed < MAX_FAILED_LOGINS {
                return Ok(false);
            }
            sqlx::query("UPDATE staff SET failed_logins = 0, locked_until = $2 WHERE id = $1")
                .bind(id)
                .bind(now + LOCKOUT)
                .execute(&mut *tx)
                .await?;
            audit!(
                tx,
                now,
                "login",
                "staff.locked",
                "staff",
                &id.to_string(),
                None::<String>,
                None::<String>
            )?;
            Ok::<bool, Error>(true)
        }
        .await)
    }

    /// Opens a login session for account `id` after its password was checked at `now`; with
    /// `second_factor_due` it reaches nothing until [`Store::pass_second_factor`]. Failed logins
    /// are forgotten. Returns the cookie's secret (stored hashed).
    pub async fn open_login(
        &self,
        id: i64,
        second_factor_due: bool,
        now: DateTime<Utc>,
    ) -> Result<String> {
        let token = new_token();
        let hash = hash_token(&token);
        write_tx!(self, |tx, _lock| async {
            sqlx::query("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            // Sessions long over are deleted as new ones open.
            sqlx::query("DELETE FROM staff_logins WHERE expires_at < $1")
                .bind(now - LOGIN_LIFETIME)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO staff_logins (token_hash, staff_id, created_at, last_seen_at, \
                 expires_at, second_factor) VALUES ($1, $2, $3, $3, $4, $5)",
            )
            .bind(&hash)
            .bind(id)
            .bind(now)
            .bind(now + LOGIN_LIFETIME)
            .bind(if second_factor_due { "due" } else { "none" })
            .execute(&mut *tx)
            .await?;
            let actor = format!("staff:{id}");
            audit!(
                tx,
                now,
                &actor,
                "staff.login",
                "staff",
                &id.to_string(),
                None::<String>,
                None::<String>
            )?;
            Ok::<String, Error>(token.clone())
        }
        .await)
    }

    /// The open login session of cookie `token` at `now`: not closed, used within
    /// [`LOGIN_IDLE`], younger than [`LOGIN_LIFETIME`], of an account not disabled. Its last use
    /// becomes `now` (written at most once a minute).
    pub async fn login_session(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LoginSession>> {
        let hash = hash_token(token);
        #[derive(sqlx::FromRow)]
        struct Found {
            #[sqlx(flatten)]
            staff: StaffRow,
            login_created_at: DateTime<Utc>,
            last_seen_at: DateTime<Utc>,
            second_factor: String,
        }
        let found: Option<Found> = read!(self, |pool| {
            sqlx::query_as(BY_LOGIN)
                .bind(&hash)
                .bind(now)
                .bind(now - LOGIN_IDLE)
                .fetch_optional(pool)
                .await?
        });
        let Some(found) = found else {
            return Ok(None);
        };
        if now - found.last_seen_at >= TOUCH_EVERY {
            write_tx!(self, |tx, _lock| async {
                sqlx::query("UPDATE staff_logins SET last_seen_at = $2 WHERE token_hash = $1")
                    .bind(&hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                Ok::<(), Error>(())
            }
            .await)?;
        }
        Ok(Some(LoginSession {
            account: found.staff.account()?,
            second_factor_due: found.second_factor == "due",
            created_at: found.login_created_at,
        }))
    }

    /// The TOTP code of login `token` was right: the session reaches what its account does.
    pub async fn pass_second_factor(&self, token: &str, now: DateTime<Utc>) -> Result<()> {
        let hash = hash_token(token);
        write_tx!(self, |tx, _lock| async {
            sqlx::query(
                "UPDATE staff_logins SET second_factor = 'done', last_seen_at = $2 \
                 WHERE token_hash = $1 AND second_factor = 'due' AND closed_at IS NULL",
            )
            .bind(&hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Ok::<(), Error>(())
        }
        .await)
    }

    /// Closes login `token` (logout): it stops working at once, in every process.
    pub async fn close_login(&self, token: &str, now: DateTime<Utc>) -> Result<()> {
        let hash = hash_token(token);
        write_tx!(self, |tx, _lock| {
            async {
            let id: Option<i64> = sqlx::query_scalar(
                "UPDATE staff_logins SET closed_at = $2 WHERE token_hash = $1 AND closed_at IS NULL \
                 RETURNING staff_id",
            )
            .bind(&hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = id {
                let actor = format!("staff:{id}");
                audit!(
                    tx,
                    now,
                    &actor,
                    "staff.logout",
                    "staff",
                    &id.to_string(),
                    None::<String>,
                    None::<String>
                )?;
            }
            Ok::<(), Error>(())
        }
        .await
        })
    }

    /// Turns TOTP on (with `secret`, base32) or off (`None`) for account `id`.
    pub async fn set_totp(
        &self,
        actor: &str,
        id: i64,
        secret: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        write_tx!(self, |tx, _lock| async {
            let done = sqlx::query(
                "UPDATE staff SET totp_secret = $2, totp_last_step = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(secret)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(Error::Staff(StaffRefusal::Unknown(format!("id {id}"))));
            }
            audit!(
                tx,
                now,
                actor,
                if secret.is_some() {
                    "staff.totp_on"
                } else {
                    "staff.totp_off"
                },
                "staff",
                &id.to_string(),
                None::<String>,
                None::<String>
            )?;
            Ok::<(), Error>(())
        }
        .await)
    }

    /// Accepts TOTP time step `step` for account `id` once: `false` when a code of this step or
    /// a later one was accepted already (RFC 6238 §5.2: a code works once).
    pub async fn accept_totp_step(&self, id: i64, step: u64) -> Result<bool> {
        let step = i64::try_from(step).map_err(|_| Error::Corrupt {
            table: "staff",
            message: format!("TOTP step {step} out of range"),
        })?;
        write_tx!(self, |tx, _lock| async {
            let done = sqlx::query(
                "UPDATE staff SET totp_last_step = $2 WHERE id = $1 \
                 AND (totp_last_step IS NULL OR totp_last_step < $2)",
            )
            .bind(id)
            .bind(step)
            .execute(&mut *tx)
            .await?;
            Ok::<bool, Error>(done.rows_affected() == 1)
        }
        .await)
    }

    /// Assigns trainer account `staff_id` to session `session_id` (of the trainer's program);
    /// assigning twice changes nothing.
    pub async fn assign_trainer(
        &self,
        actor: &str,
        session_id: &SessionId,
        staff_id: i64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        write_tx!(self, |tx, _lock| async {
            let program: Option<String> =
                sqlx::query_scalar("SELECT program_id FROM sessions WHERE id = $1")
                    .bind(session_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let program = program.ok_or_else(|| Error::UnknownSession(session_id.to_string()))?;
            let trainer: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM staff WHERE id = $1 AND role = 'trainer' AND program_id = $2",
            )
            .bind(staff_id)
            .bind(&program)
            .fetch_optional(&mut *tx)
            .await?;
            if trainer.is_none() {
                return Err(Error::Staff(StaffRefusal::NotATrainerHere {
                    staff: staff_id,
                    session: session_id.to_string(),
                }));
            }
            let done = sqlx::query(
                "INSERT INTO session_trainers (session_id, staff_id) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(session_id.as_str())
            .bind(staff_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() > 0 {
                audit!(
                    tx,
                    now,
                    actor,
                    "session.trainer",
                    "session",
                    session_id.as_str(),
                    None::<String>,
                    Some(format!("{{\"staff\":{staff_id}}}"))
                )?;
            }
            Ok::<(), Error>(())
        }
        .await)
    }

    /// The trainer accounts assigned to a session, by id.
    pub async fn session_trainers(&self, session_id: &str) -> Result<Vec<i64>> {
        Ok(read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT staff_id FROM session_trainers WHERE session_id = $1 ORDER BY staff_id",
            )
            .bind(session_id)
            .fetch_all(pool)
            .await?
        }))
    }

    /// The sessions trainer account `staff_id` is assigned to.
    pub async fn trainer_sessions(&self, staff_id: i64) -> Result<Vec<SessionId>> {
        let ids: Vec<String> = read!(self, |pool| {
            sqlx::query_scalar(
                "SELECT session_id FROM session_trainers WHERE staff_id = $1 ORDER BY session_id",
            )
            .bind(staff_id)
            .fetch_all(pool)
            .await?
        });
        ids.iter()
            .map(|id| {
                SessionId::parse(id).map_err(|err| Error::Corrupt {
                    table: "session_trainers",
                    message: err.to_string(),
                })
            })
            .collect()
    }
}
