//! `/gestione/incontri/{id}/registro`: the **registro presenze**, the attendance register that
//! funded training in Italy keeps signed: the program and who funds or promotes it, the
//! session's title, day, times, place and trainers, then one row per person with a seat
//! (confirmed, present or marked absent; never the waiting list, cancelled or unconfirmed
//! registrations), in name order, with a tall empty cell for the signature, and a footer with
//! the count and the trainer's signature and date lines.
//!
//! It is a page printed by the browser, not a PDF: the print rules of the back office's style
//! sheet (`frame::STAFF_STYLE`) lay it on A4 with 15 mm margins, hide the menus and the
//! on-screen hints, repeat the table's header on every sheet and never split a row. The
//! `Content-Security-Policy` allows no script, so there is no print button: the page says to
//! use the browser's Print command. [`Act::See`] on the session, like its other pages.
//!
//! The programs' files have no field for the funder: the line is the program's budget's funder
//! when it has one, else its sponsors, with its partners.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use chrono::Duration;
use maud::{Markup, html};
use skillhub_core::capacity::Status;
use skillhub_core::program::Program;
use skillhub_core::staff::Act;
use skillhub_store::{RegistrationView, SessionView};

use super::frame::{staff_page, with_lang};
use super::{Login, StaffError, session_for};
use crate::state::AppState;
use crate::web::{Lang, PageLang, html_response};

/// The register's route.
pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/gestione/incontri/{id}/registro", get(register_page))
}

/// How long before the start a presence counts as the time of entry (people arrive early);
/// a presence recorded outside the session (a correction the day after) has no time of entry.
const EARLY_ENTRY: Duration = Duration::hours(1);

/// `GET /gestione/incontri/{id}/registro`.
async fn register_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    login: Login,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let session = session_for(&state, &login, &id, Act::See).await?;
        let program = state
            .program(session.program_id.as_str())
            .await?
            .ok_or_else(|| StaffError::Internal(format!("session {id}: no program")))?;
        let mut trainers = Vec::new();
        for staff_id in state.store().session_trainers(&id).await? {
            if let Some(account) = state.store().staff_account(staff_id).await? {
                trainers.push(account.email);
            }
        }
        let mut seated: Vec<RegistrationView> = state
            .store()
            .session_registrations(&id)
            .await?
            .into_iter()
            .filter(|r| {
                matches!(
                    r.status,
                    Status::Confirmed | Status::Attended | Status::NoShow
                )
            })
            .collect();
        seated.sort_by_cached_key(|r| (r.name.to_lowercase(), r.id));
        let register = Register {
            lang,
            program: &program,
            session: &session,
            trainers: &trainers,
            seated: &seated,
        };
        Ok(html_response(StatusCode::OK, register.page(&login)))
    };
    result
        .await
        .unwrap_or_else(|err: StaffError| err.render(lang, Some(&login)))
}

/// What the register shows.
#[derive(Debug)]
struct Register<'a> {
    lang: Lang,
    program: &'a Program,
    session: &'a SessionView,
    /// The trainers' addresses (staff accounts have no other name).
    trainers: &'a [String],
    /// The people with a seat, in the order of the rows.
    seated: &'a [RegistrationView],
}

