//! Operator tokens: secrets scoped to one program, stored hashed.

use chrono::Utc;
use subtle::ConstantTimeEq;

use crate::{Error, Result, Store, hash_token, new_token, read, write_tx};

/// Compares two hashes in constant time.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

impl Store {
    /// Creates an operator token for a program; returns the token (shown once, stored hashed).
    pub async fn create_operator_token(&self, program_id: &str, label: &str) -> Result<String> {
        let token = new_token();
        let hash = hash_token(&token);
        let now = Utc::now();
        write_tx!(self, |tx, _lock| {
            let found: Option<String> = sqlx::query_scalar("SELECT id FROM programs WHERE id = $1")
                .bind(program_id)
                .fetch_optional(&mut *tx)
                .await?;
            if found.is_none() {
                return Err(Error::UnknownProgram(program_id.to_owned()));
            }
            sqlx::query(
                "INSERT INTO api_tokens (token_hash, program_id, label, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&hash)
            .bind(program_id)
            .bind(label)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::audit::audit!(
                tx,
                now,
                "cli",
                "token.create",
                "program",
                program_id,
                None::<String>,
                Some(format!("{{\"label\":{}}}", serde_json::Value::from(label)))
            )?;
            Ok(token.clone())
        })
    }

    /// The program an operator token is for, if it is one. The lookup is by hash, so the token
    /// itself is never compared byte by byte against stored secrets.
    pub async fn operator_program(&self, token: &str) -> Result<Option<String>> {
        let hash = hash_token(token);
        Ok(read!(self, |pool| {
            sqlx::query_scalar("SELECT program_id FROM api_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(pool)
                .await?
        }))
    }
}
