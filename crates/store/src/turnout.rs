//! Turnout of a program's sessions in a period, for the funder's report
//! (`skillhub_progress::turnout`): each session's registrations counted by status, in one query
//! whatever the number of sessions.
//!
//! A session counts when it is not cancelled and its local date is in the period; its counts are
//! registrations marked `attended` and `no_show`, seats given but not marked (`confirmed` or
//! `held`) and people still `waitlisted` (demand not met: the waiting list is what it was when
//! the session took place, since nobody is promoted after its start). Cancelled and expired
//! registrations count nowhere.

use chrono::{DateTime, Days, NaiveTime, Utc};
use skillhub_core::ids::{HubId, ProgramId, SessionId};
use skillhub_core::tz::Zone;
use skillhub_progress::breakdown::Period;
use skillhub_progress::turnout::SessionTurnout;

use crate::{Error, Result, Store, read};

#[derive(sqlx::FromRow)]
struct TurnoutRow {
    id: String,
    title: String,
    hub_id: Option<String>,
    starts_at: DateTime<Utc>,
    zone: String,
    seats_in_person: i64,
    seats_online: i64,
    attended: i64,
    no_show: i64,
    unmarked: i64,
    waiting: i64,
}

const TURNOUT: &str = "SELECT s.id, s.title, s.hub_id, s.starts_at, s.zone, s.seats_in_person, s.seats_online, \
     COALESCE(SUM(CASE WHEN r.status = 'attended' THEN 1 ELSE 0 END), 0) AS attended, \
     COALESCE(SUM(CASE WHEN r.status = 'no_show' THEN 1 ELSE 0 END), 0) AS no_show, \
     COALESCE(SUM(CASE WHEN r.status IN ('confirmed', 'held') THEN 1 ELSE 0 END), 0) AS unmarked, \
     COALESCE(SUM(CASE WHEN r.status = 'waitlisted' THEN 1 ELSE 0 END), 0) AS waiting \
     FROM sessions s LEFT JOIN registrations r ON r.session_id = s.id \
     WHERE s.program_id = $1 AND s.cancelled_at IS NULL AND s.starts_at >= $2 AND s.starts_at < $3 \
     GROUP BY s.id, s.title, s.hub_id, s.starts_at, s.zone, s.seats_in_person, s.seats_online \
     ORDER BY s.starts_at, s.id";

impl Store {
    /// The turnout of each session of `program` whose local date is in `period` (see the
    /// module docs), by start then id.
    pub async fn turnout(
        &self,
        program: &ProgramId,
        period: Period,
    ) -> Result<Vec<SessionTurnout>> {
        // Local dates are at most 14 hours from UTC: read a day more on each side, then keep
        // the sessions whose local date is in the period.
        let from = period
            .from()
            .checked_sub_days(Days::new(1))
            .unwrap_or(period.from())
            .and_time(NaiveTime::MIN)
            .and_utc();
        let until = period
            .to()
            .checked_add_days(Days::new(2))
            .unwrap_or(period.to())
            .and_time(NaiveTime::MIN)
            .and_utc();
        let rows: Vec<TurnoutRow> = read!(self, |pool| {
            sqlx::query_as(TURNOUT)
                .bind(program.as_str())
                .bind(from)
                .bind(until)
                .fetch_all(pool)
                .await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let corrupt = |message: String| Error::Corrupt {
                table: "sessions",
                message: format!("{}: {message}", row.id),
            };
            let zone = Zone::parse(&row.zone).map_err(|e| corrupt(e.to_string()))?;
            let date = zone
                .to_local(row.starts_at)
                .map_err(|e| corrupt(e.to_string()))?
                .date();
            if !period.contains(date) {
                continue;
            }
            let count = |n: i64| u64::try_from(n).map_err(|e| corrupt(e.to_string()));
            out.push(SessionTurnout {
                session: SessionId::parse(&row.id).map_err(|e| corrupt(e.to_string()))?,
                title: row.title.clone(),
                hub: row
                    .hub_id
                    .as_deref()
                    .map(HubId::parse)
                    .transpose()
                    .map_err(|e| corrupt(e.to_string()))?,
                date,
                seats: count(row.seats_in_person)? + count(row.seats_online)?,
                attended: count(row.attended)?,
                no_show: count(row.no_show)?,
                unmarked: count(row.unmarked)?,
                waiting: count(row.waiting)?,
            });
        }
        Ok(out)
    }
}