impl Register<'_> {
    fn page(&self, login: &Login) -> Markup {
        let lang = self.lang;
        let session = self.session;
        let here = format!("/gestione/incontri/{}/registro", session.id);
        let title = lang.pick("Registro presenze", "Attendance register");
        let (day, times) = match session.local_span() {
            Some((start, end)) if start.date() == end.date() => (
                lang.date(start.date()),
                format!("{}–{}", lang.clock(start), lang.clock(end)),
            ),
            Some((start, end)) => (lang.date(start.date()), lang.span(start, end)),
            None => (session.starts_at.to_rfc3339(), session.ends_at.to_rfc3339()),
        };
        staff_page(
            lang,
            &format!("{title}: {}", session.title),
            Some(login),
            &here,
            html! {
                h1 { (title) }
                p.register-program {
                    strong { (self.program.name()) }
                    @if let Some(line) = funder_line(lang, self.program) { br; (line) }
                }
                dl.facts {
                    dt { (lang.pick("Incontro", "Session")) } dd { (session.title) }
                    dt { (lang.pick("Data", "Date")) } dd { (day) }
                    dt { (lang.pick("Orario", "Time")) } dd { (times) }
                    dt { (lang.pick("Luogo", "Place")) } dd { (self.place()) }
                    dt { (lang.pick("Formatori", "Trainers")) }
                    dd { @if self.trainers.is_empty() { "—" } @else { (self.trainers.join(", ")) } }
                }
                div.notice.no-print {
                    p {
                        (lang.pick(
                            "Per stampare il registro usa il comando Stampa del browser (Ctrl+P, o ⌘P su Mac): la pagina è impaginata per fogli A4, senza i menu e senza questo riquadro.",
                            "To print the register use the browser's Print command (Ctrl+P, or ⌘P on a Mac): the page is laid out for A4 sheets, without the menus and without this box.",
                        ))
                    }
                    p {
                        a href=(with_lang(&format!("/gestione/incontri/{}", session.id), lang)) { (lang.pick("Torna all'incontro", "Back to the session")) }
                    }
                }
                div.table-box {
                    table.register {
                        caption { (lang.pick("Partecipanti", "Participants")) }
                        thead {
                            tr {
                                th.num scope="col" { (lang.pick("N.", "No.")) }
                                th scope="col" { (lang.pick("Nome e cognome", "Name and surname")) }
                                th scope="col" { (lang.pick("Ora di ingresso", "Time of entry")) }
                                th scope="col" { (lang.pick("Firma", "Signature")) }
                            }
                        }
                        tbody {
                            @for (n, registration) in (1..).zip(self.seated) {
                                tr {
                                    td.num { (n) }
                                    th scope="row" { (registration.name) }
                                    td { (self.entry(registration)) }
                                    td.sign {}
                                }
                            }
                            @if self.seated.is_empty() {
                                tr { td colspan="4" { (lang.pick("Nessun partecipante con un posto confermato.", "Nobody holds a confirmed seat.")) } }
                            }
                        }
                    }
                }
                div.register-foot {
                    p {
                        (lang.pick("Partecipanti con posto confermato: ", "Participants with a confirmed seat: "))
                        strong { (self.seated.len()) }
                    }
                    p.sign-line { (lang.pick("Firma del formatore", "Trainer's signature")) span {} }
                    p.sign-line { (lang.pick("Data", "Date")) span {} }
                }
            },
        )
    }

    /// The hub's name and address, or "online".
    fn place(&self) -> String {
        let lang = self.lang;
        let Some(hub_id) = &self.session.hub_id else {
            return lang.pick("Online", "Online").to_owned();
        };
        match self.program.hub(hub_id) {
            Some(hub) => format!("{}, {}", hub.name, hub.address.one_line()),
            None => hub_id.to_string(),
        }
    }

    /// The time of entry: when presence was recorded during the session (or shortly before
    /// it), "absent" for someone marked absent, else blank for the pen.
    fn entry(&self, registration: &RegistrationView) -> String {
        let session = self.session;
        match registration.status {
            Status::Attended => {
                let at = registration.updated_at;
                let during = at >= session.starts_at - EARLY_ENTRY && at <= session.ends_at;
                session
                    .local(at)
                    .filter(|_| during)
                    .map(|local| self.lang.clock(local))
                    .unwrap_or_default()
            }
            Status::NoShow => self.lang.pick("assente", "absent").to_owned(),
            _ => String::new(),
        }
    }
}

/// Who funds or promotes the program, in one line: the program's own line when its settings
/// give one (`funder_line`, printed as written, whatever the page's language: it is the
/// funder's wording), else its budget's funder or its sponsors, then its partners. None when
/// the program names nobody.
fn funder_line(lang: Lang, program: &Program) -> Option<String> {
    if let Some(line) = program.settings().funder_line() {
        return Some(line.to_owned());
    }
    let names = |list: &mut dyn Iterator<Item = &str>| list.collect::<Vec<_>>().join(", ");
    let mut parts = Vec::new();
    if let Some(budget) = program.budget() {
        parts.push(format!(
            "{} {}",
            lang.pick("Finanziato da", "Funded by"),
            budget.funder
        ));
    } else if !program.sponsors().is_empty() {
        parts.push(format!(
            "{} {}",
            lang.pick("Promosso da", "Promoted by"),
            names(&mut program.sponsors().iter().map(String::as_str))
        ));
    }
    if !program.partners().is_empty() {
        parts.push(format!(
            "{} {}",
            lang.pick("in collaborazione con", "with"),
            names(&mut program.partners().iter().map(|p| p.name.as_str()))
        ));
    }
    if parts.is_empty() {
        None
    } else {
        let line = parts.join(", ");
        let mut chars = line.chars();
        // Capitalised: a partners-only line starts with "in".
        Some(match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => line,
        })
    }
}

#[cfg(test)]
mod tests {
    use skillhub_core::fixture::{SEED_PROGRAMS, parse_program};

    use super::*;

    fn binario_f(settings: &str) -> Program {
        let (_, text) = SEED_PROGRAMS
            .iter()
            .find(|(name, _)| *name == "binario-f.toml")
            .unwrap();
        parse_program(&format!("{text}\n{settings}")).unwrap()
    }

    #[test]
    fn the_programs_own_funder_line_comes_first() {
        assert_eq!(
            funder_line(Lang::It, &binario_f("")).as_deref(),
            Some(
                "Promosso da Facebook, in collaborazione con PA Social, LVenture Group, Luiss EnLabs"
            )
        );
        let own = binario_f("[settings]\nfunder_line = \"Progetto finanziato da Facebook Italia\"");
        for lang in [Lang::It, Lang::En] {
            assert_eq!(
                funder_line(lang, &own).as_deref(),
                Some("Progetto finanziato da Facebook Italia")
            );
        }
    }
}
