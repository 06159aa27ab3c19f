//! From a [`Notice`] to the message: subject, plain text, HTML and, for a seat, a calendar
//! invitation. What each kind says is in the Fluent files (`crate::locale`); this module picks
//! the sentences, formats the facts (local times in the session's zone through core's `Lang`, the
//! place or "online") and lays them out as blocks (`crate::letter`).
//!
//! Every message opens with a greeting, says what happened, shows the session (program, title,
//! when, where), the links the person needs (the manage link with a sentence saying it is
//! personal, a confirmation or data link) and closes with why they receive it. Links with
//! secrets are given at send time ([`Links`]); a link the message needs and is not given is an
//! error, never a message without it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use fluent_bundle::{FluentArgs, FluentValue};
use skillhub_core::lang::Lang;
use skillhub_core::tz::Zone;

use crate::RenderError;
use crate::calendar::{self, Calendar, Entry, Method};
use crate::letter::{Block, Letter};
use crate::locale::say;
use crate::notice::{Canceller, DrawOutcome, Event, Notice, SessionFacts};

/// The links a message may show, supplied by the sender at send time (the outbox keeps no
/// secrets).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Links {
    /// The site's base URL, e.g. `http://127.0.0.1:8080`.
    pub public_url: String,
    /// Registration id → its full manage URL (with its secret); every id of
    /// [`Notice::manage_links_needed`] must be here.
    pub manage: BTreeMap<i64, String>,
    /// For [`Event::DataLink`]: the one-time URL.
    pub data: Option<String>,
    /// For [`Event::ConfirmAddress`]: the confirmation URL.
    pub confirm: Option<String>,
    /// For the messages of [`Notice::check_in_needed`]: the URL of the registration's check-in
    /// page in the back office, which the message's QR code holds. It is no secret (the page is
    /// for logged-in staff only); without it the message has no code.
    pub check_in: Option<String>,
}

/// The `Content-ID` of the check-in code's image, as the HTML part refers to it
/// (`<img src="cid:…">`): the sender attaches the code, drawn from [`Rendered::check_in`], under
/// this id.
pub const CHECK_IN_IMAGE: &str = "ingresso@skillhub";

/// What the sender fixes for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The `Message-ID`, without `<>`.
    pub message_id: String,
    /// When the message is made: the calendar's `DTSTAMP`.
    pub stamp: DateTime<Utc>,
    /// The domain of calendar `UID`s, e.g. `example.org`.
    pub domain: String,
}

/// A message ready for a transport.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line: short and specific.
    pub subject: String,
    /// The plain-text part (not wrapped).
    pub text: String,
    /// The HTML part: a whole document.
    pub html: String,
    /// The calendar invitation, for messages about a seat.
    pub calendar: Option<Calendar>,
    /// What the check-in code must hold, when the HTML part shows one (as the image
    /// [`CHECK_IN_IMAGE`]): the URL of [`Links::check_in`].
    pub check_in: Option<String>,
}

