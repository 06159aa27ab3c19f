//! `GET /`: the catalog — the programs, and their upcoming sessions grouped by hub and month,
//! each with its date and time in the hub's zone, mode, level and seats left; filters by
//! program, hub, month and level in a plain GET form.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, NaiveDateTime, Utc};
use maud::{Markup, html};
use skillhub_core::program::Program;
use skillhub_core::window::WindowState;
use skillhub_store::{SessionFilter, SessionView};

use super::PageLang;
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, switch_link, with_lang};
use super::{WebResult, html_response, local_time, mode_text, window_now};
use crate::state::AppState;

/// The most upcoming sessions the catalog reads.
const UPCOMING: u32 = 500;

/// The filters, as given in the query; values that name nothing are ignored.
#[derive(Debug, Default)]
struct Filters {
    program: Option<String>,
    hub: Option<String>,
    /// `(year, month)`.
    month: Option<(i32, u32)>,
    level: Option<i64>,
}

impl Filters {
    fn parse(query: &[(String, String)]) -> Filters {
        let get = |name: &str| {
            query
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_owned())
        };
        Filters {
            program: get("program"),
            hub: get("hub"),
            month: get("month").and_then(|m| {
                let (y, m) = m.split_once('-')?;
                let (y, m) = (y.parse().ok()?, m.parse().ok()?);
                (1..=12).contains(&m).then_some((y, m))
            }),
            level: get("level")
                .and_then(|l| l.parse().ok())
                .filter(|l| (1..=8).contains(l)),
        }
    }

    fn any(&self) -> bool {
        self.program.is_some() || self.hub.is_some() || self.month.is_some() || self.level.is_some()
    }

    /// The query string that repeats these filters (for the language switch).
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.program {
            parts.push(format!("program={p}"));
        }
        if let Some(h) = &self.hub {
            parts.push(format!("hub={h}"));
        }
        if let Some((y, m)) = self.month {
            parts.push(format!("month={y}-{m:02}"));
        }
        if let Some(l) = self.level {
            parts.push(format!("level={l}"));
        }
        if parts.is_empty() {
            "/".to_owned()
        } else {
            format!("/?{}", parts.join("&"))
        }
    }
}

/// One upcoming session, ready to show.
struct Item<'a> {
    view: &'a SessionView,
    start: NaiveDateTime,
    end: NaiveDateTime,
}

/// A group of the list: a hub (or online, without one) of a program.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct GroupKey {
    program_rank: usize,
    hub_rank: usize,
}

/// The public catalog.
#[utoipa::path(get, path = "/", tag = "pages",
    params(
        ("program" = Option<String>, Query, description = "Only this program's sessions"),
        ("hub" = Option<String>, Query, description = "Only this hub's sessions"),
        ("month" = Option<String>, Query, description = "Only sessions in this month of their hub's zone, `YYYY-MM`"),
        ("level" = Option<u8>, Query, description = "Only sessions meant for this DigComp level (1–8)"),
        ("lang" = Option<String>, Query, description = "`it` (default) or `en`; without it, `Accept-Language` decides"),
    ),
    responses((status = 200, description = "The public catalog (Italian HTML; English with `lang=en`): programs and upcoming sessions by hub and month", body = String, content_type = "text/html")))]
pub(crate) async fn home(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    let filters = Filters::parse(&query.map(|q| q.0).unwrap_or_default());
    catalog(&state, lang, &filters)
        .await
        .unwrap_or_else(|err| err.render(lang))
}

async fn catalog(state: &AppState, lang: Lang, filters: &Filters) -> WebResult<Response> {
    let programs = state.programs().await?;
    let filter = SessionFilter {
        from: Some(Utc::now()),
        program: filters.program.clone(),
        hub: filters.hub.clone(),
        limit: Some(UPCOMING),
        ..SessionFilter::default()
    };
    let views = state.store().sessions(&filter).await?;
    let items: Vec<Item<'_>> = views.iter().filter_map(local_times).collect();
    let mut months: Vec<(i32, u32)> = items
        .iter()
        .map(|i| (i.start.year(), i.start.month()))
        .collect();
    months.sort_unstable();
    months.dedup();
    let shown = items.into_iter().filter(|i| {
        filters
            .month
            .is_none_or(|m| (i.start.year(), i.start.month()) == m)
            && filters.level.is_none_or(|l| {
                matches!((i.view.level_min, i.view.level_max), (Some(min), Some(max)) if min <= l && l <= max)
            })
    });
    let mut groups: BTreeMap<GroupKey, BTreeMap<(i32, u32), Vec<Item<'_>>>> = BTreeMap::new();
    for item in shown {
        let key = group_key(&programs, item.view);
        groups
            .entry(key)
            .or_default()
            .entry((item.start.year(), item.start.month()))
            .or_default()
            .push(item);
    }
    let body = html! {
        h1 { (lang.t(T::CatalogHeading)) }
        p { (lang.t(T::CatalogIntro)) }
        (filter_form(lang, filters, &programs, &months))
        h2 #incontri { (lang.t(T::UpcomingSessions)) }
        @if groups.is_empty() {
            p { (lang.t(if filters.any() { T::NoSessions } else { T::NoSessionsAtAll })) }
        }
        @for (key, by_month) in &groups {
            h3 { (group_title(lang, &programs, key)) }
            @for ((year, month), items) in by_month {
                h4 { (lang.month(*year, *month)) }
                ul.sessions {
                    @for item in items { (session_item(lang, &programs, item)) }
                }
            }
        }
        h2 { (lang.t(T::Programs)) }
        ul {
            @for program in &programs {
                li {
                    a href=(with_lang(&format!("/?program={}", program.id()), lang)) { strong { (program.name()) } }
                    " — " (program.summary_it())
                }
            }
        }
    };
    let title = lang.t(T::SiteTitle);
    Ok(html_response(
        StatusCode::OK,
        page(
            lang,
            title,
            Some(&switch_link(&filters.query(), lang)),
            body,
        ),
    ))
}

