//! A call's definition as the store takes it: checked first as the file contract checks it
//! ([`rank_call`]: same message, same pointer), then read by
//! [`skillhub_grants::definition`] into the [`Call`](skillhub_grants::call::Call) and the
//! applications of the file. A problem of the members only a stored call reads is
//! [`GrantError::Invalid`] at its pointer; a stored definition that no longer reads is corrupt.

use skillhub_grants::definition::{CallDefinition, parse_definition};
use skillhub_grants::file::{CallFileError, rank_call};

pub(super) use skillhub_grants::definition::{whole_cents, with_applications};

use super::{GrantError, corrupt};
use crate::Result;

/// Checks a definition: first as the file contract does, then the members only the store reads.
/// `id` overrides the definition's `id`.
pub(super) fn check_definition(text: &str, id: Option<&str>) -> Result<CallDefinition, GrantError> {
    rank_call(text)?;
    parse_definition(text, id).map_err(invalid)
}

/// A problem of a member the file contract does not read, as the store names it.
fn invalid(err: CallFileError) -> GrantError {
    match err {
        CallFileError::Invalid { pointer, message } => GrantError::Invalid { pointer, message },
        other => GrantError::CallFile(other),
    }
}

/// The call of a stored definition.
pub(super) fn stored_call(id: &str, definition: &str) -> Result<CallDefinition> {
    parse_definition(definition, Some(id)).map_err(|e| corrupt("grant_calls", e))
}
