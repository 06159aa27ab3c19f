//! `/incontri/{id}`: a session's page with its registration form (name, e-mail, the attributes
//! its program's eligibility and priority rules read, consent), and what submitting it shows:
//! confirmed, waitlisted with the position, or not eligible with the reasons — then the
//! registration's manage link. Bad input re-renders the form with a message next to each field.

use std::collections::{BTreeMap, BTreeSet};

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use maud::{Markup, html};
use skillhub_core::capacity::{Phase, Status};
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::eligibility::{Needs, Reason, italian_regions, region_words, tag_words};
use skillhub_core::ids::Tag;
use skillhub_core::partner::FiscalCode;
use skillhub_core::person::{
    Attributes, Country, Email, Gender, OrganisationType, Person, PersonName,
};
use skillhub_core::program::Program;
use skillhub_core::settings::{CodiceFiscaleProblem, CodiceFiscaleRule};
use skillhub_core::window::WindowState;
use skillhub_store::{Registered, RegistrationView, SessionView};

use super::PageLang;
use super::csrf::{self, Csrf};
use super::i18n::{Lang, Speak as _, T};
use super::layout::{page, switch_link, with_lang};
use super::{WebError, WebResult, html_response, local_time, mode_text, window_now};
use crate::extract::RateLimited;
use crate::openapi::FormRefusals;
use crate::problem::ApiError;
use crate::registrations::{Asked, Enrolment, enrol};
use crate::state::AppState;

/// The form's fields in the order it shows them (and lists their problems).
const FIELDS: [&str; 12] = [
    "name",
    "email",
    "codice_fiscale",
    "gender",
    "country",
    "region",
    "birth_date",
    "organisation_type",
    "organisation_code",
    "roles",
    "memberships",
    "consent",
];

/// Countries offered besides those a program's rules name (the ones core has names for).
const COUNTRIES: [&str; 8] = ["IT", "ES", "PL", "FR", "GB", "IE", "SE", "DE"];

/// Kinds of organisation offered, by their serde names (labels come from core).
const ORGANISATION_TYPES: [&str; 9] = [
    "public_administration",
    "utility",
    "sme",
    "startup",
    "cooperative",
    "social_cooperative",
    "non_profit",
    "large_enterprise",
    "education",
];

const GENDERS: [(&str, Gender, T); 3] = [
    ("female", Gender::Female, T::Female),
    ("male", Gender::Male, T::Male),
    ("non_binary", Gender::NonBinary, T::NonBinary),
];

