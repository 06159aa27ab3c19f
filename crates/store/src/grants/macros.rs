//! The steps the operations share inside a call's transaction, as macros: like `write_tx!` and
//! `audit!`, each is expanded for whichever backend's transaction (or pool) it is given, and some
//! `return` from the caller's transaction body. The names they use (rows, SQL, helpers) resolve
//! where they are expanded, so each operation module imports what its macros read.

/// Runs `$body` in one write transaction holding the lock of a call row: `$lock` is the SQL that
/// reads (SQLite, under `BEGIN IMMEDIATE`) or locks (PostgreSQL, `FOR UPDATE`) it. Commits when
/// the body returns `Ok`, rolls back otherwise.
// A macro because `write_tx!` is one: `$body` is expanded for either backend's transaction.
macro_rules! call_tx {
    ($store:expr, |$tx:ident, $lock:ident| $body:expr) => {
        crate::write_tx!(
            $store,
            LOCK_CALL_SQLITE,
            LOCK_CALL_POSTGRES,
            |$tx, $lock| $body
        )
    };
}

/// Locks the call `$id` in `$tx` and returns its row, or fails with `UnknownCall`.
// A macro: expanded for either backend's transaction type; its `return` leaves the caller.
macro_rules! lock_call {
    ($tx:ident, $lock:ident, $id:expr) => {{
        let row: Option<CallRow> = sqlx::query_as($lock)
            .bind($id)
            .fetch_optional(&mut *$tx)
            .await?;
        match row {
            Some(row) => row,
            None => return Err(GrantError::UnknownCall($id.to_owned()).into()),
        }
    }};
}

/// Everything of a call that decisions read: applications, scores, roles, reports.
// A macro: expanded for either backend's transaction type.
macro_rules! load_call_data {
    ($tx:ident, $call_id:expr) => {{
        let apps: Vec<AppRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{APP_SELECT} WHERE a.call_id = $1 ORDER BY a.id"
        )))
        .bind($call_id)
        .fetch_all(&mut *$tx)
        .await?;
        let scores: Vec<ScoreRow> = sqlx::query_as(SCORES_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        let roles: Vec<RoleRow> = sqlx::query_as(ROLES_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        let reports: Vec<ReportRow> = sqlx::query_as(REPORTS_OF_CALL)
            .bind($call_id)
            .fetch_all(&mut *$tx)
            .await?;
        CallData {
            apps,
            scores,
            roles,
            reports,
        }
    }};
}

/// Moves an application to `$stage` (with its rank and ranking flag) and writes the audit line.
// A macro: expanded for either backend's transaction type (as `audit!` is).
macro_rules! move_to {
    ($tx:ident, $now:expr, $actor:expr, $app:expr, $stage:expr, $rank:expr, $in_ranking:expr, $action:expr) => {{
        let app: &AppRow = $app;
        let stage: Stage = $stage;
        sqlx::query(SET_STAGE)
            .bind(app.id)
            .bind(stage_name(stage))
            .bind($rank)
            .bind($in_ranking)
            .bind($now)
            .execute(&mut *$tx)
            .await?;
        audit!(
            $tx,
            $now,
            $actor,
            $action,
            "grant_application",
            &app.id.to_string(),
            Some(stage_json(&app.stage)),
            Some(stage_json(stage_name(stage)))
        )?;
        // The applicant hears of it, when the application gives an address.
        let call_name: String = sqlx::query_scalar(super::notices::CALL_NAME)
            .bind(&app.call_id)
            .fetch_one(&mut *$tx)
            .await?;
        let letter = super::notices::to_applicant(
            app.applicant.as_deref(),
            skillhub_notify::Event::ApplicationStage {
                call: call_name,
                application: app.id,
                stage: stage.it().to_owned(),
            },
            $now,
        )?;
        crate::outbox::post!($tx, letter.into_iter().collect::<Vec<_>>(), $now)?;
    }};
}

/// The application `$id` as stored, with its award, read in `$tx`.
// A macro: expanded for either backend's transaction type.
macro_rules! fetch_app {
    ($tx:ident, $id:expr) => {{
        let app: AppRow =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{APP_SELECT} WHERE a.id = $1")))
                .bind($id)
                .fetch_one(&mut *$tx)
                .await?;
        app
    }};
}