/// Writes the message of `notice` with `links`.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use skillhub_core::{ids::SessionId, lang::Lang, tz::Zone};
/// use skillhub_notify::{render, Envelope, Event, Links, Notice, Place, SessionFacts};
/// let at = |h| Utc.with_ymd_and_hms(2030, 2, 12, h, 30, 0).unwrap();
/// let session = SessionFacts {
///     id: SessionId::parse("spid-2030-02-12").unwrap(),
///     program: "Milano Digitale".into(),
///     title: "SPID, passo per passo".into(),
///     starts_at: at(8),
///     ends_at: at(12),
///     zone: Zone::rome(),
///     place: Some(Place { name: "Biblioteca Sormani".into(), address: "Milano".into() }),
///     online: false,
///     sequence: 0,
/// };
/// let notice = Notice { lang: Lang::En, name: "Anna".into(), event: Event::Confirmed { registration: 7, session } };
/// let links = Links {
///     public_url: "https://example.org".into(),
///     manage: [(7, "https://example.org/iscrizioni/7/secret".to_owned())].into(),
///     ..Links::default()
/// };
/// let envelope = Envelope { message_id: "m1@example.org".into(), stamp: at(7), domain: "example.org".into() };
/// let message = render(&notice, &links, &envelope).unwrap();
/// assert_eq!(message.subject, "Confirmed: SPID, passo per passo, 12 February");
/// assert!(message.text.contains("When: Tuesday 12 February 2030, 9:30–13:30"));
/// assert!(message.calendar.is_some());
/// ```
pub fn render(
    notice: &Notice,
    links: &Links,
    envelope: &Envelope,
) -> Result<Rendered, RenderError> {
    let mut writer = Writer {
        lang: notice.lang,
        links,
        check_in: notice.check_in_needed().and(links.check_in.clone()),
        blocks: Vec::new(),
    };
    let subject = writer.body(notice)?;
    let calendar = match (
        calendar::method_of(&notice.event),
        notice.event.registration(),
    ) {
        (Some(method), Some((registration, session))) => {
            Some(writer.calendar(method, registration, session, &notice.event, envelope)?)
        }
        _ => None,
    };
    let check_in = writer
        .blocks
        .iter()
        .any(|block| matches!(block, Block::CheckIn { .. }))
        .then_some(writer.check_in)
        .flatten();
    let letter = Letter {
        lang: notice.lang,
        subject,
        blocks: writer.blocks,
    };
    Ok(Rendered {
        subject: letter.subject.clone(),
        text: letter.text(),
        html: letter.html(),
        calendar,
        check_in,
    })
}

/// Builds the blocks of one message.
struct Writer<'a> {
    lang: Lang,
    links: &'a Links,
    /// The check-in URL, for a message that shows the code.
    check_in: Option<String>,
    blocks: Vec<Block>,
}

/// Fluent arguments from pairs of names and values.
fn args<'v>(pairs: impl IntoIterator<Item = (&'static str, FluentValue<'v>)>) -> FluentArgs<'v> {
    let mut args = FluentArgs::new();
    for (name, value) in pairs {
        args.set(name, value);
    }
    args
}

/// `text` with its first letter in capitals (a lead follows a greeting's comma in Italian, but
/// stands alone in a calendar).
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn local(zone: Zone, at: DateTime<Utc>) -> Result<NaiveDateTime, RenderError> {
    zone.to_local(at)
        .map_err(|source| RenderError::Time { source })
}

