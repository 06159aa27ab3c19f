//! The account page (`/gestione/account`) and the optional second factor of admins: a TOTP code
//! (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of skew either side) from an
//! authenticator app, asked after the password (`/gestione/codice`).
//!
//! Turning it on shows a new secret as a QR code of its `otpauth://` URL (rendered here as
//! SVG, no external service) and as text, and takes effect only when a code made from it is
//! given back, so nobody locks themselves out with a secret their app does not have. A code
//! works once (`Store::accept_totp_step`). Wrong codes count as failed logins: the fifth in a
//! row locks the account and ends the half-open login.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use skillhub_core::person::Email;
use skillhub_core::staff::Role;
use totp_rs::{Builder, Secret, Totp};

use super::frame::{role_name, staff_page, with_lang};
use super::login::{CODE_PATH, Login, PendingLogin, after_login, see_other};
use super::{StaffError, StaffResult};
use crate::extract::ClientIp;
use crate::limiter::Verdict;
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The account page.
pub(crate) const ACCOUNT_PATH: &str = "/gestione/account";

/// The authenticator of `secret` (base32) for `account_name`, when the secret reads.
fn authenticator(secret: &str, account_name: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(bytes)
        .with_issuer(Some("skillhub"))
        .with_account_name(account_name.replace(':', ""))
        .build()
        .ok()
}

/// The time step a 6-digit `code` is right for at `now`, if it is.
fn check(totp: &Totp, code: &str) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let now = u64::try_from(Utc::now().timestamp()).ok()?;
    totp.check(&code, now)
}

/// A new secret: 160 random bits (RFC 4226's recommendation), base32.
fn new_secret() -> StaffResult<String> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|err| StaffError::Internal(err.to_string()))?;
    Ok(Secret::from(bytes).to_base32())
}

/// What the forms of these pages send.
#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    csrf: Option<String>,
    code: Option<String>,
    secret: Option<String>,
    dopo: Option<String>,
}

