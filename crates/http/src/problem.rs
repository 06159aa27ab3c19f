//! The API's one error type, mapped once to statuses and `application/problem+json` bodies.
//!
//! Handlers return [`ApiError`]; its [`IntoResponse`] writes an RFC 9457 problem with `type`,
//! `title`, `status` and `detail` (plus `errors` with JSON pointers for invalid bodies and
//! `reasons` for ineligible people). A database that is busy, locked or unreachable is answered
//! with a 503 and `Retry-After` ([`RETRY_UNAVAILABLE`]), since the same request may well succeed
//! shortly; any other store failure that is not the client's doing is logged with its cause and
//! answered with a 500 that says nothing about the database.
//! [`problem_for_bare_errors`] rewrites the error responses that axum and tower produce on their
//! own (405, timeouts) into the same shape.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use skillhub_core::eligibility::Reason;

use crate::wire::{FieldProblem, Problem, Text};

/// The media type of every error body.
pub(crate) const PROBLEM_JSON: &str = "application/problem+json";

/// Seconds a client is asked to wait (`Retry-After`) when the database is unavailable: about the
/// store's own wait ([`skillhub_store::Timeouts::server`]), so a retry finds a lock given back or
/// a restarted database.
pub(crate) const RETRY_UNAVAILABLE: u64 = 2;

/// A `Result` whose error is an [`ApiError`].
pub(crate) type ApiResult<T, E = ApiError> = std::result::Result<T, E>;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ApiError {
    /// A query parameter, header or path segment is malformed (400).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not syntactically valid JSON (400).
    #[error("the body is not valid JSON: {0}")]
    MalformedJson(String),
    /// The body is not declared as JSON (415).
    #[error("the body must be JSON, sent with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// A program's definition sent as neither TOML nor JSON (415).
    #[error("a program's definition is sent as `application/toml` or `application/json`")]
    NotAProgram,
    /// Completions sent as neither the format's type: `text/csv` for a Moodle export,
    /// `application/json` for xAPI statements (415).
    #[error(
        "completions are sent as `text/csv` (format=moodle) or `application/json` (format=xapi)"
    )]
    NotCompletions,
    /// The body is larger than the server accepts (413).
    #[error("the body is larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is JSON but some of its parts are invalid (422).
    #[error("{}", describe(.0))]
    Invalid(Vec<FieldProblem>),
    /// The person may not take part in the session's program (422).
    #[error("{}", ineligible(.program, .reasons))]
    Ineligible {
        /// The program's id.
        program: String,
        /// Why, at least one reason.
        reasons: Vec<Reason>,
    },
    /// An idempotency key was reused with a different body (422).
    #[error("the Idempotency-Key {0:?} was already used with a different request body")]
    IdempotencyMismatch(String),
    /// No bearer token (401).
    #[error("this needs `Authorization: Bearer <token>`")]
    Unauthorized,
    /// A bearer token that does not allow this (403).
    #[error("this token does not allow this request")]
    Forbidden,
    /// An evaluator's token on an application it declared a conflict of interest with (403).
    #[error(
        "the evaluator declared a conflict of interest with this application \
         (l'esaminatore ha dichiarato un conflitto di interessi con questa domanda)"
    )]
    ConflictOfInterest,
    /// No such thing (404).
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The session does not take registrations now: before its window, after it, or once it
    /// has started (409, `registration-closed`).
    #[error("{0}")]
    RegistrationClosed(String),
    /// Over the rate limit (429).
    #[error("too many requests from this address: retry after {retry_after} s")]
    RateLimited {
        /// Seconds until a request fits again.
        retry_after: u64,
    },
    /// The database is busy, locked or unreachable (503, `Retry-After`); the cause is logged.
    #[error("the database is busy or unreachable: retry after {RETRY_UNAVAILABLE} s")]
    Unavailable(String),
    /// A failure that is not the client's doing (500); the cause is logged, not shown.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The first reason in English, and how many more.
fn ineligible(program: &str, reasons: &[Reason]) -> String {
    let mut text = format!("the person may not take part in {program}");
    if let Some(first) = reasons.first() {
        text.push_str(": ");
        text.push_str(first.en());
    }
    if reasons.len() > 1 {
        text.push_str(&format!(" (and {} more)", reasons.len() - 1));
    }
    text
}

