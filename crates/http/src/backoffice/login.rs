//! Logging in and out, and setting a password through a setup link.
//!
//! A login is a row of `staff_logins` named by the SHA-256 of a random cookie
//! (`skillhub_staff`; `__Host-skillhub_staff` and `Secure` when the public URL is https;
//! `HttpOnly`, `SameSite=Lax` so that a check-in link opened from the phone's camera still
//! carries it, while every form is protected by a token). It ends at logout, when the account is
//! disabled or its password changes, after 30 minutes without a request and 12 hours after the
//! login (`skillhub_store::LOGIN_IDLE`, `LOGIN_LIFETIME`).
//!
//! The forms of a logged-in page carry [`Login::csrf`], the SHA-256 of the login's secret with a
//! purpose prefix: another site cannot read it, and it dies with the login. The login and setup
//! forms, before any login, carry the public pages' double-submit token.
//!
//! Logins are limited per client address (`LOGIN_ATTEMPTS_PER_MINUTE`) and per account (locked
//! for 15 minutes after 5 failures in a row); a wrong address, a wrong password and a locked
//! account get the same answer, in about the same time (an unknown account checks a dummy
//! hash), so the form tells nobody which addresses have accounts.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::header::{COOKIE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use skillhub_core::person::Email;
use skillhub_core::staff::{Password, PasswordError, Staff};
use skillhub_store::{StaffAccount, StaffRefusal};
use subtle::ConstantTimeEq;

use super::frame::{role_name, staff_page, with_lang};
use super::password;
use super::{StaffError, StaffResult};
use crate::extract::ClientIp;
use crate::limiter::Verdict;
use crate::state::{AppState, PublicUrl};
use crate::web::csrf::Csrf;
use crate::web::{Lang, PageLang, html_response};

/// The login cookie's name over plain http.
const COOKIE_NAME: &str = "skillhub_staff";
/// Its name when the public URL is https (then `Secure`).
const SECURE_COOKIE_NAME: &str = "__Host-skillhub_staff";
/// The login page.
pub(crate) const LOGIN_PATH: &str = "/gestione/accesso";

/// A logged-in member of staff, as a request's cookie finds them. As an extractor it sends
/// whoever is not logged in to the login page (and back here after it).
#[derive(Debug, Clone)]
pub(crate) struct Login {
    account: StaffAccount,
    token: String,
}

impl Login {
    /// The account.
    pub(crate) fn account(&self) -> &StaffAccount {
        &self.account
    }

    /// The account as core's rules read it.
    pub(crate) fn staff(&self) -> Staff {
        self.account.staff()
    }

    /// The audit log's actor: `staff:ID`.
    pub(crate) fn actor(&self) -> String {
        self.staff().actor()
    }

    /// The value of the `csrf` field of this login's forms.
    pub(crate) fn csrf(&self) -> String {
        form_token(&self.token)
    }

    /// Whether a form's `csrf` field is this login's, in constant time.
    pub(crate) fn accepts(&self, field: Option<&str>) -> bool {
        same_token(&self.csrf(), field)
    }

    /// `Ok` when a form's `csrf` field is this login's, else [`StaffError::Csrf`].
    pub(crate) fn check(&self, field: Option<&str>) -> StaffResult<()> {
        if self.accepts(field) {
            Ok(())
        } else {
            Err(StaffError::Csrf)
        }
    }
}

/// The form token of the login whose secret is `token`: SHA-256 with a purpose prefix.
fn form_token(token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"skillhub staff form\0");
    hasher.update(token.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether `field` is `expected`, in constant time.
fn same_token(expected: &str, field: Option<&str>) -> bool {
    field.is_some_and(|field| {
        field.len() == expected.len() && bool::from(field.as_bytes().ct_eq(expected.as_bytes()))
    })
}

fn secure(state: &AppState) -> bool {
    state
        .config()
        .public_url
        .as_ref()
        .is_some_and(PublicUrl::is_https)
}

fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The login cookie of a request, when well formed.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `Set-Cookie` for a new login (`Some`) or its removal (`None`).
fn set_cookie(response: &mut Response, secure: bool, token: Option<&str>) {
    let value = match token {
        Some(token) => format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax{}",
            cookie_name(secure),
            if secure { "; Secure" } else { "" }
        ),
        None => format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
            cookie_name(secure),
            if secure { "; Secure" } else { "" }
        ),
    };
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().append(SET_COOKIE, value);
    }
}

/// A `303 See Other` to `to` (a local path).
pub(crate) fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(LOCATION, value);
    }
    response
}