/// A session's page with its form.
#[utoipa::path(get, path = "/incontri/{id}", tag = "pages",
    params(
        ("id" = String, Path, description = "Session id"),
        ("lang" = Option<String>, Query, description = "`it` (default) or `en`"),
    ),
    responses(
        (status = 200, description = "The session and its registration form (HTML); sets the `skillhub_csrf` cookie", body = String, content_type = "text/html"),
        (status = 404, description = "No such session (HTML)", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn session_page(
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let ctx = SessionCtx::load(&state, &id).await?;
        let lang = ctx.lang(lang);
        let body = ctx.page_body(lang, &csrf, &FormValues::default(), &Errors::new(), None);
        Ok::<_, WebError>(ctx.respond(lang, StatusCode::OK, body, &csrf))
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// Registers the person the form describes.
#[utoipa::path(post, path = "/incontri/{id}", tag = "pages",
    params(("id" = String, Path, description = "Session id")),
    request_body(content = RegistrationForm, content_type = "application/x-www-form-urlencoded",
        description = "`name`, `email`, `consent=yes`, `csrf` (equal to the `skillhub_csrf` cookie), `lang`, `codice_fiscale` (when the program requires it), and the attributes the program asks for: `gender`, `country`, `region`, `birth_date`, `organisation_type`, `roles`, `memberships` (repeated)"),
    responses(
        (status = 200, description = "Registered: confirmed, or waitlisted with the position, and the manage link (HTML)", body = String, content_type = "text/html"),
        (status = 403, description = "The CSRF field does not match the cookie (HTML)", body = String, content_type = "text/html"),
        (status = 404, description = "No such session (HTML)", body = String, content_type = "text/html"),
        (status = 409, description = "This e-mail is already registered (the form again, with the message), or registration is closed (the page says so) (HTML)", body = String, content_type = "text/html"),
        (status = 422, description = "Invalid fields, or not eligible with the reasons: the form again (HTML)", body = String, content_type = "text/html"),
        FormRefusals,
    ))]
pub(crate) async fn register(
    limited: Result<RateLimited, ApiError>,
    State(state): State<AppState>,
    PageLang(lang): PageLang,
    csrf: Csrf,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Response {
    let fields = form.map(|f| f.0);
    let lang = match &fields {
        Ok(fields) => form_lang(fields).unwrap_or(lang),
        Err(_) => lang,
    };
    let result = async {
        limited?;
        let fields = fields.map_err(|e| WebError::BadForm(e.body_text()))?;
        if !csrf.accepts(field(&fields, csrf::FIELD)) {
            return Err(WebError::Csrf);
        }
        let ctx = SessionCtx::load(&state, &id).await?;
        submit(&state, &ctx, ctx.lang(lang), &csrf, &fields).await
    };
    result.await.unwrap_or_else(|err| err.render(lang))
}

/// The registration form's fields as the OpenAPI document describes them; the handler reads
/// the form as pairs, so that fields the program does not ask for are ignored.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used, by the OpenAPI document.
pub(crate) struct RegistrationForm {
    /// Name and surname.
    name: Option<String>,
    /// E-mail address.
    email: Option<String>,
    /// The codice fiscale, asked for (and required) only by a program whose settings require
    /// it; 16 characters, any case.
    codice_fiscale: Option<String>,
    /// `yes`: the person agrees to the privacy notice.
    consent: Option<String>,
    /// Equal to the `skillhub_csrf` cookie.
    csrf: Option<String>,
    /// `it` or `en`: the language of the answer.
    lang: Option<String>,
    /// `female`, `male` or `non_binary`.
    gender: Option<String>,
    /// Two letters, e.g. `IT`.
    country: Option<String>,
    /// An Italian region, e.g. `puglia`.
    region: Option<String>,
    /// YYYY-MM-DD.
    birth_date: Option<String>,
    /// e.g. `cooperative`.
    organisation_type: Option<String>,
    /// Repeated: one field per role.
    roles: Option<Vec<String>>,
    /// Repeated: one field per membership.
    memberships: Option<Vec<String>>,
}

/// The language a form was filled in (its hidden `lang` field).
fn form_lang(fields: &[(String, String)]) -> Option<Lang> {
    match field(fields, "lang") {
        Some("en") => Some(Lang::En),
        Some("it") => Some(Lang::It),
        _ => None,
    }
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

async fn submit(
    state: &AppState,
    ctx: &SessionCtx,
    lang: Lang,
    csrf: &Csrf,
    fields: &[(String, String)],
) -> WebResult<Response> {
    let values = FormValues::from_fields(fields);
    let person = match values.person(ctx.program.settings().codice_fiscale()) {
        Ok(person) => person,
        Err(errors) => {
            let body = ctx.page_body(lang, csrf, &values, &errors, None);
            return Ok(ctx.respond(lang, StatusCode::UNPROCESSABLE_ENTITY, body, csrf));
        }
    };
    match enrol(state, &ctx.view, Asked::public(person, lang), None).await {
        Ok(Enrolment::Registered(Registered {
            registration,
            manage_token,
            ..
        })) => {
            // The seats shown are the ones after this registration.
            let ctx = SessionCtx::load(state, ctx.view.id.as_str()).await?;
            let public_url = state.config().public_url.as_ref();
            Ok(ctx.registered(lang, csrf, &registration, &manage_token, public_url))
        }
        Ok(Enrolment::Ineligible(reasons)) => {
            let notice = ineligible_notice(lang, &reasons);
            let body = ctx.page_body(lang, csrf, &values, &Errors::new(), Some(notice));
            Ok(ctx.respond(lang, StatusCode::UNPROCESSABLE_ENTITY, body, csrf))
        }
        Err(err @ (ApiError::RegistrationClosed(_) | ApiError::Conflict(_))) => {
            // Closed or cancelled while the form was open: the page shows it instead of the
            // form. Otherwise the conflict is an address already registered.
            let fresh = SessionCtx::load(state, ctx.view.id.as_str()).await?;
            let gone =
                matches!(err, ApiError::RegistrationClosed(_)) || fresh.view.cancelled_at.is_some();
            let notice = (!gone).then(|| {
                html! {
                    div.notice.bad role="alert" { p { (lang.t(T::AlreadyRegistered)) } }
                }
            });
            let body = fresh.page_body(lang, csrf, &values, &Errors::new(), notice);
            Ok(fresh.respond(lang, StatusCode::CONFLICT, body, csrf))
        }
        Err(other) => Err(other.into()),
    }
}

fn ineligible_notice(lang: Lang, reasons: &[Reason]) -> Markup {
    html! {
        div.notice.bad role="alert" {
            h2 { (lang.t(T::NotEligible)) }
            p { (lang.t(T::NotEligibleText)) }
            ul.reasons {
                @for reason in reasons { li { (lang.pick(reason.it(), reason.en())) } }
            }
            @if reasons.iter().any(Reason::needs_information) {
                p { (lang.t(T::CanAddInformation)) }
            }
        }
    }
}

/// A session with what its page shows.
pub(crate) struct SessionCtx {
    pub(crate) view: SessionView,
    program: std::sync::Arc<Program>,
    needs: Needs,
}

impl SessionCtx {
    pub(crate) async fn load(state: &AppState, id: &str) -> WebResult<SessionCtx> {
        let view = state.store().session(id).await?.ok_or(WebError::NotFound)?;
        let program = state
            .program(view.program_id.as_str())
            .await?
            .ok_or_else(|| WebError::Internal(format!("session {id} has no program")))?;
        let mut needs = program.eligibility().map(|r| r.needs()).unwrap_or_default();
        for tier in program.priority() {
            needs.merge(tier.rule.needs());
        }
        if program.counts_organisations() {
            // Its targets count organisations: the form asks which kind (the select offers
            // every kind) and its tax code, to count it once.
            needs.organisation_types.insert(OrganisationType::Sme);
        }
        Ok(SessionCtx {
            view,
            program,
            needs,
        })
    }

    fn path(&self) -> String {
        format!("/incontri/{}", self.view.id)
    }

    /// The language the page is shown in when `wanted` is asked for: one the program offers
    /// (its `[settings] languages`).
    pub(crate) fn lang(&self, wanted: Lang) -> Lang {
        self.program.settings().languages().pick(wanted)
    }

    /// `path` in the other language, when the program offers it (the language switch).
    pub(crate) fn switch_link(&self, path: &str, lang: Lang) -> Option<String> {
        self.program
            .settings()
            .languages()
            .offers(lang.other())
            .then(|| switch_link(path, lang))
    }

    fn respond(&self, lang: Lang, status: StatusCode, body: Markup, csrf: &Csrf) -> Response {
        let mut response = html_response(
            status,
            page(
                lang,
                &self.view.title,
                self.switch_link(&self.path(), lang).as_deref(),
                body,
            ),
        );
        csrf.set_cookie(&mut response);
        response
    }

    /// The result of a registration: its status and the manage link.
    fn registered(
        &self,
        lang: Lang,
        csrf: &Csrf,
        registration: &RegistrationView,
        token: &str,
        public_url: Option<&crate::state::PublicUrl>,
    ) -> Response {
        // A full URL when the server knows where it is reached: the link is meant to be kept.
        let path = super::manage::path(registration.id, token, lang);
        let link = match public_url {
            Some(url) => url.join(&path),
            None => path,
        };
        let body = html! {
            h1 { (lang.t(T::ManageHeading)) ": " (self.view.title) }
            (self.status_notice(lang, registration))
            (self.facts(lang))
            h2 { (lang.t(T::ManageLinkIntro)) }
            p { a.token #manage-link href=(link) { (link) } }
            p { (lang.t(T::ManageLinkKeep)) }
            p { a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
        };
        self.respond(lang, StatusCode::OK, body, csrf)
    }

    /// The status of a registration as a notice: "confermato", or the waiting position (or,
    /// before a batch session's draw, that everyone waits for it).
    pub(crate) fn status_notice(&self, lang: Lang, registration: &RegistrationView) -> Markup {
        let draw_pending = self.view.phase() == Phase::AwaitingDraw;
        html! {
            @match registration.status {
                Status::Confirmed => div.notice.ok role="status" {
                    p { strong { (lang.t(T::Status)) ": " span #status { (lang.t(T::Confirmed)) } } }
                    p { (lang.t(T::ConfirmedText)) }
                },
                Status::Held { expires_at } => div.notice.wait role="status" {
                    p { strong { (lang.t(T::Status)) ": " span #status { (lang.t(T::Held)) } } }
                    p { (lang.check_mailbox(self.view.local(expires_at))) }
                },
                Status::Expired => div.notice role="status" {
                    p { strong { (lang.t(T::Status)) ": " span #status { (lang.t(T::Expired)) } } }
                    p { (lang.t(T::ExpiredText)) }
                },
                Status::Waitlisted { position } => div.notice.wait role="status" {
                    p { strong { (lang.t(T::Status)) ": " span #status { (lang.waitlisted_at(position)) } } }
                    p { (lang.t(if draw_pending { T::WaitingForDrawText } else { T::WaitlistedText })) }
                },
                other => div.notice role="status" {
                    p { strong { (lang.t(T::Status)) ": " span #status { (lang.t(match other {
                        Status::Attended => T::Attended,
                        Status::NoShow => T::NoShow,
                        _ => T::Cancelled,
                    })) } } }
                },
            }
        }
    }

    /// When, where, mode, level and seats.
    pub(crate) fn facts(&self, lang: Lang) -> Markup {
        let view = &self.view;
        let when = view.local_span().map(|(start, end)| lang.span(start, end));
        let hub = view
            .hub_id
            .as_ref()
            .and_then(|id| self.program.hubs().iter().find(|h| &h.id == id));
        html! {
            dl.facts {
                dt { (lang.t(T::Program)) }
                dd { (self.program.name()) }
                dt { (lang.t(T::When)) }
                dd { (when.unwrap_or_else(|| view.starts_at.to_rfc3339())) }
                dt { (lang.t(T::Where)) }
                dd {
                    @match hub {
                        Some(hub) => { (hub.name) ", " (hub.address.one_line()) }
                        None => { (lang.t(T::Online)) }
                    }
                }
                dt { (lang.t(T::Mode)) }
                dd { (mode_text(lang, view.mode)) }
                @if let (Some(min), Some(max)) = (view.level_min, view.level_max) {
                    dt { (lang.t(T::Level)) }
                    dd { (lang.level(min, max)) }
                }
                dt { (lang.t(T::Seats)) }
                dd.seats-left { (lang.seats_left(view.seats_left())) }
            }
        }
    }

    /// The session page: facts, who may take part, and the form (with `notice` above it).
    fn page_body(
        &self,
        lang: Lang,
        csrf: &Csrf,
        values: &FormValues,
        errors: &Errors,
        notice: Option<Markup>,
    ) -> Markup {
        html! {
            h1 { (self.view.title) }
            (self.facts(lang))
            h2 { (lang.t(T::WhoMayTakePart)) }
            @match self.program.eligibility() {
                Some(rule) => {
                    @let d = rule.describe();
                    p { (lang.pick(d.it(), d.en())) }
                }
                None => p { (lang.t(T::EveryoneMayTakePart)) }
            }
            h2 #iscrizione { (lang.t(T::RegisterHeading)) }
            @match window_now(&self.view) {
                _ if self.view.cancelled_at.is_some() => (self.cancelled_notice(lang)),
                WindowState::Open => {
                    @if let Some(notice) = notice { (notice) }
                    (self.form(lang, csrf, values, errors))
                }
                state => (self.closed_notice(lang, state)),
            }
        }
    }

    /// "Incontro annullato" instead of the form: staff cancelled the session.
    fn cancelled_notice(&self, lang: Lang) -> Markup {
        html! {
            div.notice.bad #session-cancelled role="status" {
                p { strong { (lang.t(T::SessionCancelled)) } }
                p { (lang.t(T::SessionCancelledText)) " " a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
            }
        }
    }

    /// "Iscrizioni chiuse", or when they open, instead of the form.
    fn closed_notice(&self, lang: Lang, state: WindowState) -> Markup {
        let opens = match state {
            WindowState::NotYetOpen { opens_at } => local_time(&self.view, opens_at),
            _ => None,
        };
        html! {
            div.notice.wait #registration-closed role="status" {
                @match opens {
                    Some(at) => {
                        p { strong { (lang.opens_from(at)) } }
                        p { (lang.t(T::RegistrationNotYetText)) }
                    }
                    None => {
                        p { strong { (lang.t(T::RegistrationClosed)) } }
                        p { (lang.t(T::RegistrationClosedText)) " " a href=(with_lang("/", lang)) { (lang.t(T::BackToCatalog)) } }
                    }
                }
            }
        }
    }

    fn form(&self, lang: Lang, csrf: &Csrf, values: &FormValues, errors: &Errors) -> Markup {
        let needs = &self.needs;
        html! {
            @if !errors.is_empty() {
                div.notice.bad role="alert" {
                    p { (lang.t(T::FormHasErrors)) }
                    ul {
                        @for name in FIELDS {
                            @if let Some(message) = errors.get(name) {
                                li { a href=(format!("#f-{name}")) { (label_of(lang, name)) ": " (lang.t(*message)) } }
                            }
                        }
                    }
                }
            }
            form method="post" action=(self.path()) novalidate {
                input type="hidden" name=(csrf::FIELD) value=(csrf.token());
                input type="hidden" name="lang" value=(lang.code());
                (text_field(lang, "name", "text", "name", &values.name, errors, None))
                (text_field(lang, "email", "email", "email", &values.email, errors, Some(T::EmailHint)))
                @if self.program.settings().codice_fiscale() == CodiceFiscaleRule::Required {
                    (text_field(lang, "codice_fiscale", "text", "off", &values.codice_fiscale, errors, Some(T::CodiceFiscaleHint)))
                }
                @if !needs.is_empty() {
                    fieldset {
                        legend { (lang.t(T::AboutYou)) }
                        p.hint { (lang.t(T::AboutYouHint)) }
                        @if needs.gender {
                            (select_field(lang, "gender", &values.gender, errors,
                                &GENDERS.iter().map(|(v, _, t)| ((*v).to_owned(), lang.t(*t).to_owned())).collect::<Vec<_>>()))
                        }
                        @if !needs.countries.is_empty() {
                            (select_field(lang, "country", &values.country, errors, &country_options(lang, &needs.countries)))
                        }
                        @if !needs.regions.is_empty() {
                            (select_field(lang, "region", &values.region, errors, &region_options(lang, &needs.regions)))
                        }
                        @if needs.birth_date {
                            (text_field(lang, "birth_date", "date", "bday", &values.birth_date, errors, Some(T::BirthDateHint)))
                        }
                        @if !needs.organisation_types.is_empty() {
                            (select_field(lang, "organisation_type", &values.organisation_type, errors, &organisation_options(lang)))
                        }
                        @if self.program.counts_organisations() {
                            (text_field(lang, "organisation_code", "text", "off", &values.organisation_code, errors, Some(T::OrganisationCodeHint)))
                        }
                        @if !needs.roles.is_empty() {
                            (checkboxes(lang, "roles", &needs.roles, &values.roles))
                        }
                        @if !needs.memberships.is_empty() {
                            (checkboxes(lang, "memberships", &needs.memberships, &values.memberships))
                        }
                    }
                }
                fieldset {
                    legend { (lang.t(T::Consent)) }
                    @let invalid = errors.contains_key("consent");
                    label.check for="f-consent" {
                        input #f-consent type="checkbox" name="consent" value="yes" checked[values.consent]
                            aria-invalid=[invalid.then_some("true")]
                            aria-describedby=[invalid.then_some("e-consent")];
                        span { (lang.t(T::ConsentText)) }
                    }
                    @if let Some(message) = errors.get("consent") {
                        p.error #e-consent { (lang.t(*message)) }
                    }
                }
                button type="submit" { (lang.t(T::Submit)) }
            }
        }
    }
}

/// The label of a field, as in the form.
fn label_of(lang: Lang, name: &str) -> &'static str {
    lang.t(match name {
        "name" => T::Name,
        "email" => T::Email,
        "codice_fiscale" => T::CodiceFiscale,
        "gender" => T::Gender,
        "country" => T::Country,
        "region" => T::Region,
        "birth_date" => T::BirthDate,
        "organisation_type" => T::OrganisationType,
        "organisation_code" => T::OrganisationCode,
        "roles" => T::Roles,
        "memberships" => T::Memberships,
        _ => T::Consent,
    })
}

fn text_field(
    lang: Lang,
    name: &'static str,
    kind: &str,
    autocomplete: &str,
    value: &str,
    errors: &Errors,
    hint: Option<T>,
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.get(name);
    let described: Vec<String> = hint
        .map(|_| format!("h-{name}"))
        .into_iter()
        .chain(error.map(|_| format!("e-{name}")))
        .collect();
    // The codice fiscale is shown only to a program that requires it.
    let required = matches!(name, "name" | "email" | "codice_fiscale");
    html! {
        div.field {
            label for=(id) { (label_of(lang, name)) }
            @if let Some(hint) = hint { p.hint id=(format!("h-{name}")) { (lang.t(hint)) } }
            input id=(id) type=(kind) name=(name) value=(value) autocomplete=(autocomplete)
                required[required]
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[(!described.is_empty()).then(|| described.join(" "))];
            @if let Some(message) = error { p.error id=(format!("e-{name}")) { (lang.t(*message)) } }
        }
    }
}

fn select_field(
    lang: Lang,
    name: &'static str,
    value: &str,
    errors: &Errors,
    options: &[(String, String)],
) -> Markup {
    let id = format!("f-{name}");
    let error = errors.get(name);
    html! {
        div.field {
            label for=(id) { (label_of(lang, name)) }
            select id=(id) name=(name)
                aria-invalid=[error.map(|_| "true")]
                aria-describedby=[error.map(|_| format!("e-{name}"))] {
                option value="" { (lang.t(T::NotDeclared)) }
                @for (v, label) in options {
                    option value=(v) selected[v == value] { (label) }
                }
            }
            @if let Some(message) = error { p.error id=(format!("e-{name}")) { (lang.t(*message)) } }
        }
    }
}

fn checkboxes(lang: Lang, name: &'static str, tags: &BTreeSet<Tag>, checked: &[String]) -> Markup {
    html! {
        fieldset {
            legend { (label_of(lang, name)) }
            @for tag in tags {
                @let id = format!("f-{name}-{tag}");
                @let (it, en) = tag_words(tag);
                label.check for=(id) {
                    input id=(id) type="checkbox" name=(name) value=(tag) checked[checked.iter().any(|c| c == tag.as_str())];
                    span { (lang.pick(&it, &en)) }
                }
            }
        }
    }
}

fn country_options(lang: Lang, named: &BTreeSet<Country>) -> Vec<(String, String)> {
    let mut all: BTreeSet<Country> = named.clone();
    all.extend(COUNTRIES.iter().filter_map(|c| Country::parse(c).ok()));
    let mut options: Vec<(String, String)> = all
        .into_iter()
        .map(|c| {
            let name = lang.pick(c.name_it(), c.name_en());
            let name = name.strip_prefix("the ").unwrap_or(name);
            (c.as_str().to_owned(), name.to_owned())
        })
        .collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    options
}

fn region_options(lang: Lang, named: &BTreeSet<Tag>) -> Vec<(String, String)> {
    let mut options: BTreeMap<String, String> = italian_regions()
        .into_iter()
        .map(|(tag, it, en)| (tag.to_string(), lang.pick(&it, &en).to_owned()))
        .collect();
    for tag in named {
        let (it, en) = region_words(tag);
        // A rule's own tag wins over the generic slug of the same region.
        options.retain(|_, label| *label != lang.pick(&it, &en));
        options.insert(tag.to_string(), lang.pick(&it, &en).to_owned());
    }
    let mut options: Vec<(String, String)> = options.into_iter().collect();
    options.sort_by(|a, b| a.1.cmp(&b.1));
    options
}

fn organisation_options(lang: Lang) -> Vec<(String, String)> {
    ORGANISATION_TYPES
        .iter()
        .filter_map(|name| {
            let kind = parse_enum::<OrganisationType>(name)?;
            Some((
                (*name).to_owned(),
                lang.pick(kind.it(), kind.en()).to_owned(),
            ))
        })
        .collect()
}

fn parse_enum<E: serde::de::DeserializeOwned>(name: &str) -> Option<E> {
    serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
}

/// Problems with the form, by field name, each an entry of the catalog.
type Errors = BTreeMap<&'static str, T>;

/// What the person typed, kept to fill the form again.
#[derive(Debug, Default)]
struct FormValues {
    name: String,
    email: String,
    codice_fiscale: String,
    gender: String,
    country: String,
    region: String,
    birth_date: String,
    organisation_type: String,
    organisation_code: String,
    roles: Vec<String>,
    memberships: Vec<String>,
    consent: bool,
}

impl FormValues {
    fn from_fields(fields: &[(String, String)]) -> FormValues {
        let mut values = FormValues::default();
        for (name, value) in fields {
            let value = value.trim().to_owned();
            match name.as_str() {
                "name" => values.name = value,
                "email" => values.email = value,
                "codice_fiscale" => values.codice_fiscale = value,
                "gender" => values.gender = value,
                "country" => values.country = value,
                "region" => values.region = value,
                "birth_date" => values.birth_date = value,
                "organisation_type" => values.organisation_type = value,
                "organisation_code" => values.organisation_code = value,
                "roles" if !value.is_empty() => values.roles.push(value),
                "memberships" if !value.is_empty() => values.memberships.push(value),
                "consent" => values.consent = value == "yes",
                _ => {}
            }
        }
        values
    }

    /// The person, or every problem found; `rule` says whether the program requires the
    /// codice fiscale.
    fn person(&self, rule: CodiceFiscaleRule) -> Result<Person, Errors> {
        let mut errors = Errors::new();
        let name = required(&self.name, &mut errors, "name", T::BadName, |t| {
            PersonName::parse(t).ok()
        });
        let email = required(&self.email, &mut errors, "email", T::BadEmail, |t| {
            Email::parse(t).ok()
        });
        let codice_fiscale = optional(
            &self.codice_fiscale,
            &mut errors,
            "codice_fiscale",
            T::BadCodiceFiscale,
            |t| CodiceFiscale::parse(t).ok(),
        );
        let attributes = Attributes {
            gender: optional(&self.gender, &mut errors, "gender", T::BadChoice, |t| {
                GENDERS.iter().find(|(v, _, _)| *v == t).map(|(_, g, _)| *g)
            }),
            country: optional(&self.country, &mut errors, "country", T::BadChoice, |t| {
                Country::parse(t).ok()
            }),
            region: optional(&self.region, &mut errors, "region", T::BadChoice, |t| {
                t.parse().ok()
            }),
            birth_date: optional(
                &self.birth_date,
                &mut errors,
                "birth_date",
                T::BadDate,
                parse_date,
            ),
            organisation_type: optional(
                &self.organisation_type,
                &mut errors,
                "organisation_type",
                T::BadChoice,
                parse_enum,
            ),
            organisation_code: optional(
                &self.organisation_code,
                &mut errors,
                "organisation_code",
                T::BadOrganisationCode,
                |t| FiscalCode::parse(t).ok(),
            ),
            roles: tags(&self.roles, &mut errors, "roles"),
            memberships: tags(&self.memberships, &mut errors, "memberships"),
        };
        if !self.consent {
            errors.insert("consent", T::ConsentRequired);
        }
        match (name, email) {
            (Some(name), Some(email)) if errors.is_empty() => {
                let person = Person {
                    name,
                    email,
                    attributes,
                    codice_fiscale,
                };
                match rule.check(&person) {
                    Ok(()) => Ok(person),
                    Err(problem) => {
                        errors.insert(
                            "codice_fiscale",
                            match problem {
                                CodiceFiscaleProblem::NotTheBirthDate { .. } => {
                                    T::CodiceFiscaleNotBirthDate
                                }
                                _ => T::Required,
                            },
                        );
                        Err(errors)
                    }
                }
            }
            _ => Err(errors),
        }
    }
}

fn required<V>(
    text: &str,
    errors: &mut Errors,
    name: &'static str,
    bad: T,
    parse: impl FnOnce(&str) -> Option<V>,
) -> Option<V> {
    if text.is_empty() {
        errors.insert(name, T::Required);
        return None;
    }
    let parsed = parse(text);
    if parsed.is_none() {
        errors.insert(name, bad);
    }
    parsed
}

fn optional<V>(
    text: &str,
    errors: &mut Errors,
    name: &'static str,
    bad: T,
    parse: impl FnOnce(&str) -> Option<V>,
) -> Option<V> {
    if text.is_empty() {
        return None;
    }
    required(text, errors, name, bad, parse)
}

fn tags(values: &[String], errors: &mut Errors, name: &'static str) -> BTreeSet<Tag> {
    let mut set = BTreeSet::new();
    for value in values {
        match value.parse::<Tag>() {
            Ok(tag) => {
                set.insert(tag);
            }
            Err(_) => {
                errors.insert(name, T::BadChoice);
            }
        }
    }
    set
}

/// `1990-02-28` (what `<input type="date">` sends) or `28/02/1990` (what people type).
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn every_problem_is_reported_by_field() {
        let values = FormValues::from_fields(&fields(&[
            ("name", "  "),
            ("email", "anna@"),
            ("gender", "robot"),
            ("birth_date", "31/02/1990"),
            ("roles", "Not A Tag!"),
        ]));
        let errors = values.person(CodiceFiscaleRule::NotAsked).unwrap_err();
        let found: Vec<(&str, T)> = errors.into_iter().collect();
        assert_eq!(
            found,
            [
                ("birth_date", T::BadDate),
                ("consent", T::ConsentRequired),
                ("email", T::BadEmail),
                ("gender", T::BadChoice),
                ("name", T::Required),
                ("roles", T::BadChoice),
            ]
        );
    }

    #[test]
    fn a_good_form_is_a_person() {
        let values = FormValues::from_fields(&fields(&[
            ("name", "Anna Rossi"),
            ("email", "anna@example.it"),
            ("gender", "female"),
            ("country", "it"),
            ("birth_date", "28/02/1990"),
            ("organisation_type", "social_cooperative"),
            ("memberships", "albo_cooperative"),
            ("consent", "yes"),
        ]));
        let person = values.person(CodiceFiscaleRule::NotAsked).unwrap();
        assert_eq!(person.attributes.country.unwrap().as_str(), "IT");
        assert_eq!(
            person.attributes.birth_date,
            NaiveDate::from_ymd_opt(1990, 2, 28)
        );
        assert_eq!(
            person.attributes.organisation_type,
            Some(OrganisationType::SocialCooperative)
        );
        assert_eq!(person.attributes.memberships.len(), 1);
    }

    /// A program that requires the codice fiscale: the form says which field is missing or
    /// wrong, and a good code (any case) becomes the person's.
    #[test]
    fn the_codice_fiscale_a_program_requires() {
        let form = |code: &str, born: &str| {
            FormValues::from_fields(&fields(&[
                ("name", "Mario Rossi"),
                ("email", "mario@example.it"),
                ("codice_fiscale", code),
                ("birth_date", born),
                ("consent", "yes"),
            ]))
        };
        let required = CodiceFiscaleRule::Required;
        let problem = |code: &str, born: &str| {
            form(code, born)
                .person(required)
                .unwrap_err()
                .into_iter()
                .collect::<Vec<_>>()
        };
        assert_eq!(problem("", ""), [("codice_fiscale", T::Required)]);
        assert_eq!(
            problem("RSSMRA85T10A562T", ""),
            [("codice_fiscale", T::BadCodiceFiscale)]
        );
        assert_eq!(
            problem("RSSMRA85T10A562S", "1985-12-11"),
            [("codice_fiscale", T::CodiceFiscaleNotBirthDate)]
        );
        let person = form(" rssmra85t10a562s ", "1985-12-10")
            .person(required)
            .unwrap();
        assert_eq!(
            person.codice_fiscale.map(|c| c.as_str().to_owned()),
            Some("RSSMRA85T10A562S".to_owned())
        );
        // A program that does not ask takes the form without it.
        assert!(form("", "").person(CodiceFiscaleRule::NotAsked).is_ok());
    }
}
