//! Idempotent POSTs, shared by every route that takes an `Idempotency-Key`: the header's
//! check, the record the store keeps (route and caller, key, hash of the canonical body), and
//! the JSON response written from a new or a replayed answer.
//!
//! The store decides replays inside the transaction that does the work, so a repeated key with
//! the same body gets the first answer (status and body), and with another body a 422.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use skillhub_store::{Idempotency, Replay};

use crate::auth::token_hash;
use crate::extract::Bearer;
use crate::problem::{ApiError, ApiResult};

/// The header that makes a write idempotent.
pub(crate) const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The `Idempotency-Key` header as the OpenAPI document describes it, for the `params` of every
/// route that takes it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // Only its description is used, by the OpenAPI document.
pub(crate) struct IdempotencyKeyHeader {
    /// 1–255 visible ASCII characters; the same key with the same body replays the first answer
    #[param(rename = "Idempotency-Key")]
    idempotency_key: Option<String>,
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters, or a 400.
pub(crate) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::BadRequest("Idempotency-Key must be 1 to 255 visible ASCII characters".to_owned())
    };
    let text = value.to_str().map_err(|_| bad())?;
    if text.is_empty() || text.len() > 255 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(text.to_owned()))
}

/// The idempotency record of a request with `key`: scoped to `route` and the caller (its
/// bearer token's hash, or its address without one), with the hash of the canonical body.
pub(crate) fn idempotency(
    route: String,
    key: Option<String>,
    bearer: &Bearer,
    ip: IpAddr,
    canonical: &str,
) -> Option<Idempotency> {
    key.map(|key| {
        let caller = match &bearer.0 {
            Some(token) => format!("token:{}", token_hash(token)),
            None => format!("ip:{ip}"),
        };
        Idempotency {
            scope: format!("{route} {caller}"),
            key,
            request_hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        }
    })
}

/// An answer to store for replays: `status` with `body` as JSON.
pub(crate) fn answer<T: serde::Serialize>(status: StatusCode, body: &T) -> Replay {
    Replay {
        status: status.as_u16(),
        // Serializing wire types of strings and numbers cannot fail.
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// A JSON answer (new or replayed) with its status and, when given, `Location`.
pub(crate) fn json_response(replay: Replay, location: Option<String>) -> Response {
    let status = StatusCode::from_u16(replay.status).unwrap_or(StatusCode::CREATED);
    let mut response = (status, Body::from(replay.body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(location) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_visible_ascii() {
        let check = |value: &str, ok: bool| {
            let mut headers = HeaderMap::new();
            headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_str(value).unwrap());
            assert_eq!(idempotency_key(&headers).is_ok(), ok, "{value:?}");
        };
        check("3f2a-11", true);
        check("", false);
        check("a b", false);
        check(&"k".repeat(255), true);
        check(&"k".repeat(256), false);
        assert_eq!(idempotency_key(&HeaderMap::new()).unwrap(), None);
    }
}
