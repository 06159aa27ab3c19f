//! Scratch PostgreSQL databases for this crate's unit tests: created fresh under a random name
//! on the server of `TEST_PG_URL`, dropped after.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// A database created for one test; [`Scratch::drop_all`] removes it.
pub(crate) struct Scratch {
    admin: sqlx::PgPool,
    names: Vec<String>,
    base: String,
}

impl Scratch {
    /// `count` new databases named after `prefix` on the server of `admin` (a URL).
    pub(crate) async fn create(admin: &str, prefix: &str, count: usize) -> Scratch {
        let pool = sqlx::PgPool::connect(admin).await.unwrap();
        let token = crate::new_token();
        let names: Vec<String> = (0..count)
            .map(|n| format!("skillhub_{prefix}_{}_{n}", &token[..12]))
            .collect();
        for name in &names {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&pool)
                .await
                .unwrap();
        }
        let base = admin
            .rsplit_once('/')
            .map_or(admin, |(base, _)| base)
            .to_owned();
        Scratch {
            admin: pool,
            names,
            base,
        }
    }

    /// The URL of database `n`.
    pub(crate) fn url(&self, n: usize) -> String {
        format!("{}/{}", self.base, self.names[n])
    }

    /// Drops every database (their connections closed by force).
    pub(crate) async fn drop_all(self) {
        for name in &self.names {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&self.admin)
            .await
            .unwrap();
        }
    }
}