/// Where to go after the login: a back-office path the request asked for, else the dashboard.
/// Anything else (another site, `//host`, a backslash) is ignored.
pub(crate) fn after_login(next: Option<&str>) -> &str {
    next.filter(|next| {
        next.starts_with("/gestione")
            && !next.contains("//")
            && !next.contains('\\')
            && next
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'<' && b != b'>')
    })
    .unwrap_or("/gestione")
}

/// The login page's path, asking to come back to `next`.
fn login_path(next: &str, lang: Lang) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    with_lang(&format!("{LOGIN_PATH}?dopo={encoded}"), lang)
}

impl FromRequestParts<AppState> for Login {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(PageLang(lang)) = PageLang::from_request_parts(parts, state).await;
        let here = parts
            .uri
            .path_and_query()
            .map_or("/gestione", |p| p.as_str())
            .to_owned();
        let Some(token) = cookie(&parts.headers, cookie_name(secure(state))) else {
            return Err(see_other(&login_path(&here, lang)));
        };
        match state.store().login_session(&token, Utc::now()).await {
            Ok(Some(session)) if !session.second_factor_due => Ok(Login {
                account: session.account,
                token,
            }),
            // The TOTP code is still to be given: that page first, then back here.
            Ok(Some(_)) => Err(see_other(&code_path(&here, lang))),
            Ok(None) => {
                let mut response = see_other(&login_path(&here, lang));
                set_cookie(&mut response, secure(state), None);
                Err(response)
            }
            Err(err) => Err(StaffError::from(err).render(lang, None)),
        }
    }
}

/// A login whose password was right and whose TOTP code is still due: it reaches only the page
/// that asks for the code. As an extractor it sends anyone else to the login page.
#[derive(Debug, Clone)]
pub(crate) struct PendingLogin {
    /// The account.
    pub(crate) account: StaffAccount,
    /// The login's secret.
    pub(crate) token: String,
}

impl PendingLogin {
    /// The value of the `csrf` field of the code form: as a full login's.
    pub(crate) fn csrf(&self) -> String {
        form_token(&self.token)
    }

    /// Whether a form's `csrf` field is this login's, in constant time.
    pub(crate) fn accepts(&self, field: Option<&str>) -> bool {
        same_token(&self.csrf(), field)
    }

    /// Ends the login (too many wrong codes).
    pub(crate) async fn close(&self, state: &AppState) -> StaffResult<()> {
        state.store().close_login(&self.token, Utc::now()).await?;
        Ok(())
    }
}

impl FromRequestParts<AppState> for PendingLogin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Ok(PageLang(lang)) = PageLang::from_request_parts(parts, state).await;
        let to_login = || see_other(&with_lang(LOGIN_PATH, lang));
        let Some(token) = cookie(&parts.headers, cookie_name(secure(state))) else {
            return Err(to_login());
        };
        match state.store().login_session(&token, Utc::now()).await {
            Ok(Some(session)) if session.second_factor_due => Ok(PendingLogin {
                account: session.account,
                token,
            }),
            Ok(Some(_)) => Err(see_other(&with_lang("/gestione", lang))),
            Ok(None) => Err(to_login()),
            Err(err) => Err(StaffError::from(err).render(lang, None)),
        }
    }
}

/// The page that asks for the TOTP code, asking to come back to `next`.
fn code_path(next: &str, lang: Lang) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    with_lang(&format!("{CODE_PATH}?dopo={encoded}"), lang)
}

/// The page that asks for the TOTP code.
pub(crate) const CODE_PATH: &str = "/gestione/codice";

/// What the login form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    csrf: Option<String>,
    dopo: Option<String>,
}

