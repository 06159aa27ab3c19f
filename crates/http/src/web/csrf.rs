//! CSRF protection without server state: a double-submit cookie.
//!
//! A page with a form sets the cookie `skillhub_csrf` (random, `HttpOnly`, `SameSite=Strict`,
//! path `/`) unless the browser already sent a well-formed one, and puts the same value in a
//! hidden field. When the server's public URL is https the cookie is `__Host-skillhub_csrf` and
//! `Secure`: the prefix makes browsers refuse it from plain http or with a `Domain`, so a
//! neighbouring subdomain or a network attacker cannot plant a token of their choosing. Over
//! plain http (local use, or no `--public-url`) it keeps the plain name, because browsers refuse
//! a `__Host-` cookie that is not `Secure`, and a `Secure` cookie is never sent over http. A POST is accepted only when the cookie and the field are equal, compared in
//! constant time. Another site can make a browser send a form, but with `SameSite=Strict` not the
//! cookie, and it cannot read the cookie to copy it into the field. Nothing is stored, so any
//! number of server processes behind a load balancer accept each other's forms.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use subtle::ConstantTimeEq;

use crate::state::{AppState, PublicUrl};

/// The cookie's name over plain http.
pub(crate) const COOKIE_NAME: &str = "skillhub_csrf";
/// The cookie's name when the public URL is https (then `Secure`).
pub(crate) const SECURE_COOKIE_NAME: &str = "__Host-skillhub_csrf";
/// The hidden field's name.
pub(crate) const FIELD: &str = "csrf";

/// The token of this request: the browser's, or a new one to set with [`Csrf::set_cookie`].
#[derive(Debug, Clone)]
pub(crate) struct Csrf {
    token: String,
    fresh: bool,
    secure: bool,
}

impl Csrf {
    /// The value for the hidden field.
    pub(crate) fn token(&self) -> &str {
        &self.token
    }

    /// Adds the `Set-Cookie` header when the token is new.
    pub(crate) fn set_cookie(&self, response: &mut Response) {
        if !self.fresh {
            return;
        }
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400{}",
            cookie_name(self.secure),
            self.token,
            if self.secure { "; Secure" } else { "" },
        );
        // A token is hex, so the header value is always valid.
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }

    /// Whether a form's `field` matches the cookie the browser sent, in constant time.
    pub(crate) fn accepts(&self, field: Option<&str>) -> bool {
        let Some(field) = field else {
            return false;
        };
        !self.fresh
            && field.len() == self.token.len()
            && bool::from(field.as_bytes().ct_eq(self.token.as_bytes()))
    }
}

/// The cookie's name, `Secure` or not.
fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The value of our cookie (named `name`) in the request's `Cookie` headers, when it is well
/// formed.
fn cookie_token(headers: &HeaderMap, name: &str) -> Option<String> {
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

impl FromRequestParts<AppState> for Csrf {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secure = state
            .config()
            .public_url
            .as_ref()
            .is_some_and(PublicUrl::is_https);
        Ok(match cookie_token(&parts.headers, cookie_name(secure)) {
            Some(token) => Csrf {
                token,
                fresh: false,
                secure,
            },
            None => Csrf {
                token: skillhub_store::new_token(),
                fresh: true,
                secure,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(cookie: &str) -> Csrf {
        with_cookie_as(cookie, false)
    }

    fn with_cookie_as(cookie: &str, secure: bool) -> Csrf {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        match cookie_token(&headers, cookie_name(secure)) {
            Some(token) => Csrf {
                token,
                fresh: false,
                secure,
            },
            None => Csrf {
                token: "ab".repeat(32),
                fresh: true,
                secure,
            },
        }
    }

    fn set_cookie(csrf: &Csrf) -> String {
        let mut response = Response::default();
        csrf.set_cookie(&mut response);
        response.headers()[SET_COOKIE].to_str().unwrap().to_owned()
    }

    #[test]
    fn over_https_the_cookie_is_host_prefixed_and_secure() {
        let fresh = with_cookie_as("theme=dark", true);
        let cookie = set_cookie(&fresh);
        assert!(cookie.starts_with("__Host-skillhub_csrf="), "{cookie}");
        assert!(cookie.contains("; Secure"), "{cookie}");
        assert!(cookie.contains("; Path=/"), "{cookie}");
        assert!(!cookie.contains("Domain"), "{cookie}");
        // Over http the plain name, without Secure (browsers would refuse `__Host-` then).
        let plain = set_cookie(&with_cookie_as("theme=dark", false));
        assert!(plain.starts_with("skillhub_csrf="), "{plain}");
        assert!(!plain.contains("Secure"), "{plain}");
        // Each mode reads only its own cookie.
        let token = "cd".repeat(32);
        assert!(
            with_cookie_as(&format!("__Host-skillhub_csrf={token}"), true).accepts(Some(&token))
        );
        assert!(!with_cookie_as(&format!("skillhub_csrf={token}"), true).accepts(Some(&token)));
    }

    #[test]
    fn the_field_must_match_the_cookie() {
        let token = "ab".repeat(32);
        let csrf = with_cookie(&format!("theme=dark; {COOKIE_NAME}={token}"));
        assert!(csrf.accepts(Some(&token)));
        assert!(!csrf.accepts(Some(&"cd".repeat(32))));
        assert!(!csrf.accepts(Some("ab")));
        assert!(!csrf.accepts(None));
        // A malformed or missing cookie gives a fresh token, which accepts no form.
        let fresh = with_cookie(&format!("{COOKIE_NAME}=short"));
        assert!(fresh.fresh);
        assert!(!fresh.accepts(Some(&"ab".repeat(32))));
    }
}