/// The session's local start and end in its zone; a session whose zone no longer parses is
/// left out (and logged) rather than failing the whole page.
fn local_times(view: &SessionView) -> Option<Item<'_>> {
    match view.local_span() {
        Some((start, end)) => Some(Item { view, start, end }),
        None => {
            tracing::warn!(session = %view.id, zone = %view.zone, "session with an unusable zone");
            None
        }
    }
}

fn group_key(programs: &[Arc<Program>], view: &SessionView) -> GroupKey {
    let program_rank = programs
        .iter()
        .position(|p| p.id() == &view.program_id)
        .unwrap_or(programs.len());
    let hub_rank = programs
        .get(program_rank)
        .and_then(|p| {
            let hub = view.hub_id.as_ref()?;
            p.hubs().iter().position(|h| &h.id == hub)
        })
        .unwrap_or(usize::MAX);
    GroupKey {
        program_rank,
        hub_rank,
    }
}

fn group_title(lang: Lang, programs: &[Arc<Program>], key: &GroupKey) -> String {
    let Some(program) = programs.get(key.program_rank) else {
        return lang.t(T::Online).to_owned();
    };
    match program.hubs().get(key.hub_rank) {
        Some(hub) => format!("{} — {}", hub.name, program.name()),
        None => format!("{} — {}", capitalised(lang.t(T::Online)), program.name()),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn session_item(lang: Lang, programs: &[Arc<Program>], item: &Item<'_>) -> Markup {
    let view = item.view;
    let left = view.seats_left();
    let place = view
        .hub_id
        .as_ref()
        .and_then(|id| {
            let program = programs.iter().find(|p| p.id() == &view.program_id)?;
            program.hubs().iter().find(|h| &h.id == id)
        })
        .map_or_else(|| lang.t(T::Online).to_owned(), |hub| hub.name.clone());
    html! {
        li {
            a.title href=(with_lang(&format!("/incontri/{}", view.id), lang)) { (view.title) }
            p.meta {
                (lang.span(item.start, item.end)) " — " (place)
            }
            p.meta {
                (mode_text(lang, view.mode))
                @if let (Some(min), Some(max)) = (view.level_min, view.level_max) {
                    " · " (lang.level(min, max))
                }
            }
            @match window_now(view) {
                _ if view.cancelled_at.is_some() => span.seats.full { (lang.t(T::SessionCancelled)) },
                WindowState::Open => span.seats.full[left <= 0] { (lang.seats_left(left)) },
                WindowState::NotYetOpen { opens_at } => span.seats {
                    (local_time(view, opens_at).map_or_else(|| lang.t(T::RegistrationClosed).to_owned(), |at| lang.opens_from(at)))
                },
                WindowState::Closed { .. } => span.seats.full { (lang.t(T::RegistrationClosed)) },
            }
        }
    }
}

fn filter_form(
    lang: Lang,
    filters: &Filters,
    programs: &[Arc<Program>],
    months: &[(i32, u32)],
) -> Markup {
    let hubs = programs
        .iter()
        .filter(|p| {
            filters
                .program
                .as_deref()
                .is_none_or(|id| p.id().as_str() == id)
        })
        .flat_map(|p| p.hubs().iter());
    html! {
        h2 { (lang.t(T::Filters)) }
        form.filters method="get" action="/" {
            @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
            div {
                label for="f-program" { (lang.t(T::Program)) }
                select #f-program name="program" {
                    option value="" { (lang.t(T::Any)) }
                    @for p in programs {
                        option value=(p.id()) selected[filters.program.as_deref() == Some(p.id().as_str())] { (p.name()) }
                    }
                }
            }
            div {
                label for="f-hub" { (lang.t(T::Hub)) }
                select #f-hub name="hub" {
                    option value="" { (lang.t(T::Any)) }
                    @for h in hubs {
                        option value=(h.id) selected[filters.hub.as_deref() == Some(h.id.as_str())] { (h.name) }
                    }
                }
            }
            div {
                label for="f-month" { (lang.t(T::Month)) }
                select #f-month name="month" {
                    option value="" { (lang.t(T::Any)) }
                    @for (y, m) in months {
                        option value=(format!("{y}-{m:02}")) selected[filters.month == Some((*y, *m))] { (lang.month(*y, *m)) }
                    }
                }
            }
            div {
                label for="f-level" { (lang.t(T::Level)) }
                select #f-level name="level" {
                    option value="" { (lang.t(T::Any)) }
                    @for l in 1..=8_i64 {
                        option value=(l) selected[filters.level == Some(l)] { (l) }
                    }
                }
            }
            div {
                button type="submit" { (lang.t(T::Filter)) }
                @if filters.any() {
                    " "
                    a href=(with_lang("/", lang)) { (lang.t(T::ClearFilters)) }
                }
            }
        }
    }
}
