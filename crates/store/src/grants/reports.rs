//! Monitoring of funded projects: the reports each owes, recording them up to the final one,
//! the overdue ones, and closing a file ("chiusura").

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use skillhub_grants::lifecycle::{Event, Stage};
use skillhub_grants::monitoring::{Monitored, ReportKind, overdue};

use super::applications::{GrantApplicationView, view_of};
use super::definition::stored_call;
use super::rows::{
    APP_SELECT, AppRow, CallData, CallRow, LOCK_CALL_POSTGRES, LOCK_CALL_SQLITE, LockedCall,
    REPORTS_OF_CALL, ROLES_OF_CALL, ReportRow, RoleRow, SCORES_OF_CALL, SET_STAGE, ScoreRow,
    seed_of,
};
use super::{GrantError, GrantWrite, corrupt, invalid, stage_json, stage_name, step};
use crate::idempotency::Answers;
use crate::{Idempotency, Replay, Result, Store, audit::audit, read};

/// One report a funded project owes, and whether it came in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportView {
    /// 1, 2, …; the final report has the last number.
    pub number: u32,
    /// `periodic` or `final`.
    pub kind: ReportKind,
    /// Due by the end of this Europe/Rome day.
    pub due: NaiveDate,
    /// When it was received, if it was.
    pub received_on: Option<NaiveDate>,
}

/// A report that came in, as the admin records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewGrantReport {
    /// Which report (1, 2, …; the final one has the last number).
    pub number: u32,
    /// The day it came in (Europe/Rome).
    pub received_on: NaiveDate,
}

/// A report past its due day and not received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueReport {
    /// The application's id.
    pub application_id: i64,
    /// Its code.
    pub code: String,
    /// The report's number.
    pub number: u32,
    /// `periodic` or `final`.
    pub kind: ReportKind,
    /// Its due day (Europe/Rome).
    pub due: NaiveDate,
    /// Whole days since the due day.
    pub days_late: i64,
    /// The line in Italian.
    pub text_it: String,
}