/// `GET /gestione/account`.
pub(crate) async fn account_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    uri: axum::http::Uri,
) -> Response {
    let notice = match uri.query().unwrap_or("") {
        q if q.contains("totp=on") => Some(lang.pick(
            "Verifica in due passaggi attivata.",
            "Two-step verification is on.",
        )),
        q if q.contains("totp=off") => Some(lang.pick(
            "Verifica in due passaggi disattivata.",
            "Two-step verification is off.",
        )),
        _ => None,
    };
    let result = async {
        let secret = new_secret()?;
        Ok(html_response(
            StatusCode::OK,
            account(&state, lang, &login, &secret, notice, None).await?,
        ))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

async fn account(
    _state: &AppState,
    lang: Lang,
    login: &Login,
    secret: &str,
    notice: Option<&str>,
    problem: Option<&str>,
) -> StaffResult<Markup> {
    let account = login.account();
    let title = lang.pick("Il tuo account", "Your account");
    let totp = authenticator(secret, &account.email);
    let url = totp.as_ref().and_then(|t| t.to_url().ok());
    let label = lang.pick(
        "Codice QR della chiave per l'app di autenticazione",
        "QR code of the key for the authenticator app",
    );
    let qr = url
        .as_deref()
        .and_then(|url| crate::qr::svg(url, label, 200));
    Ok(staff_page(
        lang,
        title,
        Some(login),
        ACCOUNT_PATH,
        html! {
            h1 { (title) }
            @if let Some(notice) = notice { p.notice.ok role="status" { (notice) } }
            dl.facts {
                dt { (lang.pick("Indirizzo", "Address")) } dd { (account.email) }
                dt { (lang.pick("Ruolo", "Role")) } dd { (role_name(lang, account.scope.role())) }
                @if let Some(program) = account.scope.program() { dt { (lang.pick("Programma", "Program")) } dd { (program) } }
                @if let Some(hub) = account.scope.hub() { dt { (lang.pick("Sede", "Hub")) } dd { (hub) } }
            }
            p.hint { (lang.pick(
                "Per cambiare la password chiedi all'amministrazione un nuovo link di attivazione: usarlo chiude tutti gli accessi aperti.",
                "To change your password ask an administrator for a new setup link: using it ends every open login.",
            )) }
            @if account.scope.role() == Role::Admin {
                h2 { (lang.pick("Verifica in due passaggi", "Two-step verification")) }
                @if let Some(problem) = problem { div.notice.bad role="alert" { p { (problem) } } }
                @if account.has_totp {
                    p { (lang.pick(
                        "Attiva: dopo la password ti chiediamo il codice della tua app di autenticazione.",
                        "On: after the password you are asked for the code of your authenticator app.",
                    )) }
                    form method="post" action=(with_lang(&format!("{ACCOUNT_PATH}/totp/off"), lang)) {
                        input type="hidden" name="csrf" value=(login.csrf());
                        div.field {
                            label for="off-code" { (lang.pick("Codice attuale (6 cifre)", "Current code (6 digits)")) }
                            input #off-code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required;
                        }
                        button.danger type="submit" { (lang.pick("Disattiva la verifica in due passaggi", "Turn two-step verification off")) }
                    }
                } @else {
                    p { (lang.pick(
                        "Facoltativa, consigliata per gli amministratori: inquadra il codice con un'app di autenticazione (per esempio FreeOTP, Aegis, Google Authenticator), poi scrivi il codice che mostra.",
                        "Optional, advised for admins: scan the code with an authenticator app (for instance FreeOTP, Aegis, Google Authenticator), then type the code it shows.",
                    )) }
                    @if let Some(svg) = qr {
                        figure.qr {
                            (svg)
                            figcaption {
                                (lang.pick("Oppure inserisci la chiave a mano: ", "Or type the key by hand: "))
                                span.token { (grouped(secret)) }
                            }
                        }
                    }
                    form method="post" action=(with_lang(&format!("{ACCOUNT_PATH}/totp/on"), lang)) {
                        input type="hidden" name="csrf" value=(login.csrf());
                        input type="hidden" name="secret" value=(secret);
                        div.field {
                            label for="on-code" { (lang.pick("Codice mostrato dall'app (6 cifre)", "Code shown by the app (6 digits)")) }
                            input #on-code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required;
                        }
                        button type="submit" { (lang.pick("Attiva la verifica in due passaggi", "Turn two-step verification on")) }
                    }
                }
            }
        },
    ))
}

/// A base32 key in groups of four, as authenticator apps show them.
fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `POST /gestione/account/totp/on`: turns TOTP on with the secret the page showed, once a code
/// made from it is given. Admins only.
pub(crate) async fn totp_on(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        if login.account().scope.role() != Role::Admin {
            return Err(StaffError::Forbidden);
        }
        let secret = form.secret.unwrap_or_default();
        let totp = authenticator(&secret, &login.account().email).ok_or_else(|| {
            StaffError::BadForm("the key is not a base32 secret of 160 bits".into())
        })?;
        let Some(step) = check(&totp, form.code.as_deref().unwrap_or("")) else {
            let problem = lang.pick(
                "Il codice non corrisponde: controlla l'ora del telefono e riprova con il codice nuovo.",
                "The code does not match: check the phone's clock and try again with the new code.",
            );
            let page = account(&state, lang, &login, &secret, None, Some(problem)).await?;
            return Ok(html_response(StatusCode::UNPROCESSABLE_ENTITY, page));
        };
        let now = Utc::now();
        let id = login.account().id;
        state
            .store()
            .set_totp(&login.actor(), id, Some(&secret), now)
            .await?;
        state.store().accept_totp_step(id, step).await?;
        Ok(see_other(&with_lang(
            &format!("{ACCOUNT_PATH}?totp=on"),
            lang,
        )))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// `POST /gestione/account/totp/off`: turns TOTP off, given a current code.
pub(crate) async fn totp_off(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        login.check(form.csrf.as_deref())?;
        let email = Email::parse(&login.account().email)
            .map_err(|err| StaffError::Internal(err.to_string()))?;
        let stored = state
            .store()
            .login_candidate(&email)
            .await?
            .and_then(|c| c.totp_secret);
        let right = stored
            .as_deref()
            .and_then(|secret| authenticator(secret, &login.account().email))
            .and_then(|totp| check(&totp, form.code.as_deref().unwrap_or("")));
        if right.is_none() {
            let problem = lang.pick(
                "Il codice non corrisponde: la verifica in due passaggi resta attiva.",
                "The code does not match: two-step verification stays on.",
            );
            let page = account(&state, lang, &login, &new_secret()?, None, Some(problem)).await?;
            return Ok(html_response(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
        state
            .store()
            .set_totp(&login.actor(), login.account().id, None, Utc::now())
            .await?;
        Ok(see_other(&with_lang(
            &format!("{ACCOUNT_PATH}?totp=off"),
            lang,
        )))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

fn code_form(
    lang: Lang,
    pending: &PendingLogin,
    next: Option<&str>,
    problem: Option<&str>,
) -> Markup {
    let title = lang.pick("Codice di verifica", "Verification code");
    staff_page(
        lang,
        title,
        None,
        CODE_PATH,
        html! {
            h1 { (title) }
            p { (lang.pick(
                "Scrivi il codice di 6 cifre che mostra la tua app di autenticazione.",
                "Type the 6-digit code your authenticator app shows.",
            )) }
            @if let Some(problem) = problem { div.notice.bad role="alert" { p { (problem) } } }
            form method="post" action=(with_lang(CODE_PATH, lang)) {
                input type="hidden" name="csrf" value=(pending.csrf());
                @if let Some(next) = next { input type="hidden" name="dopo" value=(next); }
                div.field {
                    label for="code" { (lang.pick("Codice", "Code")) }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required;
                }
                button type="submit" { (lang.pick("Verifica", "Verify")) }
            }
        },
    )
}

/// `GET /gestione/codice`: the second step of an admin's login with TOTP on.
pub(crate) async fn code_page(
    PageLang(lang): PageLang,
    pending: PendingLogin,
    uri: axum::http::Uri,
) -> Response {
    let next = url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "dopo")
        .map(|(_, value)| value.into_owned());
    html_response(
        StatusCode::OK,
        code_form(lang, &pending, next.as_deref(), None),
    )
}

/// `POST /gestione/codice`: checks the code; right, the login reaches its account's pages.
pub(crate) async fn check_code(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    ClientIp(ip): ClientIp,
    pending: PendingLogin,
    form: Result<Form<CodeForm>, FormRejection>,
) -> Response {
    if let Verdict::Limited { retry_after } =
        state.login_limiter().check(ip, std::time::Instant::now())
    {
        return StaffError::RateLimited(retry_after).render(lang, None);
    }
    let result = async {
        let Form(form) = form.map_err(|err| StaffError::BadForm(err.body_text()))?;
        if !pending.accepts(form.csrf.as_deref()) {
            return Err(StaffError::Csrf);
        }
        let now = Utc::now();
        let email = Email::parse(&pending.account.email)
            .map_err(|err| StaffError::Internal(err.to_string()))?;
        let secret = state
            .store()
            .login_candidate(&email)
            .await?
            .and_then(|c| c.totp_secret);
        let id = pending.account.id;
        let step = secret
            .as_deref()
            .and_then(|secret| authenticator(secret, &pending.account.email))
            .and_then(|totp| check(&totp, form.code.as_deref().unwrap_or("")));
        let accepted = match step {
            Some(step) => state.store().accept_totp_step(id, step).await?,
            None => false,
        };
        if !accepted {
            if state.store().login_failed(id, now).await? {
                pending.close(&state).await?;
                return Ok(see_other(&with_lang(super::login::LOGIN_PATH, lang)));
            }
            let problem = lang.pick(
                "Il codice non è corretto, o è già stato usato: aspetta il prossimo e riprova.",
                "The code is wrong, or was used already: wait for the next one and try again.",
            );
            return Ok(html_response(
                StatusCode::UNAUTHORIZED,
                code_form(lang, &pending, form.dopo.as_deref(), Some(problem)),
            ));
        }
        state
            .store()
            .pass_second_factor(&pending.token, now)
            .await?;
        Ok(see_other(&with_lang(
            after_login(form.dopo.as_deref()),
            lang,
        )))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_makes_codes_an_app_would_make() {
        let secret = new_secret().unwrap();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let totp = authenticator(&secret, "mara@example.org").unwrap();
        let url = totp.to_url().unwrap();
        assert!(
            url.starts_with("otpauth://totp/skillhub:mara%40example.org?"),
            "{url}"
        );
        let now = u64::try_from(Utc::now().timestamp()).unwrap();
        let code = totp.generate(now).to_string();
        assert!(check(&totp, &code).is_some());
        assert!(check(&totp, "000000").is_none() || code == "000000");
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }
}
