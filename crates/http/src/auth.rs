//! Who a bearer token is: the admin, an operator of one program, or someone else (perhaps the
//! owner of a registration, which only the registration routes can tell).
//!
//! The admin token is compared in constant time, as SHA-256 digests so that even its length
//! does not leak; operator and manage tokens are looked up by hash in the store. No token is a
//! 401, a token that does not allow the request a 403; both say `WWW-Authenticate: Bearer`.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::extract::Bearer;
use crate::problem::{ApiError, ApiResult};
use crate::state::AppState;

/// What a bearer token turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    /// The admin token: everything is allowed.
    Admin,
    /// An operator token: admin reads of one program, and creating its sessions.
    Operator {
        /// The program it is for.
        program: String,
    },
    /// Any other token (maybe a registration's manage token).
    Other(String),
}

impl Credential {
    /// The actor written in the audit log.
    pub(crate) fn actor(&self) -> String {
        match self {
            Credential::Admin => "admin".to_owned(),
            Credential::Operator { program } => format!("operator:{program}"),
            Credential::Other(_) => "public".to_owned(),
        }
    }

    /// Admin, or an operator of `program`.
    pub(crate) fn manages(&self, program: &str) -> bool {
        match self {
            Credential::Admin => true,
            Credential::Operator { program: own } => own == program,
            Credential::Other(_) => false,
        }
    }
}

/// Whether `token` is the admin token, in time independent of where they differ.
fn is_admin(state: &AppState, token: &str) -> bool {
    let Some(admin) = state
        .config()
        .admin_token
        .as_deref()
        .filter(|t| !t.is_empty())
    else {
        return false;
    };
    let given = Sha256::digest(token.as_bytes());
    let expected = Sha256::digest(admin.as_bytes());
    bool::from(given.as_slice().ct_eq(expected.as_slice()))
}

/// Who the request's token is; 401 without one.
pub(crate) async fn identify(state: &AppState, bearer: &Bearer) -> ApiResult<Credential> {
    let Some(token) = bearer.0.as_deref() else {
        return Err(ApiError::Unauthorized);
    };
    if is_admin(state, token) {
        return Ok(Credential::Admin);
    }
    if let Some(program) = state.store().operator_program(token).await? {
        return Ok(Credential::Operator { program });
    }
    Ok(Credential::Other(token.to_owned()))
}

/// The hash of a token, hex: how a caller is named in idempotency scopes without storing the
/// token.
pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
