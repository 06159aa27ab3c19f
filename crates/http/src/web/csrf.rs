//! CSRF protection without server state: a double-submit cookie.
//!
//! A page with a form sets the cookie `skillhub_csrf` (random, `HttpOnly`, `SameSite=Strict`,
//! path `/`) unless the browser already sent a well-formed one, and puts the same value in a
//! hidden field. A POST is accepted only when the cookie and the field are equal, compared in
//! constant time. Another site can make a browser send a form, but with `SameSite=Strict` not the
//! cookie, and it cannot read the cookie to copy it into the field. Nothing is stored, so any
//! number of server processes behind a load balancer accept each other's forms.

use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use subtle::ConstantTimeEq;

/// The cookie's name.
pub(crate) const COOKIE_NAME: &str = "skillhub_csrf";
/// The hidden field's name.
pub(crate) const FIELD: &str = "csrf";

/// The token of this request: the browser's, or a new one to set with [`Csrf::set_cookie`].
#[derive(Debug, Clone)]
pub(crate) struct Csrf {
    token: String,
    fresh: bool,
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
            "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400",
            self.token
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

/// The value of our cookie in the request's `Cookie` headers, when it is well formed.
fn cookie_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(match cookie_token(&parts.headers) {
            Some(token) => Csrf {
                token,
                fresh: false,
            },
            None => Csrf {
                token: skillhub_store::new_token(),
                fresh: true,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(cookie: &str) -> Csrf {
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(cookie).unwrap());
        match cookie_token(&headers) {
            Some(token) => Csrf {
                token,
                fresh: false,
            },
            None => Csrf {
                token: "new".into(),
                fresh: true,
            },
        }
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
        assert!(!fresh.accepts(Some("new")));
    }
}
