//! Monitoring of funded projects ("monitoraggio"): periodic reports and a mandatory final report,
//! with their due dates and the ones that are late.
//!
//! Dates are civil dates in Europe/Rome, where the call is run: the award instant is turned into
//! its Rome date first (an award signed at 23:30 UTC on 30 June is a 1 July award), then report
//! `k` is due `k × every` months later, and the final report `duration` months later. Adding
//! months keeps the day of the month, or takes the month's last day when it has fewer days
//! (awarded 31 August, every 6 months: due 28 or 29 February). A report is due by the end of its
//! day: it is late ("in ritardo") from the next day on, if not received. "Today" is a parameter.

use std::collections::BTreeSet;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;

use skillhub_core::tz::Zone;

/// Why a reporting plan is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MonitoringError {
    /// Reports every 0 months, or a project of 0 months.
    #[error("reports must come every 1 month or more, over a project of 1 month or more")]
    Zero,
    /// The award instant has no date in Europe/Rome (outside the supported years).
    #[error("the award date {0} cannot be placed in Europe/Rome")]
    Date(String),
}

/// How often a funded project reports, and how long it lasts ("piano di monitoraggio").
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use skillhub_grants::monitoring::{ReportKind, ReportingPlan};
/// let plan = ReportingPlan::new(6, 24)?;
/// let awarded = Utc.with_ymd_and_hms(2022, 6, 30, 23, 30, 0).unwrap(); // 1 July in Rome
/// let reports = plan.schedule(awarded)?;
/// assert_eq!(reports.len(), 4);
/// assert_eq!(reports[0].due, NaiveDate::from_ymd_opt(2023, 1, 1).unwrap());
/// assert_eq!(reports[3].kind, ReportKind::Final);
/// assert_eq!(reports[3].due, NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
/// # Ok::<(), skillhub_grants::monitoring::MonitoringError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct ReportingPlan {
    every_months: u32,
    duration_months: u32,
}

impl ReportingPlan {
    /// Every six months over two years: three periodic reports and the final one.
    pub const SEMESTRAL: ReportingPlan = ReportingPlan {
        every_months: 6,
        duration_months: 24,
    };

    /// Reports every `every_months`, final report after `duration_months`; both at least 1.
    pub fn new(every_months: u32, duration_months: u32) -> Result<Self, MonitoringError> {
        if every_months == 0 || duration_months == 0 {
            return Err(MonitoringError::Zero);
        }
        Ok(ReportingPlan {
            every_months,
            duration_months,
        })
    }

    /// Months between periodic reports.
    pub fn every_months(self) -> u32 {
        self.every_months
    }

    /// Months from the award to the final report.
    pub fn duration_months(self) -> u32 {
        self.duration_months
    }

    /// Every report of a project awarded at `awarded_at`, in due order, the final one last.
    /// Periodic reports fall strictly before the final one (a periodic report due on the same
    /// day as the final one would be the final one).
    pub fn schedule(self, awarded_at: DateTime<Utc>) -> Result<Vec<DueReport>, MonitoringError> {
        let start = Zone::rome()
            .to_local(awarded_at)
            .map_err(|_| MonitoringError::Date(awarded_at.to_rfc3339()))?
            .date();
        let after = |months: u32| {
            start
                .checked_add_months(Months::new(months))
                .ok_or_else(|| MonitoringError::Date(awarded_at.to_rfc3339()))
        };
        let mut reports = Vec::new();
        let mut number = 1;
        while number * self.every_months < self.duration_months {
            reports.push(DueReport {
                number,
                kind: ReportKind::Periodic,
                due: after(number * self.every_months)?,
            });
            number += 1;
        }
        reports.push(DueReport {
            number,
            kind: ReportKind::Final,
            due: after(self.duration_months)?,
        });
        Ok(reports)
    }
}

/// Periodic or final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// A progress report ("relazione intermedia").
    Periodic,
    /// The mandatory final report ("relazione finale").
    Final,
}

impl ReportKind {
    /// Italian name.
    pub fn it(self) -> &'static str {
        match self {
            ReportKind::Periodic => "relazione intermedia",
            ReportKind::Final => "relazione finale",
        }
    }
}

/// One report a project owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DueReport {
    /// 1, 2, … in due order; the final report has the last number.
    pub number: u32,
    /// Periodic or final.
    pub kind: ReportKind,
    /// Due by the end of this day (Europe/Rome).
    pub due: NaiveDate,
}

/// A funded project as monitoring sees it: when it was awarded and which reports came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Monitored<'a> {
    /// The application.
    pub id: &'a str,
    /// When the grant was awarded.
    pub awarded_at: DateTime<Utc>,
    /// Numbers of the reports received.
    pub received: BTreeSet<u32>,
}

