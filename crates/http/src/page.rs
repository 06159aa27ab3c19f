//! `GET /`: a minimal public catalog page in Italian — the programs and the next sessions with
//! their free seats. (The full catalog, with filters and registration forms, is a later issue.)
//!
//! The page is plain HTML written here with every text escaped; it needs no script and no
//! template engine.

use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;
use chrono::Utc;
use skillhub_core::italian::span;
use skillhub_core::tz::Zone;
use skillhub_store::SessionFilter;

use crate::problem::ApiResult;
use crate::state::AppState;

/// How many upcoming sessions the page lists.
const UPCOMING: u32 = 50;

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The catalog page.
#[utoipa::path(get, path = "/", tag = "catalog",
    responses((status = 200, description = "The public catalog (Italian HTML)", body = String, content_type = "text/html")))]
pub(crate) async fn home(State(state): State<AppState>) -> ApiResult<Html<String>> {
    let programs = state.programs().await?;
    let filter = SessionFilter {
        from: Some(Utc::now()),
        limit: Some(UPCOMING),
        ..SessionFilter::default()
    };
    let sessions = state.store().sessions(&filter).await?;

    let mut html = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"it\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>skillhub — corsi gratuiti di competenze digitali</title>\n</head>\n<body>\n",
        "<main>\n<h1>Corsi gratuiti di competenze digitali</h1>\n",
        "<p>Posti limitati: ci si iscrive fino a esaurimento posti, poi in lista d'attesa.</p>\n",
        "<h2>Programmi</h2>\n<ul class=\"programmi\">\n",
    ));
    for program in &programs {
        // Writing into a String cannot fail.
        let _ = writeln!(
            html,
            "<li id=\"{}\"><strong>{}</strong> — {}</li>",
            escape(program.id().as_str()),
            escape(program.name()),
            escape(program.summary_it()),
        );
    }
    html.push_str("</ul>\n<h2>Prossimi incontri</h2>\n");
    if sessions.is_empty() {
        html.push_str("<p>Nessun incontro in programma.</p>\n");
    } else {
        html.push_str("<ul class=\"incontri\">\n");
        for session in &sessions {
            let program = programs
                .iter()
                .find(|p| p.id().as_str() == session.program_id);
            let place = session
                .hub_id
                .as_deref()
                .and_then(|h| program?.hubs().iter().find(|x| x.id.as_str() == h))
                .map_or_else(|| "Online".to_owned(), |h| h.name.clone());
            let when = Zone::parse(&session.zone)
                .ok()
                .and_then(|z| {
                    Some(span(
                        z.to_local(session.starts_at).ok()?,
                        z.to_local(session.ends_at).ok()?,
                    ))
                })
                .unwrap_or_else(|| session.starts_at.to_rfc3339());
            let seats = match session.seats_left() {
                0 => "posti esauriti: lista d'attesa".to_owned(),
                1 => "1 posto libero".to_owned(),
                n => format!("{n} posti liberi"),
            };
            let _ = writeln!(
                html,
                "<li id=\"{}\"><strong>{}</strong> — {} — {} ({}) — {}</li>",
                escape(&session.id),
                escape(&session.title),
                escape(&when),
                escape(&place),
                escape(program.map_or(session.program_id.as_str(), |p| p.name())),
                escape(&seats),
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</main>\n</body>\n</html>\n");
    Ok(Html(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">Tom & Jerry's</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
    }
}