impl Writer<'_> {
    fn say(
        &self,
        id: &str,
        attribute: Option<&str>,
        args: &FluentArgs<'_>,
    ) -> Result<String, RenderError> {
        say(self.lang, id, attribute, args)
    }

    fn para(&mut self, text: String) {
        self.blocks.push(Block::Para(text));
    }

    /// The greeting, then the body; returns the subject.
    fn body(&mut self, notice: &Notice) -> Result<String, RenderError> {
        let name = notice.name.trim();
        let greeting = if name.is_empty() {
            self.say("greeting-anonymous", None, &FluentArgs::new())?
        } else {
            self.say("greeting", None, &args([("name", name.to_owned().into())]))?
        };
        self.para(greeting);
        match &notice.event {
            Event::Confirmed {
                registration,
                session,
            } => self.about_seat("confirmed", *registration, session, &[]),
            Event::Waitlisted {
                registration,
                session,
                position,
            } => self.about_seat(
                "waitlisted",
                *registration,
                session,
                &[("position", *position)],
            ),
            Event::InDraw {
                registration,
                session,
                closes_at,
            } => {
                let closes = self.lang.moment(local(session.zone, *closes_at)?);
                let subject = self.lead("in-draw", session, args([("closes", closes.into())]))?;
                self.session(session)?;
                self.manage(*registration)?;
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::Promoted {
                registration,
                session,
            } => self.about_seat("promoted", *registration, session, &[]),
            Event::Drawn {
                registration,
                session,
                outcome,
            } => match outcome {
                DrawOutcome::Confirmed => {
                    self.about_seat("drawn-confirmed", *registration, session, &[])
                }
                DrawOutcome::Waitlisted { position } => self.about_seat(
                    "drawn-waitlisted",
                    *registration,
                    session,
                    &[("position", *position)],
                ),
            },
            Event::Cancelled {
                session,
                by,
                reason,
                ..
            } => {
                let id = match by {
                    Canceller::Person => "cancelled-by-person",
                    Canceller::Staff => "cancelled-by-staff",
                };
                let subject = self.lead(id, session, args([]))?;
                if let Some(reason) = reason {
                    let line = self.say(
                        "cancelled-by-staff",
                        Some("reason"),
                        &args([("reason", reason.clone().into())]),
                    )?;
                    self.para(line);
                }
                self.session(session)?;
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::SessionCancelled {
                session, reason, ..
            } => {
                let subject = self.lead("session-cancelled", session, args([]))?;
                if let Some(reason) = reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
                    let why = self.say(
                        "session-cancelled",
                        Some("reason"),
                        &args([("reason", reason.to_owned().into())]),
                    )?;
                    self.para(why);
                }
                self.session(session)?;
                let site = self.links.public_url.clone();
                let other = self.say(
                    "session-cancelled",
                    Some("other"),
                    &args([("site", site.into())]),
                )?;
                self.para(other);
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::SessionChanged {
                registration,
                session,
                before,
            } => {
                let subject = self.lead("session-changed", session, args([]))?;
                self.session(session)?;
                let was = self.say("session-changed", Some("before"), &FluentArgs::new())?;
                self.para(was);
                let facts = vec![self.when(before)?, self.place(before)?];
                self.blocks.push(Block::Facts(facts));
                self.manage(*registration)?;
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::Reminder {
                registration,
                session,
                before_minutes,
            } => {
                let within = self.within(*before_minutes)?;
                let subject = self.lead("reminder", session, args([("in", within.into())]))?;
                self.session(session)?;
                self.check_in()?;
                let cancel = self.say("reminder", Some("cancel"), &FluentArgs::new())?;
                self.para(cancel);
                self.manage(*registration)?;
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::ConfirmAddress {
                session,
                hold_until,
                ..
            } => {
                let until = self.lang.moment(local(session.zone, *hold_until)?);
                let subject =
                    self.lead("confirm-address", session, args([("until", until.into())]))?;
                self.session(session)?;
                let url = self
                    .links
                    .confirm
                    .clone()
                    .ok_or(RenderError::MissingConfirmLink)?;
                let intro = self.say("confirm-address", Some("link"), &FluentArgs::new())?;
                self.para(intro);
                self.blocks.push(Block::Link(url));
                let ignore = self.say("confirm-address", Some("ignore"), &FluentArgs::new())?;
                self.para(ignore);
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::HoldExpired { session, .. } => {
                let subject = self.lead("hold-expired", session, args([]))?;
                self.session(session)?;
                let site = self.links.public_url.clone();
                let again = self.say(
                    "hold-expired",
                    Some("again"),
                    &args([("site", site.into())]),
                )?;
                self.para(again);
                self.footer_registration(session)?;
                Ok(subject)
            }
            Event::LostLinks { registrations } => self.lost_links(registrations),
            Event::DataLink { valid_until } => {
                let until = self.lang.moment(local(Zone::rome(), *valid_until)?);
                let lead = self.say("data-link", None, &args([("until", until.into())]))?;
                self.para(lead);
                let url = self
                    .links
                    .data
                    .clone()
                    .ok_or(RenderError::MissingDataLink)?;
                self.blocks.push(Block::Link(url));
                let personal = self.say("data-link", Some("personal"), &FluentArgs::new())?;
                self.para(personal);
                self.footer("footer-request", FluentArgs::new())?;
                self.say("data-link", Some("subject"), &FluentArgs::new())
            }
            Event::ApplicationReceived { call, application } => self.grant(
                "application-received",
                "footer-applicant",
                call,
                *application,
                None,
            ),
            Event::ApplicationStage {
                call,
                application,
                stage,
            } => self.grant(
                "application-stage",
                "footer-applicant",
                call,
                *application,
                Some(("stage", stage.clone())),
            ),
            Event::EvaluatorAssigned { call, application } => self.grant(
                "evaluator-assigned",
                "footer-evaluator",
                call,
                *application,
                None,
            ),
            Event::ReportDue {
                call,
                application,
                due,
            } => {
                let due = self.lang.date(*due);
                self.grant(
                    "report-due",
                    "footer-applicant",
                    call,
                    *application,
                    Some(("due", due)),
                )
            }
            Event::ReportOverdue {
                call,
                application,
                due,
            } => {
                let due = self.lang.date(*due);
                self.grant(
                    "report-overdue",
                    "footer-applicant",
                    call,
                    *application,
                    Some(("due", due)),
                )
            }
        }
    }

    /// A message about one registration's seat or place in line: lead, session, manage link,
    /// footer.
    fn about_seat(
        &mut self,
        id: &str,
        registration: i64,
        session: &SessionFacts,
        numbers: &[(&'static str, u32)],
    ) -> Result<String, RenderError> {
        let extra = args(
            numbers
                .iter()
                .map(|(name, n)| (*name, FluentValue::from(*n))),
        );
        let subject = self.lead(id, session, extra)?;
        self.session(session)?;
        self.check_in()?;
        self.manage(registration)?;
        self.footer_registration(session)?;
        Ok(subject)
    }

    /// The sentence saying what happened, with `title` and `day` added to `extra`; returns the
    /// subject (the message's `.subject`).
    fn lead(
        &mut self,
        id: &str,
        session: &SessionFacts,
        mut extra: FluentArgs<'_>,
    ) -> Result<String, RenderError> {
        let day = self
            .lang
            .day_month(local(session.zone, session.starts_at)?.date());
        extra.set("title", session.title.clone());
        extra.set("day", day);
        let lead = self.say(id, None, &extra)?;
        self.para(lead);
        self.say(id, Some("subject"), &extra)
    }

    fn label(&self, id: &str) -> Result<String, RenderError> {
        self.say(id, None, &FluentArgs::new())
    }

    fn when(&self, session: &SessionFacts) -> Result<(String, String), RenderError> {
        let (start, end) = (
            local(session.zone, session.starts_at)?,
            local(session.zone, session.ends_at)?,
        );
        Ok((self.label("label-when")?, self.lang.span(start, end)))
    }

    fn place(&self, session: &SessionFacts) -> Result<(String, String), RenderError> {
        let place = match (&session.place, session.online) {
            (_, true) => self.label("online")?,
            (Some(place), false) => format!("{}, {}", place.name, place.address),
            (None, false) => self.label("place-unknown")?,
        };
        Ok((self.label("label-where")?, place))
    }

    /// Program, title, when, where.
    fn session(&mut self, session: &SessionFacts) -> Result<(), RenderError> {
        let facts = vec![
            (self.label("label-program")?, session.program.clone()),
            (self.label("label-session")?, session.title.clone()),
            self.when(session)?,
            self.place(session)?,
        ];
        self.blocks.push(Block::Facts(facts));
        Ok(())
    }

    fn manage_url(&self, registration: i64) -> Result<String, RenderError> {
        self.links
            .manage
            .get(&registration)
            .cloned()
            .ok_or(RenderError::MissingManageLink { registration })
    }

    /// The check-in code, for a message that has one: a picture in HTML, a sentence saying
    /// where to find it in plain text.
    fn check_in(&mut self) -> Result<(), RenderError> {
        if self.check_in.is_none() {
            return Ok(());
        }
        let block = Block::CheckIn {
            heading: self.say("check-in", None, &FluentArgs::new())?,
            how: self.say("check-in", Some("how"), &FluentArgs::new())?,
            plain: self.say("check-in", Some("plain"), &FluentArgs::new())?,
            alt: self.say("check-in", Some("alt"), &FluentArgs::new())?,
        };
        self.blocks.push(block);
        Ok(())
    }

    /// The manage link with what it is for and that it is personal.
    fn manage(&mut self, registration: i64) -> Result<(), RenderError> {
        let url = self.manage_url(registration)?;
        let intro = self.label("manage-intro")?;
        self.para(intro);
        self.blocks.push(Block::Link(url));
        let personal = self.label("manage-personal")?;
        self.para(personal);
        Ok(())
    }

    fn footer(&mut self, id: &str, args: FluentArgs<'_>) -> Result<(), RenderError> {
        let why = self.say(id, None, &args)?;
        self.blocks.push(Block::Footer {
            why,
            site: self.links.public_url.clone(),
        });
        Ok(())
    }

    fn footer_registration(&mut self, session: &SessionFacts) -> Result<(), RenderError> {
        self.footer(
            "footer-registration",
            args([("program", session.program.clone().into())]),
        )
    }

    /// `tra 48 ore`, `in 2 hours`, `tra 30 minuti`; whole days beyond two days.
    fn within(&self, minutes: u32) -> Result<String, RenderError> {
        let (id, count) = match minutes {
            m if m > 2 * 1440 && m % 1440 == 0 => ("in-days", m / 1440),
            m if m % 60 == 0 && m > 0 => ("in-hours", m / 60),
            m => ("in-minutes", m),
        };
        self.say(id, None, &args([("count", count.into())]))
    }

    fn lost_links(&mut self, registrations: &[(i64, SessionFacts)]) -> Result<String, RenderError> {
        if registrations.is_empty() {
            let none = self.say("lost-links", Some("none"), &FluentArgs::new())?;
            self.para(none);
        } else {
            let lead = self.label("lost-links")?;
            self.para(lead);
            for (registration, session) in registrations {
                let facts = vec![
                    (self.label("label-program")?, session.program.clone()),
                    (self.label("label-session")?, session.title.clone()),
                    self.when(session)?,
                ];
                self.blocks.push(Block::Facts(facts));
                let url = self.manage_url(*registration)?;
                self.blocks.push(Block::Link(url));
            }
            let personal = self.label("manage-personal")?;
            self.para(personal);
        }
        self.footer("footer-request", FluentArgs::new())?;
        self.say("lost-links", Some("subject"), &FluentArgs::new())
    }

    fn grant(
        &mut self,
        id: &str,
        footer: &str,
        call: &str,
        application: i64,
        extra: Option<(&'static str, String)>,
    ) -> Result<String, RenderError> {
        let all = || {
            let mut all = args([
                ("call", FluentValue::from(call.to_owned())),
                // As text: a number would be formatted (grouped) by the locale.
                ("application", FluentValue::from(application.to_string())),
            ]);
            if let Some((name, value)) = &extra {
                all.set(*name, value.clone());
            }
            all
        };
        let lead = self.say(id, None, &all())?;
        self.para(lead);
        self.footer(footer, all())?;
        self.say(id, Some("subject"), &all())
    }

    fn calendar(
        &self,
        method: Method,
        registration: i64,
        session: &SessionFacts,
        event: &Event,
        envelope: &Envelope,
    ) -> Result<Calendar, RenderError> {
        let location = match (&session.place, session.online) {
            (Some(place), false) => format!("{}, {}", place.name, place.address),
            _ => "Online".to_owned(),
        };
        let (description, url) = match method {
            Method::Request => {
                let url = self.manage_url(registration)?;
                (format!("{}\n{url}", self.label("manage-intro")?), Some(url))
            }
            Method::Cancel => {
                // The lead paragraph (after the greeting) says who cancelled what.
                let lead = self.blocks.get(1).and_then(|b| match b {
                    Block::Para(text) => Some(text.clone()),
                    _ => None,
                });
                let lead = lead.unwrap_or_else(|| event.kind().to_owned());
                (capitalized(&lead), None)
            }
        };
        Ok(calendar::calendar(Entry {
            method,
            registration,
            session,
            domain: &envelope.domain,
            stamp: envelope.stamp,
            location,
            description,
            url,
        }))
    }
}