/// The value of query parameter `name`.
fn query_param(parts_query: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(parts_query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `GET /gestione/accesso`: the login form.
pub(crate) async fn login_page(
    PageLang(lang): PageLang,
    csrf: Csrf,
    uri: axum::http::Uri,
) -> Response {
    let next = query_param(uri.query(), "dopo");
    let notice = if query_param(uri.query(), "attivato").is_some() {
        Some(lang.pick(
            "Password impostata: ora puoi accedere.",
            "Password set: you can log in now.",
        ))
    } else if query_param(uri.query(), "uscito").is_some() {
        Some(lang.pick("Sei uscito.", "You are logged out."))
    } else {
        None
    };
    let mut response = html_response(
        StatusCode::OK,
        login_form(lang, &csrf, next.as_deref(), notice, None),
    );
    csrf.set_cookie(&mut response);
    response
}

fn login_form(
    lang: Lang,
    csrf: &Csrf,
    next: Option<&str>,
    notice: Option<&str>,
    problem: Option<&str>,
) -> Markup {
    let title = lang.pick("Accesso alla gestione", "Back-office login");
    let body = html! {
        h1 { (title) }
        @if let Some(notice) = notice {
            p.notice.ok role="status" { (notice) }
        }
        @if let Some(problem) = problem {
            div.notice.bad role="alert" { p { (problem) } }
        }
        form method="post" action=(with_lang(LOGIN_PATH, lang)) {
            input type="hidden" name="csrf" value=(csrf.token());
            @if let Some(next) = next {
                input type="hidden" name="dopo" value=(next);
            }
            div.field {
                label for="email" { (lang.pick("Indirizzo e-mail", "E-mail address")) }
                input #email type="email" name="email" autocomplete="username" required;
            }
            div.field {
                label for="password" { (lang.pick("Password", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            button type="submit" { (lang.pick("Accedi", "Log in")) }
        }
        p.hint {
            (lang.pick(
                "Non hai ancora una password, o l'hai dimenticata? Chiedi all'amministrazione un link di attivazione.",
                "No password yet, or forgot it? Ask an administrator for a setup link.",
            ))
        }
    };
    staff_page(lang, title, None, LOGIN_PATH, body)
}

/// `POST /gestione/accesso`: checks the address and password, opens a login and goes on to the
/// page asked for (or the dashboard).
pub(crate) async fn log_in(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    csrf: Csrf,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    if let Verdict::Limited { retry_after } =
        state.login_limiter().check(ip, std::time::Instant::now())
    {
        return StaffError::RateLimited(retry_after).render(lang, None);
    }
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        if !csrf.accepts(form.csrf.as_deref()) {
            return Err(StaffError::Csrf);
        }
        let now = Utc::now();
        let email = form.email.as_deref().map(Email::parse).and_then(Result::ok);
        let candidate = match &email {
            Some(email) => state.store().login_candidate(email).await?,
            None => None,
        };
        let given = form.password.clone().unwrap_or_default();
        let stored = candidate.as_ref().and_then(|c| c.password_hash.clone());
        let right = password::verify(given, stored).await;
        let refused = || {
            let problem = lang.pick(
                "Accesso non riuscito: indirizzo o password non corretti. Dopo 5 tentativi errati l'account resta bloccato per 15 minuti.",
                "Login failed: wrong address or password. After 5 wrong attempts the account is locked for 15 minutes.",
            );
            let mut response = html_response(
                StatusCode::UNAUTHORIZED,
                login_form(lang, &csrf, form.dopo.as_deref(), None, Some(problem)),
            );
            csrf.set_cookie(&mut response);
            response
        };
        let Some(candidate) = candidate else {
            return Ok(refused());
        };
        if candidate.locked_until.is_some_and(|until| until > now) {
            return Ok(refused());
        }
        if !right {
            state
                .store()
                .login_failed(candidate.account.id, now)
                .await?;
            return Ok(refused());
        }
        let second_factor = candidate.totp_secret.is_some();
        let token = state
            .store()
            .open_login(candidate.account.id, second_factor, now)
            .await?;
        let next = after_login(form.dopo.as_deref());
        let mut response = if second_factor {
            see_other(&code_path(next, lang))
        } else {
            see_other(&with_lang(next, lang))
        };
        set_cookie(&mut response, secure(&state), Some(&token));
        Ok(response)
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, None))
}

/// What a form of a logged-in page sends when it has nothing else to say.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: Option<String>,
}

/// `POST /gestione/esci`: ends the login at once.
pub(crate) async fn log_out(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    form: Result<Form<CsrfOnly>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        state.store().close_login(&login.token, Utc::now()).await?;
        let mut response = see_other(&with_lang(&format!("{LOGIN_PATH}?uscito=1"), lang));
        set_cookie(&mut response, secure(&state), None);
        Ok(response)
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// The page of a setup link that no longer works.
fn setup_gone(lang: Lang) -> Response {
    let title = lang.pick("Link di attivazione non valido", "Setup link not valid");
    let body = html! {
        h1 { (title) }
        p { (lang.pick(
            "Questo link è scaduto (vale 72 ore) o è già stato usato. Chiedi all'amministrazione un nuovo link.",
            "This link has expired (it works for 72 hours) or was used already. Ask an administrator for a new one.",
        )) }
    };
    html_response(
        StatusCode::GONE,
        staff_page(lang, title, None, LOGIN_PATH, body),
    )
}

fn setup_form(
    lang: Lang,
    csrf: &Csrf,
    token: &str,
    account: &StaffAccount,
    problem: Option<&str>,
) -> Markup {
    let title = lang.pick("Imposta la password", "Set your password");
    let here = super::setup_path(token);
    html! {
        (staff_page(lang, title, None, &here, html! {
            h1 { (title) }
            p {
                (lang.pick("Account: ", "Account: ")) strong { (account.email) }
                " — " (role_name(lang, account.scope.role()))
                @if let Some(program) = account.scope.program() { ", " (program) }
                @if let Some(hub) = account.scope.hub() { ", " (hub) }
            }
            @if let Some(problem) = problem {
                div.notice.bad role="alert" { p #password-problem { (problem) } }
            }
            form method="post" action=(with_lang(&here, lang)) {
                input type="hidden" name="csrf" value=(csrf.token());
                div.field {
                    label for="password" { (lang.pick("Nuova password", "New password")) }
                    p.hint #password-hint { (lang.pick("Almeno 12 caratteri.", "At least 12 characters.")) }
                    input #password type="password" name="password" autocomplete="new-password"
                        required minlength="12" aria-describedby="password-hint"
                        aria-invalid=[problem.map(|_| "true")];
                }
                div.field {
                    label for="again" { (lang.pick("Ripeti la password", "Repeat the password")) }
                    input #again type="password" name="again" autocomplete="new-password" required minlength="12";
                }
                button type="submit" { (lang.pick("Imposta la password", "Set the password")) }
            }
        }))
    }
}

/// `GET /gestione/attiva/{token}`: the form that sets the password of a new (or reset) account.
pub(crate) async fn setup_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(token): Path<String>,
) -> Response {
    let result = async {
        let Some(account) = state.store().setup_account(&token, Utc::now()).await? else {
            return Ok(setup_gone(lang));
        };
        let mut response = html_response(
            StatusCode::OK,
            setup_form(lang, &csrf, &token, &account, None),
        );
        csrf.set_cookie(&mut response);
        Ok(response)
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, None))
}

/// What the setup form sends.
#[derive(Debug, Deserialize)]
pub(crate) struct SetupForm {
    password: Option<String>,
    again: Option<String>,
    csrf: Option<String>,
}

/// `POST /gestione/attiva/{token}`: sets the password (argon2id) and spends the link.
pub(crate) async fn set_password(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(token): Path<String>,
    form: Result<Form<SetupForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        if !csrf.accepts(form.csrf.as_deref()) {
            return Err(StaffError::Csrf);
        }
        let now = Utc::now();
        let Some(account) = state.store().setup_account(&token, now).await? else {
            return Ok(setup_gone(lang));
        };
        let given = form.password.unwrap_or_default();
        let problem = match Password::parse(&given) {
            Err(PasswordError::TooShort) => Some(lang.pick(
                "La password deve avere almeno 12 caratteri.",
                "The password must have at least 12 characters.",
            )),
            Err(PasswordError::TooLong) => Some(lang.pick(
                "La password può avere al massimo 256 caratteri.",
                "The password can have at most 256 characters.",
            )),
            Err(PasswordError::Repeated) => Some(lang.pick(
                "La password non può essere un solo carattere ripetuto.",
                "The password cannot be one character repeated.",
            )),
            Ok(_) if form.again.as_deref() != Some(given.as_str()) => Some(lang.pick(
                "Le due password non coincidono.",
                "The two passwords differ.",
            )),
            Ok(_) => None,
        };
        let password = match (problem, Password::parse(&given)) {
            (None, Ok(password)) => password,
            (problem, _) => {
                let mut response = html_response(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    setup_form(lang, &csrf, &token, &account, problem),
                );
                csrf.set_cookie(&mut response);
                return Ok(response);
            }
        };
        let hash = password::hash(password)
            .await
            .map_err(|err| StaffError::Internal(err.to_string()))?;
        match state.store().set_password(&token, &hash, now).await {
            Ok(_) => Ok(see_other(&with_lang(
                &format!("{LOGIN_PATH}?attivato=1"),
                lang,
            ))),
            Err(skillhub_store::Error::Staff(StaffRefusal::SetupLinkGone)) => Ok(setup_gone(lang)),
            Err(err) => Err(err.into()),
        }
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_back_office_paths_are_followed_after_login() {
        assert_eq!(
            after_login(Some("/gestione/incontri/x?q=1")),
            "/gestione/incontri/x?q=1"
        );
        for bad in [
            "https://evil.example/gestione",
            "//evil.example/gestione",
            "/gestione//evil",
            "/gestione\\evil",
            "/incontri/x",
            "/gestione/\"><script>",
        ] {
            assert_eq!(after_login(Some(bad)), "/gestione", "{bad}");
        }
        assert_eq!(after_login(None), "/gestione");
    }
}