/// The first code `$prefix` + n (n = `$from`, `$from` + 1, …) that `$taken` (SQL with the call
/// as `$1` and the code as `$2`) finds free in the call, and the number after it.
// A macro: expanded for either backend's transaction type.
macro_rules! free_code {
    ($tx:ident, $taken:expr, $call_id:expr, $prefix:literal, $from:expr) => {{
        let mut number: i64 = $from;
        loop {
            let code = format!(concat!($prefix, "{}"), number);
            number += 1;
            let taken: Option<i64> = sqlx::query_scalar($taken)
                .bind($call_id)
                .bind(&code)
                .fetch_optional(&mut *$tx)
                .await?;
            if taken.is_none() {
                break (code, number);
            }
        }
    }};
}

/// Locks the call `$id` in `$tx` (or fails with `UnknownCall`) and reads everything decisions
/// about it read, as a [`LockedCall`](crate::grants::rows::LockedCall).
// A macro: expanded for either backend's transaction type; its `return` leaves the caller.
macro_rules! lock_and_load {
    ($tx:ident, $lock:ident, $id:expr) => {{
        let row = lock_call!($tx, $lock, $id);
        let call = stored_call(&row.id, &row.definition)?.call;
        let seed = seed_of(&row)?;
        let data = load_call_data!($tx, $id);
        LockedCall {
            row,
            call,
            seed,
            data,
        }
    }};
}

/// The application with this id, read outside any transaction (to learn its call).
// A macro: `read!` is expanded for either backend's pool; its `return` leaves the caller.
macro_rules! call_of_application {
    ($store:expr, $id:expr) => {{
        let call_id: Option<String> = read!($store, |pool| {
            sqlx::query_scalar("SELECT call_id FROM grant_applications WHERE id = $1")
                .bind($id)
                .fetch_optional(pool)
                .await?
        });
        match call_id {
            Some(call_id) => call_id,
            None => return Err(GrantError::UnknownApplication($id.to_string()).into()),
        }
    }};
}

/// One idempotent write that adds to the open call `$call_id` something reached by a new
/// secret token (an application, an evaluator): the call locked (its row as `$row`), a stored
/// answer for `$idem` replayed before anything else, a ranked call refused, and the token
/// (shown once) as `$token` with its hash as `$token_hash`. `$body` evaluates to what was
/// added (failing with `?` or `return Err`); `$respond`'s answer to it and the token is
/// remembered for `$idem` in the same transaction.
// A macro: it wraps `call_tx!`, whose body is expanded for either backend's transaction.
macro_rules! token_write {
    (
        $store:expr, $call_id:expr, $idem:expr, $now:expr, $respond:expr,
        |$tx:ident, $row:ident, $token_hash:ident| $body:expr
    ) => {{
        let token = new_token();
        let $token_hash = hash_token(&token);
        call_tx!($store, |$tx, lock| {
            let $row = lock_call!($tx, lock, $call_id);
            if let Some(replay) = $tx.recall($idem, $now).await? {
                return Ok(GrantWrite::Replayed(replay));
            }
            if $row.ranked_at.is_some() {
                return Err(GrantError::CallRanked($call_id.to_owned()).into());
            }
            let done = $body;
            $tx.remember($idem, &$respond(&done, &token), $now).await?;
            Ok(GrantWrite::Done((done, token.clone())))
        })
    }};
}

/// One idempotent write to application `$id`: its call locked and loaded as `$locked` (a
/// [`LockedCall`](crate::grants::rows::LockedCall)), a stored answer for `$idem` replayed before
/// anything else, the application as `$app`; `$body` evaluates to what was done (failing with `?`
/// or `return Err`), and `$respond`'s answer to it is remembered for `$idem` in the same
/// transaction.
// A macro: it wraps `call_tx!`, whose body is expanded for either backend's transaction.
macro_rules! application_write {
    (
        $store:expr, $id:expr, $idem:expr, $now:expr, $respond:expr,
        |$tx:ident, $locked:ident, $app:ident| $body:expr
    ) => {{
        let call_id = call_of_application!($store, $id);
        call_tx!($store, |$tx, lock| {
            let $locked = lock_and_load!($tx, lock, &call_id);
            if let Some(replay) = $tx.recall($idem, $now).await? {
                return Ok(GrantWrite::Replayed(replay));
            }
            let $app = $locked.data.application($id)?;
            let done = $body;
            $tx.remember($idem, &$respond(&done), $now).await?;
            Ok(GrantWrite::Done(done))
        })
    }};
}
