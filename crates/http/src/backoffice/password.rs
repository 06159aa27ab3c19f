//! Staff passwords: argon2id with the crate's default cost (19 MiB, 2 passes, 1 lane: OWASP's
//! recommended minimum), a random 16-byte salt, stored as the PHC string. Hashing and checking
//! run on tokio's blocking pool, so a login never stalls the requests beside it.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use skillhub_core::staff::Password;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The hasher refused (it does not, for a parsed password and a fresh salt).
    #[error("argon2 failed: {0}")]
    Argon2(String),
    /// The blocking task did not finish.
    #[error("the hashing task failed: {0}")]
    Task(String),
    /// The OS random source failed.
    #[error("no random salt: {0}")]
    Random(String),
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default())
}

/// The argon2id PHC string of `password`, with a fresh salt.
pub(crate) async fn hash(password: Password) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|err| HashError::Random(err.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&salt).map_err(|err| HashError::Argon2(err.to_string()))?;
        hasher()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| HashError::Argon2(err.to_string()))
    })
    .await
    .map_err(|err| HashError::Task(err.to_string()))?
}

/// Whether `given` is the password of the PHC string `stored`. Without a stored hash (an
/// unknown account, or one whose password was never set) a dummy hash is checked, so the
/// answer takes as long and is always no.
pub(crate) async fn verify(given: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match stored {
            Some(stored) => (stored, true),
            None => (DUMMY.to_owned(), false),
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        let matches = hasher().verify_password(given.as_bytes(), &parsed).is_ok();
        matches && real
    })
    .await
    .unwrap_or(false)
}

/// The hash of a password nobody has, checked when there is no real one (same cost as ours).
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2tpbGxodWJkdW1teXNhbHQ$6ZqFsXzC1gYrq4n7l7V9Qm6m7fN0s3q0i8m3Yb2Kq1k";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let password = Password::parse("una-password-lunga").unwrap();
        let stored = hash(password).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("una-password-lunga".into(), Some(stored.clone())).await);
        assert!(!verify("una-password-lungA".into(), Some(stored.clone())).await);
        // Two hashes of one password differ (the salt).
        let again = hash(Password::parse("una-password-lunga").unwrap())
            .await
            .unwrap();
        assert_ne!(stored, again);
        // No stored hash: never, whatever is given (the dummy's own password included).
        assert!(!verify(String::new(), None).await);
        assert!(
            PasswordHash::new(DUMMY).is_ok(),
            "the dummy hash parses, so it costs as much"
        );
    }
}