impl Store {
    /// Records report `number` of a funded project, received on `received_on` (a Europe/Rome
    /// date): the first report opens monitoring (funded → reports due), the final one moves it
    /// to final report received, after which no report is taken. The number must be one of the
    /// project's schedule. With `idempotency`, a repeated key with the same request replays
    /// `respond`'s answer.
    pub async fn record_grant_report(
        &self,
        application_id: i64,
        report: NewGrantReport,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantApplicationView) -> Replay,
    ) -> Result<GrantWrite<GrantApplicationView>> {
        let NewGrantReport {
            number,
            received_on,
        } = report;
        application_write!(
            self,
            application_id,
            idempotency,
            now,
            respond,
            |tx, locked, app| {
                let (call, data) = (&locked.call, &locked.data);
                let mut stage = app.stage()?;
                match stage {
                    Stage::Funded => {
                        stage = step(&app.code, stage, Event::OpenReporting)?;
                        let action = "grant_application.open_reporting";
                        move_to!(tx, now, actor, app, stage, app.rank, app.in_ranking, action);
                    }
                    Stage::ReportsDue => {}
                    Stage::FinalReportReceived | Stage::Closed if app.awarded_at.is_some() => {
                        return Err(GrantError::ReportAfterFinal {
                            application: app.code.clone(),
                            number,
                        }
                        .into());
                    }
                    from => {
                        return Err(GrantError::Transition {
                            application: app.code.clone(),
                            from,
                            event: Event::OpenReporting,
                        }
                        .into());
                    }
                }
                let awarded_at = app.awarded_at.ok_or_else(|| {
                    corrupt(
                        "grant_awards",
                        format!("{} is funded without an award", app.code),
                    )
                })?;
                let schedule = call
                    .reporting()
                    .schedule(awarded_at)
                    .map_err(|e| corrupt("grant_awards", e))?;
                let Some(due) = schedule.iter().find(|r| r.number == number) else {
                    return Err(invalid(
                        "/number",
                        format!(
                            "the project owes reports 1 to {}, not {number}",
                            schedule.len()
                        ),
                    )
                    .into());
                };
                if data
                    .reports
                    .iter()
                    .any(|r| r.application_id == app.id && r.number == i64::from(number))
                {
                    return Err(GrantError::ReportExists {
                        application: app.code.clone(),
                        number,
                    }
                    .into());
                }
                sqlx::query(
                "INSERT INTO grant_reports (application_id, number, kind, received_on, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(app.id)
            .bind(i64::from(number))
            .bind(match due.kind {
                ReportKind::Periodic => "periodic",
                ReportKind::Final => "final",
            })
            .bind(received_on)
            .bind(now)
            .execute(&mut *tx)
            .await?;
                audit!(
                    tx,
                    now,
                    actor,
                    "grant_application.report",
                    "grant_application",
                    &app.id.to_string(),
                    None::<String>,
                    Some(format!(
                        "{{\"report\":{number},\"received_on\":\"{received_on}\"}}"
                    ))
                )?;
                if due.kind == ReportKind::Final {
                    let before = app.at(stage);
                    stage = step(&app.code, stage, Event::ReceiveFinalReport)?;
                    let action = "grant_application.final_report";
                    move_to!(
                        tx,
                        now,
                        actor,
                        &before,
                        stage,
                        app.rank,
                        app.in_ranking,
                        action
                    );
                }
                let mut reports = data.reports.clone();
                reports.push(ReportRow {
                    application_id: app.id,
                    number: i64::from(number),
                    received_on,
                });
                view_of(call.reporting(), &app.at(stage), &reports)?
            }
        )
    }

    /// Closes an application's file ("chiusura"): one that was refused, not funded, or whose
    /// final report came in (the core's lifecycle refuses any other). Nothing happens to a
    /// closed application any more: no report, no withdrawal. With `idempotency`, a repeated key
    /// with the same request replays `respond`'s answer.
    pub async fn close_grant_application(
        &self,
        application_id: i64,
        actor: &str,
        idempotency: Option<&Idempotency>,
        now: DateTime<Utc>,
        respond: impl FnOnce(&GrantApplicationView) -> Replay,
    ) -> Result<GrantWrite<GrantApplicationView>> {
        application_write!(
            self,
            application_id,
            idempotency,
            now,
            respond,
            |tx, locked, app| {
                let (call, data) = (&locked.call, &locked.data);
                let closed = step(&app.code, app.stage()?, Event::Close)?;
                let action = "grant_application.close";
                move_to!(
                    tx,
                    now,
                    actor,
                    app,
                    closed,
                    app.rank,
                    app.in_ranking,
                    action
                );
                view_of(call.reporting(), &app.at(closed), &data.reports)?
            }
        )
    }

    /// Every report of the call's funded projects that is late on `on` (a Europe/Rome date),
    /// most late first (the core's [`overdue`]).
    pub async fn overdue_grant_reports(
        &self,
        call_id: &str,
        on: NaiveDate,
    ) -> Result<Vec<OverdueReport>> {
        call_tx!(self, |tx, lock| {
            let locked = lock_and_load!(tx, lock, call_id);
            let data = &locked.data;
            let mut projects = Vec::new();
            for app in &data.apps {
                let monitored = matches!(
                    app.stage()?,
                    Stage::Funded | Stage::ReportsDue | Stage::FinalReportReceived
                );
                let Some(awarded_at) = app.awarded_at.filter(|_| monitored) else {
                    continue;
                };
                projects.push(Monitored {
                    id: app.code.as_str(),
                    awarded_at,
                    received: data
                        .reports
                        .iter()
                        .filter(|r| r.application_id == app.id)
                        .filter_map(|r| u32::try_from(r.number).ok())
                        .collect(),
                });
            }
            let late = overdue(&projects, locked.call.reporting(), on)
                .map_err(|e| corrupt("grant_awards", e))?;
            Ok(late
                .iter()
                .map(|o| OverdueReport {
                    application_id: data
                        .apps
                        .iter()
                        .find(|a| a.code == o.id)
                        .map_or(0, |a| a.id),
                    code: o.id.to_owned(),
                    number: o.report.number,
                    kind: o.report.kind,
                    due: o.report.due,
                    days_late: o.days_late,
                    text_it: o.it(),
                })
                .collect())
        })
    }
}