/// `POINTER: detail` of the first problem, and how many more.
fn describe(errors: &[FieldProblem]) -> String {
    let Some(first) = errors.first() else {
        return "the body is invalid".to_owned();
    };
    let mut text = if first.pointer.is_empty() {
        first.detail.clone()
    } else {
        format!("{}: {}", first.pointer, first.detail)
    };
    if errors.len() > 1 {
        text.push_str(&format!(" (and {} more)", errors.len() - 1));
    }
    text
}

impl ApiError {
    /// One invalid part of the body.
    pub(crate) fn invalid(pointer: &str, detail: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldProblem {
            pointer: pointer.to_owned(),
            detail: detail.into(),
            line: None,
            column: None,
        }])
    }

    /// A failure of ours: logs the cause, answers 500.
    pub(crate) fn internal(cause: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(cause.to_string())
    }

    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::MalformedJson(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType | ApiError::NotAProgram | ApiError::NotCompletions => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Invalid(_)
            | ApiError::Ineligible { .. }
            | ApiError::IdempotencyMismatch(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::ConflictOfInterest => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) | ApiError::RegistrationClosed(_) => StatusCode::CONFLICT,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The last segment of the problem's `type`, and its title.
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::MalformedJson(_) => ("malformed-json", "Malformed JSON"),
            ApiError::UnsupportedMediaType | ApiError::NotAProgram | ApiError::NotCompletions => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            ApiError::Invalid(_) => ("invalid-body", "Invalid request body"),
            ApiError::Ineligible { .. } => ("ineligible", "Not eligible"),
            ApiError::IdempotencyMismatch(_) => {
                ("idempotency-key-reused", "Idempotency key reused")
            }
            ApiError::Unauthorized => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden => ("forbidden", "Forbidden"),
            ApiError::ConflictOfInterest => ("conflict-of-interest", "Conflict of interest"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::RegistrationClosed(_) => ("registration-closed", "Registration closed"),
            ApiError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The problem body.
    pub(crate) fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        let detail = match self {
            ApiError::Internal(_) => "the server failed to answer; the error is logged".to_owned(),
            ApiError::Unavailable(_) => {
                format!("the database is busy or unreachable; retry after {RETRY_UNAVAILABLE} s")
            }
            other => other.to_string(),
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail,
            errors: match self {
                ApiError::Invalid(errors) => errors.clone(),
                _ => Vec::new(),
            },
            reasons: match self {
                ApiError::Ineligible { reasons, .. } => reasons
                    .iter()
                    .map(|r| Text {
                        it: r.it().to_owned(),
                        en: r.en().to_owned(),
                    })
                    .collect(),
                _ => Vec::new(),
            },
        }
    }
}

impl From<skillhub_store::Error> for ApiError {
    fn from(err: skillhub_store::Error) -> Self {
        use skillhub_store::Error as E;
        match err {
            E::UnknownSession(_)
            | E::UnknownProgram(_)
            | E::UnknownHub(_)
            | E::UnknownRegistration(_) => ApiError::NotFound(err.to_string()),
            E::DuplicateSession(_)
            | E::AlreadyRegistered { .. }
            | E::CodiceFiscaleRegistered { .. }
            | E::Transition { .. }
            | E::NotBatch(_)
            | E::AlreadyAllocated { .. }
            | E::SessionCancelled(_)
            | E::HoldExpired { .. } => ApiError::Conflict(err.to_string()),
            E::ConfirmationRefused(_) => ApiError::NotFound(err.to_string()),
            E::InvalidChange { .. } => ApiError::invalid("", err.to_string()),
            E::RegistrationClosed { .. } => ApiError::RegistrationClosed(err.to_string()),
            E::Draw {
                refusal: skillhub_store::DrawRefusal::ValueRefused,
                ..
            } => ApiError::invalid("/public_value", err.to_string()),
            E::Draw { .. } => ApiError::Conflict(err.to_string()),
            E::NoSuchSeats { .. } => ApiError::invalid("/seat", err.to_string()),
            E::IdempotencyMismatch(key) => ApiError::IdempotencyMismatch(key),
            E::Staff(skillhub_store::StaffRefusal::Unknown(_)) => {
                ApiError::NotFound(err.to_string())
            }
            E::Staff(_) => ApiError::Conflict(err.to_string()),
            E::Program(refusal) => program_refusal(refusal, None),
            other if other.is_unavailable() => ApiError::Unavailable(other.to_string()),
            other => ApiError::internal(other),
        }
    }
}

