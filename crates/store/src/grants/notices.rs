//! What a grant call writes to an applicant (the contact address its application gives, if
//! any): the receipt of the application and every change of its stage, posted to the outbox in
//! the transaction of the decision (`crate::outbox`), in Italian (the calls are Italian).

use chrono::{DateTime, Utc};
use skillhub_core::lang::Lang;
use skillhub_grants::call::Applicant;
use skillhub_notify::{Event, Notice};

use crate::outbox::Letter;
use crate::{Result, notices};

/// The name of call `$1`, for the messages about its applications.
pub(super) const CALL_NAME: &str = "SELECT name FROM grant_calls WHERE id = $1";

/// The letter telling the applicant of `applicant` (the stored JSON of an application's
/// applicant) `event`, or `None` when the application gives no address (or none at all).
pub(super) fn to_applicant(
    applicant: Option<&str>,
    event: Event,
    now: DateTime<Utc>,
) -> Result<Option<Letter>> {
    let Some(applicant) = applicant.and_then(|text| serde_json::from_str::<Applicant>(text).ok())
    else {
        return Ok(None);
    };
    let Some(email) = &applicant.email else {
        return Ok(None);
    };
    let notice = Notice {
        lang: Lang::It,
        name: applicant.name.clone(),
        event,
    };
    notices::letter(None, email.as_str(), &email.key(), notice, now).map(Some)
}

/// How many days before a report's due day the applicant is reminded.
pub const REPORT_NOTICE_DAYS: i64 = 7;

impl crate::Store {
    /// Posts, for every call, the reminders of monitoring reports due within
    /// `REPORT_NOTICE_DAYS` (7) days of `now`'s day in the call's zone, and the notices of those
    /// past their due day and not received, each once per report (the outbox's `dedupe`), to
    /// applications that give an address; returns how many were posted. The senders' passes run
    /// it with the session reminders.
    pub async fn post_grant_report_notices(&self, now: DateTime<Utc>) -> Result<u64> {
        use skillhub_grants::lifecycle::Stage;

        use super::rows::{APP_SELECT, AppRow, REPORTS_OF_CALL, ReportRow};

        let calls: Vec<(String, String, String)> = crate::read!(self, |pool| {
            sqlx::query_as("SELECT id, name, definition FROM grant_calls ORDER BY id")
                .fetch_all(pool)
                .await?
        });
        let mut posted = 0;
        for (call_id, call_name, definition) in calls {
            let stored = super::definition::stored_call(&call_id, &definition)?;
            let today = stored.zone.date_of(now);
            let plan = stored.call.reporting();
            posted += crate::write_tx!(self, |tx, _lock| {
                let apps: Vec<AppRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "{APP_SELECT} WHERE a.call_id = $1 ORDER BY a.id"
                )))
                .bind(&call_id)
                .fetch_all(&mut *tx)
                .await?;
                let reports: Vec<ReportRow> = sqlx::query_as(REPORTS_OF_CALL)
                    .bind(&call_id)
                    .fetch_all(&mut *tx)
                    .await?;
                let mut letters = Vec::new();
                for app in &apps {
                    let monitored = matches!(
                        app.stage()?,
                        Stage::Funded | Stage::ReportsDue | Stage::FinalReportReceived
                    );
                    let Some(awarded_at) = app.awarded_at.filter(|_| monitored) else {
                        continue;
                    };
                    let schedule = plan
                        .schedule(awarded_at)
                        .map_err(|e| super::corrupt("grant_awards", e))?;
                    for report in schedule {
                        let received = reports.iter().any(|r| {
                            r.application_id == app.id && r.number == i64::from(report.number)
                        });
                        let days_left = (report.due - today).num_days();
                        let (event, key) = if received || days_left > REPORT_NOTICE_DAYS {
                            continue;
                        } else if days_left >= 0 {
                            (
                                Event::ReportDue {
                                    call: call_name.clone(),
                                    application: app.id,
                                    due: report.due,
                                },
                                "report-due",
                            )
                        } else {
                            (
                                Event::ReportOverdue {
                                    call: call_name.clone(),
                                    application: app.id,
                                    due: report.due,
                                },
                                "report-overdue",
                            )
                        };
                        if let Some(mut letter) =
                            to_applicant(app.applicant.as_deref(), event, now)?
                        {
                            letter.dedupe = Some(format!("{key}:{}:{}", app.id, report.number));
                            letters.push(letter);
                        }
                    }
                }
                crate::outbox::post!(tx, letters, now)
            })?;
        }
        Ok(posted)
    }
}