/// A report past its due day and not received ("relazione in ritardo").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Overdue<'a> {
    /// The application.
    pub id: &'a str,
    /// The report.
    pub report: DueReport,
    /// Whole days since the due day (1 on the day after).
    pub days_late: i64,
}

impl Overdue<'_> {
    /// `coop-7: relazione intermedia n. 2, scaduta il 01/01/2023 (12 giorni di ritardo)`.
    pub fn it(&self) -> String {
        format!(
            "{}: {} n. {}, scaduta il {} ({} {} di ritardo)",
            self.id,
            self.report.kind.it(),
            self.report.number,
            skillhub_core::italian::short_date(self.report.due),
            self.days_late,
            if self.days_late == 1 {
                "giorno"
            } else {
                "giorni"
            }
        )
    }
}

/// Every report of `projects` that is late on `today` (a Europe/Rome date), most late first,
/// then by application and report number.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use skillhub_grants::monitoring::{Monitored, ReportingPlan, overdue};
/// let plan = ReportingPlan::new(6, 12)?;
/// let projects = [Monitored {
///     id: "coop-1",
///     awarded_at: Utc.with_ymd_and_hms(2022, 5, 2, 9, 0, 0).unwrap(),
///     received: [].into(),
/// }];
/// let today = NaiveDate::from_ymd_opt(2022, 11, 3).unwrap();
/// let late = overdue(&projects, plan, today)?;
/// assert_eq!(late.len(), 1);
/// assert_eq!(late[0].it(), "coop-1: relazione intermedia n. 1, scaduta il 02/11/2022 (1 giorno di ritardo)");
/// # Ok::<(), skillhub_grants::monitoring::MonitoringError>(())
/// ```
pub fn overdue<'a>(
    projects: &[Monitored<'a>],
    plan: ReportingPlan,
    today: NaiveDate,
) -> Result<Vec<Overdue<'a>>, MonitoringError> {
    let mut late = Vec::new();
    for project in projects {
        for report in plan.schedule(project.awarded_at)? {
            if report.due < today && !project.received.contains(&report.number) {
                late.push(Overdue {
                    id: project.id,
                    report,
                    days_late: (today - report.due).num_days(),
                });
            }
        }
    }
    late.sort_by(|a, b| {
        (b.days_late, a.id, a.report.number).cmp(&(a.days_late, b.id, b.report.number))
    });
    Ok(late)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn end_of_month_and_rome_dates() {
        let plan = ReportingPlan::new(6, 18).unwrap();
        // 31 August 2023 at 22:30 UTC is already 1 September in Rome (CEST, +2).
        let late_evening = Utc.with_ymd_and_hms(2023, 8, 31, 22, 30, 0).unwrap();
        let due: Vec<NaiveDate> = plan
            .schedule(late_evening)
            .unwrap()
            .iter()
            .map(|r| r.due)
            .collect();
        assert_eq!(due, [date(2024, 3, 1), date(2024, 9, 1), date(2025, 3, 1)]);
        let afternoon = Utc.with_ymd_and_hms(2023, 8, 31, 12, 0, 0).unwrap();
        let due: Vec<NaiveDate> = plan
            .schedule(afternoon)
            .unwrap()
            .iter()
            .map(|r| r.due)
            .collect();
        assert_eq!(
            due,
            [date(2024, 2, 29), date(2024, 8, 31), date(2025, 2, 28)]
        );
    }

    #[test]
    fn final_only_and_zero() {
        let plan = ReportingPlan::new(12, 12).unwrap();
        let at = Utc.with_ymd_and_hms(2022, 3, 2, 10, 0, 0).unwrap();
        let reports = plan.schedule(at).unwrap();
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].kind, ReportKind::Final);
        assert_eq!(ReportingPlan::new(0, 12), Err(MonitoringError::Zero));
    }

    #[test]
    fn received_reports_are_not_late() {
        let plan = ReportingPlan::SEMESTRAL;
        let at = Utc.with_ymd_and_hms(2022, 3, 2, 10, 0, 0).unwrap();
        let projects = [
            Monitored {
                id: "a",
                awarded_at: at,
                received: [1, 2].into(),
            },
            Monitored {
                id: "b",
                awarded_at: at,
                received: [].into(),
            },
        ];
        let late = overdue(&projects, plan, date(2023, 9, 10)).unwrap();
        let lines: Vec<String> = late.iter().map(Overdue::it).collect();
        assert_eq!(
            lines,
            [
                "b: relazione intermedia n. 1, scaduta il 02/09/2022 (373 giorni di ritardo)",
                "b: relazione intermedia n. 2, scaduta il 02/03/2023 (192 giorni di ritardo)",
                "a: relazione intermedia n. 3, scaduta il 02/09/2023 (8 giorni di ritardo)",
                "b: relazione intermedia n. 3, scaduta il 02/09/2023 (8 giorni di ritardo)",
            ]
        );
    }
}