fn as_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A store's refusal of a definition as a problem: 422 with every problem (its line when the
/// text is given and it is TOML), 404 for a replace of a missing program, 409 otherwise.
pub(crate) fn program_refusal(
    refusal: skillhub_store::ProgramRefusal,
    text: Option<(skillhub_core::definition::Format, &str)>,
) -> ApiError {
    match refusal {
        skillhub_store::ProgramRefusal::Invalid(skillhub_core::fixture::ProgramError::Syntax {
            line,
            column,
            message,
        }) => ApiError::Invalid(vec![FieldProblem {
            pointer: String::new(),
            detail: format!("line {line}, column {column}: {message}"),
            line: Some(as_u64(line)),
            column: Some(as_u64(column)),
        }]),
        skillhub_store::ProgramRefusal::Invalid(skillhub_core::fixture::ProgramError::Invalid(
            problems,
        )) => ApiError::Invalid(
            problems
                .into_iter()
                .map(|p| FieldProblem {
                    line: text
                        .and_then(|(format, text)| {
                            skillhub_core::definition::line_of(format, text, &p.pointer)
                        })
                        .map(as_u64),
                    pointer: p.pointer,
                    detail: p.message,
                    column: None,
                })
                .collect(),
        ),
        // `ProgramError` is non-exhaustive: whatever else it says is still about the body.
        skillhub_store::ProgramRefusal::Invalid(other) => ApiError::invalid("", other.to_string()),
        skillhub_store::ProgramRefusal::Missing(_) => ApiError::NotFound(refusal.to_string()),
        other => ApiError::Conflict(other.to_string()),
    }
}

/// A problem response with the given status and body.
pub(crate) fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(cause) => tracing::error!(%cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = problem_response(&self.problem());
        let headers = response.headers_mut();
        match &self {
            ApiError::Unauthorized | ApiError::Forbidden | ApiError::ConflictOfInterest => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::RateLimited { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            ApiError::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_UNAVAILABLE));
            }
            _ => {}
        }
        response
    }
}

/// The problem for an error response that has no problem body: one made by axum (405) or
/// tower (a timeout), or by a route that does not exist.
pub(crate) fn bare(status: StatusCode) -> Problem {
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let (slug, detail) = match status {
        StatusCode::NOT_FOUND => ("not-found", "no such route".to_owned()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "this route does not accept this method (see the Allow header)".to_owned(),
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "timeout",
            "the request took too long and was stopped; retry later".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload-too-large", "the body is too large".to_owned()),
        other => ("error", format!("the request failed with status {other}")),
    };
    Problem {
        kind: format!("/problems/{slug}"),
        title,
        status: status.as_u16(),
        detail,
        errors: Vec::new(),
        reasons: Vec::new(),
    }
}

/// Middleware: an error response without a problem body (axum's 405, tower's timeout) gets
/// one, keeping its status and other headers (such as `Allow`).
pub(crate) async fn problem_for_bare_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    // Problems are already in shape, and the web pages answer errors with pages of their own.
    let written = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(PROBLEM_JSON.as_bytes())
                || v.as_bytes().starts_with(b"text/html")
        });
    if !(status.is_client_error() || status.is_server_error()) || written {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&bare(status)).unwrap_or_default();
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// The fallback for unknown routes.
pub(crate) async fn no_route() -> Response {
    problem_response(&bare(StatusCode::NOT_FOUND))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_database_is_a_503_with_retry_after() {
        // PostgreSQL on a port where nothing listens: the store gives up within its short wait.
        let options = skillhub_store::OpenOptions {
            timeouts: skillhub_store::Timeouts::server(),
            ..skillhub_store::OpenOptions::default()
        };
        let err = skillhub_store::Store::open("postgres://postgres@127.0.0.1:1/test", &options)
            .await
            .unwrap_err();
        let response = ApiError::from(err).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let problem: Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.kind, "/problems/unavailable");
        assert!(!problem.detail.contains("127.0.0.1"), "{}", problem.detail);
    }

    #[test]
    fn other_store_failures_stay_500() {
        let err = skillhub_store::Error::Database(sqlx::Error::RowNotFound);
        assert_eq!(
            ApiError::from(err).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
