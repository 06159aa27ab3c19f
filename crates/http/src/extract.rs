//! Extractors whose rejections are problems: a JSON object body read field by field (so every
//! error names its JSON pointer), the bearer token, the client address, and the rate limit.
//!
//! The body is parsed in two steps: first as any JSON value (a syntax error is a 400 with the
//! line and column), then each field on its own into its type (a wrong type is a 422 naming the
//! field's pointer). Field by field also gives the canonical form of the body that idempotency
//! keys hash: keys sorted, no whitespace.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::forwarded::client_address;
use crate::limiter::Verdict;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;
use crate::wire::FieldProblem;

/// A request body that is a JSON object.
#[derive(Debug)]
pub(crate) struct JsonObject {
    /// The members, not yet checked.
    pub(crate) fields: Fields,
    /// The body with keys sorted and no whitespace: equal for equal JSON.
    pub(crate) canonical: String,
}

fn is_json(parts: &axum::http::HeaderMap) -> bool {
    let Some(value) = parts.get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(text) = value.to_str() else {
        return false;
    };
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl FromRequest<AppState> for JsonObject {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> ApiResult<Self> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let limit = state.config().body_limit;
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge { limit }
                } else {
                    ApiError::BadRequest(rejection.body_text())
                }
            })?;
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|err| ApiError::MalformedJson(err.to_string()))?;
        let Value::Object(map) = value else {
            return Err(ApiError::invalid("", "the body must be a JSON object"));
        };
        let canonical = canonical(&Value::Object(map.clone()));
        Ok(JsonObject {
            fields: Fields {
                map,
                errors: Vec::new(),
            },
            canonical,
        })
    }
}

/// JSON with object keys sorted, whatever the map type keeps.
fn canonical(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// RFC 6901: `~` → `~0`, `/` → `~1`.
pub(crate) fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The members of a JSON object body, taken one by one; problems are collected, not returned at
/// the first one, so a client learns everything wrong with a body at once.
#[derive(Debug)]
pub(crate) struct Fields {
    map: Map<String, Value>,
    errors: Vec<FieldProblem>,
}

impl Fields {
    /// Records a problem at `pointer`.
    pub(crate) fn error(&mut self, pointer: &str, detail: impl Into<String>) {
        self.errors.push(FieldProblem {
            pointer: pointer.to_owned(),
            detail: detail.into(),
            line: None,
            column: None,
        });
    }

    /// The member `name` parsed by `parse`; `None` when absent or null (nothing recorded).
    pub(crate) fn optional_with<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(Value) -> Result<T, FieldProblem>,
    ) -> Option<T> {
        match self.map.remove(name) {
            None | Some(Value::Null) => None,
            Some(value) => match parse(value) {
                Ok(parsed) => Some(parsed),
                Err(problem) => {
                    self.errors.push(problem);
                    None
                }
            },
        }
    }

    /// The member `name` parsed by `parse`; records "required" when absent or null.
    pub(crate) fn required_with<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(Value) -> Result<T, FieldProblem>,
    ) -> Option<T> {
        if matches!(self.map.get(name), None | Some(Value::Null)) {
            self.map.remove(name);
            self.error(
                &format!("/{}", pointer_token(name)),
                "this field is required",
            );
            return None;
        }
        self.optional_with(name, parse)
    }

    /// The member `name` deserialized as `T`; `None` when absent or null.
    pub(crate) fn optional<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        self.optional_with(name, |value| serde_value(name, value))
    }

    /// The member `name` deserialized as `T`; records "required" when absent or null.
    pub(crate) fn required<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        self.required_with(name, |value| serde_value(name, value))
    }

    /// Ends the reading: members nobody asked for are problems too. Returns every problem.
    pub(crate) fn finish(mut self) -> ApiResult<()> {
        let unknown: Vec<String> = self.map.keys().cloned().collect();
        for key in unknown {
            self.error(&format!("/{}", pointer_token(&key)), "unknown field");
        }
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(self.errors))
        }
    }

    /// Whether a problem was recorded so far.
    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// A problem at `/name`.
pub(crate) fn at(name: &str, detail: impl std::fmt::Display) -> FieldProblem {
    FieldProblem {
        pointer: format!("/{}", pointer_token(name)),
        detail: detail.to_string(),
        line: None,
        column: None,
    }
}

/// `value` deserialized as `T`, a problem at `/name` otherwise.
pub(crate) fn serde_value<T: DeserializeOwned>(
    name: &str,
    value: Value,
) -> Result<T, FieldProblem> {
    serde_json::from_value(value).map_err(|err| at(name, err))
}

/// A text member.
pub(crate) fn string(name: &str, value: Value) -> Result<String, FieldProblem> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(at(
            name,
            format!("expected a string, found {}", json_kind(&other)),
        )),
    }
}

/// `a string`, `a number` …: what a JSON value is, for messages.
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The bearer token of the request, if it has one.
#[derive(Debug, Clone)]
pub(crate) struct Bearer(pub(crate) Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        Ok(Bearer(token))
    }
}

/// The client's address: the peer of the TCP connection, or what a trusted proxy forwarded
/// (see `crate::forwarded`). Without connection info (a router called directly, as tests do)
/// the peer counts as `0.0.0.0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let trusted = &state.config().trusted_proxies;
        Ok(ClientIp(client_address(peer, &parts.headers, trusted)))
    }
}

/// A public write that passed the client address's rate limit (else a 429 problem with
/// `Retry-After`). Put it first among a handler's extractors, so a limited request costs nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateLimited;

impl FromRequestParts<AppState> for RateLimited {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let Ok(ClientIp(ip)) = ClientIp::from_request_parts(parts, state).await;
        match state.limiter().check(ip, Instant::now()) {
            Verdict::Allowed => Ok(RateLimited),
            Verdict::Limited { retry_after } => Err(ApiError::RateLimited { retry_after }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sorts_keys_at_every_depth() {
        let a: Value =
            serde_json::from_str(r#"{"b": 1, "a": {"y": [1, {"d": 2, "c": 3}], "x": null}}"#)
                .unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(
            canonical(&a),
            r#"{"a":{"x":null,"y":[1,{"c":3,"d":2}]},"b":1}"#
        );
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn json_content_types() {
        let check = |value: &str, ok: bool| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(is_json(&headers), ok, "{value}");
        };
        check("application/json", true);
        check("Application/JSON; charset=utf-8", true);
        check("application/merge-patch+json", true);
        check("text/plain", false);
        check("application/x-www-form-urlencoded", false);
        assert!(!is_json(&axum::http::HeaderMap::new()));
    }
}
