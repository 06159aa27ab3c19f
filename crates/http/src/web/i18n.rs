//! Every string of the web pages, in Italian and English, in one catalog ([`T`]), and how a
//! request picks its language: `?lang=it|en` first, then `Accept-Language`, else Italian.
//!
//! The language is core's [`Lang`], which also says dates (`martedì 12 febbraio 2019,
//! 9:30–13:30`, `Tuesday 12 February 2019, 9:30–13:30`) the way the messages do; the phrases only
//! pages use are the [`Speak`] trait's.

use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use chrono::NaiveDateTime;
/// The language of a page: core's, so that pages and messages say dates the same way.
pub(crate) use skillhub_core::lang::Lang;

/// What the pages say beyond core's dates: the catalog's texts and the page-only phrases.
pub(crate) trait Speak: Sized {
    /// `?lang=` when given (`it`/`en`, any case), else the best of `Accept-Language`, else Italian.
    fn choose(query: Option<&str>, headers: &HeaderMap) -> Self;
    /// The text of `t` in this language.
    fn t(self, t: T) -> &'static str;
    /// Seats still free, or the waiting list when there are none.
    fn seats_left(self, n: i64) -> String;
    /// `lista d'attesa, posizione 3`.
    fn waitlisted_at(self, position: u32) -> String;
    /// `livello DigComp 2–4` (or one level).
    fn level(self, min: i64, max: i64) -> String;
    /// When registration opens, as a notice: `Iscrizioni aperte dal martedì 12 febbraio 2030,
    /// ore 9:30`.
    fn opens_from(self, at: NaiveDateTime) -> String;
    /// How many registrations an erasure anonymised.
    fn erased(self, n: usize) -> String;
    /// Until when a data link works (Italian time), and that it is personal.
    fn valid_until(self, at: NaiveDateTime) -> String;
    /// A held seat: check the mailbox and follow the link by `until` (local time, if known).
    fn check_mailbox(self, until: Option<NaiveDateTime>) -> String;
}

/// `it` or `en` with a region or spaces around, as a query or a header gives it.
fn parse(text: &str) -> Option<Lang> {
    text.trim().parse().ok()
}

impl Speak for Lang {
    fn choose(query: Option<&str>, headers: &HeaderMap) -> Lang {
        if let Some(lang) = query.and_then(parse) {
            return lang;
        }
        headers
            .get(ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .and_then(from_accept_language)
            .unwrap_or_default()
    }

    fn t(self, t: T) -> &'static str {
        let (it, en) = t.pair();
        self.pick(it, en)
    }

    fn seats_left(self, n: i64) -> String {
        match (self, n) {
            (_, n) if n <= 0 => self.t(T::SoldOut).to_owned(),
            (Lang::It, 1) => "1 posto libero".to_owned(),
            (Lang::It, n) => format!("{n} posti liberi"),
            (Lang::En, 1) => "1 seat left".to_owned(),
            (Lang::En, n) => format!("{n} seats left"),
        }
    }

    fn waitlisted_at(self, position: u32) -> String {
        match self {
            Lang::It => format!("lista d'attesa, posizione {position}"),
            Lang::En => format!("waiting list, position {position}"),
        }
    }

    fn level(self, min: i64, max: i64) -> String {
        let range = if min == max {
            min.to_string()
        } else {
            format!("{min}–{max}")
        };
        match self {
            Lang::It => format!("livello DigComp {range}"),
            Lang::En => format!("DigComp level {range}"),
        }
    }

    fn opens_from(self, at: NaiveDateTime) -> String {
        match self {
            Lang::It => format!(
                "Iscrizioni aperte dal {}, ore {}",
                self.date(at.date()),
                self.clock(at)
            ),
            Lang::En => format!(
                "Registration opens on {}, at {}",
                self.date(at.date()),
                self.clock(at)
            ),
        }
    }

    fn erased(self, n: usize) -> String {
        match (self, n) {
            (Lang::It, 1) => "Abbiamo cancellato i dati personali di 1 iscrizione.".to_owned(),
            (Lang::It, n) => format!("Abbiamo cancellato i dati personali di {n} iscrizioni."),
            (Lang::En, 1) => "We erased the personal data of 1 registration.".to_owned(),
            (Lang::En, n) => format!("We erased the personal data of {n} registrations."),
        }
    }

    fn valid_until(self, at: NaiveDateTime) -> String {
        match self {
            Lang::It => format!(
                "Questo link vale fino al {}, ore {} (ora italiana). È personale: non inoltrarlo.",
                self.date(at.date()),
                self.clock(at)
            ),
            Lang::En => format!(
                "This link works until {}, at {} (Italian time). It is personal: do not forward it.",
                self.date(at.date()),
                self.clock(at)
            ),
        }
    }

    fn check_mailbox(self, until: Option<NaiveDateTime>) -> String {
        let by = until.map(|at| self.moment(at));
        match (self, by) {
            (Lang::It, Some(by)) => format!(
                "Controlla la tua casella di posta: ti abbiamo scritto un link per confermare il tuo indirizzo. Il posto è tenuto per te fino a {by}; se non confermi entro allora, passa alla persona successiva."
            ),
            (Lang::It, None) => "Controlla la tua casella di posta: ti abbiamo scritto un link per confermare il tuo indirizzo. Se non confermi in tempo, il posto passa alla persona successiva.".to_owned(),
            (Lang::En, Some(by)) => format!(
                "Check your mailbox: we have sent you a link to confirm your address. The seat is held for you until {by}; if you do not confirm by then, it goes to the next person."
            ),
            (Lang::En, None) => "Check your mailbox: we have sent you a link to confirm your address. If you do not confirm in time, the seat goes to the next person.".to_owned(),
        }
    }
}

/// The first language of `Accept-Language` we speak, by descending `q` (ties in header order).
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let Some(lang) = parts.next().and_then(parse) else {
            continue;
        };
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// The catalog: each fixed text of the pages, with its Italian and English wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum T {
    SiteTitle,
    SkipToContent,
    OtherLanguage,
    Footer,
    CatalogHeading,
    CatalogIntro,
    Programs,
    Filters,
    Program,
    Hub,
    Month,
    Level,
    Any,
    Filter,
    ClearFilters,
    UpcomingSessions,
    NoSessions,
    NoSessionsAtAll,
    Online,
    InPerson,
    Hybrid,
    SoldOut,
    RegisterHeading,
    When,
    Where,
    Mode,
    Seats,
    WhoMayTakePart,
    EveryoneMayTakePart,
    Name,
    Email,
    EmailHint,
    CodiceFiscale,
    CodiceFiscaleHint,
    BadCodiceFiscale,
    OrganisationCode,
    OrganisationCodeHint,
    BadOrganisationCode,
    CodiceFiscaleNotBirthDate,
    Gender,
    Female,
    Male,
    NonBinary,
    Country,
    Region,
    BirthDate,
    BirthDateHint,
    OrganisationType,
    Roles,
    Memberships,
    AboutYou,
    AboutYouHint,
    NotDeclared,
    Consent,
    ConsentText,
    Submit,
    FormHasErrors,
    Required,
    BadEmail,
    BadName,
    BadDate,
    BadChoice,
    ConsentRequired,
    Confirmed,
    ConfirmedText,
    Held,
    Expired,
    ExpiredText,
    ConfirmHeading,
    ConfirmText,
    ConfirmButton,
    ConfirmedAddressText,
    ExpiredHeading,
    WaitlistedText,
    WaitingForDrawText,
    NotEligible,
    NotEligibleText,
    CanAddInformation,
    AlreadyRegistered,
    ManageHeading,
    ManageLinkIntro,
    ManageLinkKeep,
    Status,
    Cancelled,
    Attended,
    NoShow,
    DownloadIcs,
    CancelHeading,
    /// The heading over a confirmed person's check-in code.
    CheckinHeading,
    /// What to do with the check-in code.
    CheckinText,
    /// The check-in code's label for screen readers.
    CheckinLabel,
    CancelText,
    CancelButton,
    YourData,
    YourDataText,
    DownloadData,
    EraseHeading,
    RegistrationClosed,
    RegistrationClosedText,
    SessionCancelled,
    SessionCancelledText,
    RegistrationNotYetText,
    EraseText,
    EraseButton,
    EraseConfirm,
    EraseConfirmRequired,
    ErasedHeading,
    BackToCatalog,
    BackToSession,
    NotFoundHeading,
    NotFoundText,
    BadLinkHeading,
    BadLinkText,
    CsrfHeading,
    CsrfText,
    TooManyHeading,
    TooManyText,
    LostLinkFooter,
    MyDataFooter,
    LostHeading,
    LostIntro,
    LostButton,
    LostSent,
    RequestHeading,
    RequestAfter,
    MyDataHeading,
    MyDataIntro,
    MyDataButton,
    MyDataSent,
    DataRegistrations,
    DataNone,
    DataRegisteredOn,
    DataDownload,
    DataEraseHeading,
    DataEraseText,
    DataGoneHeading,
    DataGoneText,
    DataUnknownHeading,
    DataUnknownText,
    AskAgain,
    ErrorHeading,
    ErrorText,
}

impl T {
    /// `(Italian, English)`.
    fn pair(self) -> (&'static str, &'static str) {
        match self {
            T::SiteTitle => (
                "Corsi gratuiti di competenze digitali",
                "Free digital skills courses",
            ),
            T::SkipToContent => ("Vai al contenuto", "Skip to content"),
            T::OtherLanguage => ("English", "Italiano"),
            T::Footer => (
                "skillhub — iscrizioni agli incontri gratuiti di formazione digitale.",
                "skillhub — registration for free digital skills sessions.",
            ),
            T::CatalogHeading => (
                "Corsi gratuiti di competenze digitali",
                "Free digital skills courses",
            ),
            T::CatalogIntro => (
                "Posti limitati: ci si iscrive fino a esaurimento posti, poi in lista d'attesa. Quando si libera un posto passa alla prima persona in lista.",
                "Seats are limited: registration is open until they run out, then there is a waiting list. A freed seat goes to the first person on the list.",
            ),
            T::Programs => ("Programmi", "Programmes"),
            T::Filters => ("Cerca un incontro", "Find a session"),
            T::Program => ("Programma", "Programme"),
            T::Hub => ("Sede", "Hub"),
            T::Month => ("Mese", "Month"),
            T::Level => ("Livello DigComp", "DigComp level"),
            T::Any => ("Tutti", "All"),
            T::Filter => ("Mostra", "Show"),
            T::ClearFilters => ("Togli i filtri", "Clear filters"),
            T::UpcomingSessions => ("Prossimi incontri", "Upcoming sessions"),
            T::NoSessions => (
                "Nessun incontro in programma con questi filtri.",
                "No sessions scheduled with these filters.",
            ),
            T::NoSessionsAtAll => (
                "Al momento non ci sono incontri in programma.",
                "No sessions are scheduled at the moment.",
            ),
            T::Online => ("online", "online"),
            T::InPerson => ("in presenza", "in person"),
            T::Hybrid => ("in presenza e online", "in person and online"),
            T::SoldOut => (
                "posti esauriti — lista d'attesa",
                "fully booked — waiting list",
            ),
            T::RegisterHeading => ("Iscrizione", "Registration"),
            T::When => ("Quando", "When"),
            T::Where => ("Dove", "Where"),
            T::Mode => ("Modalità", "Mode"),
            T::Seats => ("Posti", "Seats"),
            T::WhoMayTakePart => ("Chi può partecipare", "Who may take part"),
            T::EveryoneMayTakePart => ("Aperto a tutti.", "Open to everyone."),
            T::Name => ("Nome e cognome", "Name and surname"),
            T::Email => ("Indirizzo e-mail", "E-mail address"),
            T::EmailHint => (
                "Una sola iscrizione per indirizzo a ogni incontro.",
                "One registration per address for each session.",
            ),
            T::CodiceFiscale => ("Codice fiscale", "Codice fiscale (Italian tax code)"),
            T::CodiceFiscaleHint => (
                "Il programma lo richiede: 16 caratteri, come sulla tessera sanitaria.",
                "The programme requires it: 16 characters, as on the Italian health card.",
            ),
            T::BadCodiceFiscale => (
                "Questo codice fiscale non è valido: controlla i 16 caratteri, l'ultimo è una lettera di controllo.",
                "This codice fiscale is not valid: check its 16 characters, the last one is a check letter.",
            ),
            T::CodiceFiscaleNotBirthDate => (
                "Il codice fiscale non corrisponde alla data di nascita indicata.",
                "The codice fiscale does not match the date of birth given.",
            ),
            T::Gender => ("Genere", "Gender"),
            T::Female => ("donna", "woman"),
            T::Male => ("uomo", "man"),
            T::NonBinary => ("non binario", "non-binary"),
            T::Country => ("Paese di residenza", "Country of residence"),
            T::Region => ("Regione di residenza", "Region of residence"),
            T::BirthDate => ("Data di nascita", "Date of birth"),
            T::BirthDateHint => ("Per esempio 28/02/1990.", "For example 1990-02-28."),
            T::OrganisationType => ("Tipo di organizzazione", "Kind of organisation"),
            T::OrganisationCode => (
                "Partita IVA o codice fiscale dell'organizzazione",
                "The organisation's partita IVA or codice fiscale",
            ),
            T::OrganisationCodeHint => (
                "Se partecipi per una PMI, una cooperativa o un ente no profit: così l'organizzazione conta una volta sola, qualunque sia il numero dei suoi partecipanti.",
                "If you take part for an SME, a cooperative or a non-profit: so the organisation counts once, however many of its people take part.",
            ),
            T::BadOrganisationCode => (
                "Questo codice non è valido: una partita IVA o un codice fiscale numerico ha 11 cifre, l'ultima di controllo; un codice fiscale personale 16 caratteri.",
                "This code is not valid: a partita IVA or a numeric codice fiscale has 11 digits, the last a check digit; a personal codice fiscale 16 characters.",
            ),
            T::Roles => ("Ruoli", "Roles"),
            T::Memberships => ("Iscrizioni ad albi o enti", "Memberships"),
            T::AboutYou => ("Requisiti e priorità", "Requirements and priority"),
            T::AboutYouHint => (
                "Il programma chiede questi dati per sapere se puoi partecipare e chi ha la precedenza in lista d'attesa.",
                "The programme asks for these to know whether you may take part and who goes first on the waiting list.",
            ),
            T::NotDeclared => ("preferisco non dirlo", "I prefer not to say"),
            T::Consent => (
                "Consenso al trattamento dei dati",
                "Consent to data processing",
            ),
            T::ConsentText => (
                "Acconsento al trattamento dei miei dati personali per gestire l'iscrizione. Potrò scaricarli o cancellarli in ogni momento dal link di gestione.",
                "I consent to the processing of my personal data to manage the registration. I can download or erase them at any time from the manage link.",
            ),
            T::Submit => ("Invia l'iscrizione", "Send the registration"),
            T::FormHasErrors => ("Il modulo contiene errori:", "The form has errors:"),
            T::Required => ("Campo obbligatorio.", "This field is required."),
            T::BadEmail => (
                "Scrivi un indirizzo e-mail valido, per esempio nome@esempio.it.",
                "Write a valid e-mail address, for example name@example.org.",
            ),
            T::BadName => (
                "Scrivi nome e cognome (al massimo 200 caratteri).",
                "Write your name and surname (at most 200 characters).",
            ),
            T::BadDate => (
                "Scrivi una data valida, per esempio 28/02/1990.",
                "Write a valid date, for example 1990-02-28.",
            ),
            T::BadChoice => (
                "Scegli una delle voci dell'elenco.",
                "Choose one of the listed options.",
            ),
            T::ConsentRequired => (
                "Per iscriverti serve il consenso al trattamento dei dati.",
                "Registering needs your consent to data processing.",
            ),
            T::Confirmed => ("confermato", "confirmed"),
            T::ConfirmedText => (
                "Iscrizione confermata: hai un posto.",
                "Registration confirmed: you have a seat.",
            ),
            T::WaitlistedText => (
                "I posti sono esauriti: sei in lista d'attesa. Se si libera un posto passa a te, nell'ordine della lista.",
                "The seats are taken: you are on the waiting list. When a seat frees up it goes to the list in order.",
            ),
            T::WaitingForDrawText => (
                "I posti di questo incontro si assegnano con un sorteggio alla chiusura delle iscrizioni (con precedenza a chi ne ha diritto): sei in attesa del sorteggio.",
                "This session's seats are given by a draw when registration closes (priority first): you are waiting for the draw.",
            ),
            T::NotEligible => (
                "Non puoi iscriverti a questo incontro",
                "You cannot register for this session",
            ),
            T::NotEligibleText => (
                "Il programma non lo permette perché:",
                "The programme does not allow it because:",
            ),
            T::CanAddInformation => (
                "Se mancano dei dati, puoi aggiungerli nel modulo qui sotto e riprovare.",
                "If some information is missing, you can add it in the form below and try again.",
            ),
            T::AlreadyRegistered => (
                "Questo indirizzo e-mail è già iscritto a questo incontro. Usa il link di gestione che hai ricevuto all'iscrizione.",
                "This e-mail address is already registered for this session. Use the manage link you were given when you registered.",
            ),
            T::ManageHeading => ("La tua iscrizione", "Your registration"),
            T::ManageLinkIntro => ("Il tuo link di gestione", "Your manage link"),
            T::ManageLinkKeep => (
                "Conserva questo link: serve per vedere lo stato dell'iscrizione, scaricare l'incontro nel calendario, annullare o cancellare i tuoi dati. Non ti chiederemo l'e-mail.",
                "Keep this link: it lets you see the registration's status, add the session to your calendar, cancel, or erase your data. We will not ask for your e-mail.",
            ),
            T::Status => ("Stato", "Status"),
            T::Cancelled => ("annullata", "cancelled"),
            T::Attended => ("presente", "attended"),
            T::NoShow => ("assente", "did not attend"),
            T::Held => (
                "posto tenuto in attesa di conferma",
                "seat held until you confirm",
            ),
            T::Expired => ("scaduta", "expired"),
            T::ExpiredText => (
                "L'indirizzo e-mail non è stato confermato in tempo: il posto è stato liberato ed è passato alla persona successiva. Puoi iscriverti di nuovo dalla pagina dell'incontro, se ci sono ancora posti.",
                "The e-mail address was not confirmed in time: the seat was released and went to the next person. You can register again from the session's page while seats remain.",
            ),
            T::ConfirmHeading => ("Conferma il tuo indirizzo", "Confirm your address"),
            T::ConfirmText => (
                "Per tenere il posto, conferma che questo indirizzo e-mail è tuo.",
                "To keep your seat, confirm that this e-mail address is yours.",
            ),
            T::ConfirmButton => ("Confermo il mio indirizzo", "I confirm my address"),
            T::ConfirmedAddressText => (
                "Indirizzo confermato: il posto è tuo. Ti abbiamo scritto la conferma con l'invito per il calendario.",
                "Address confirmed: the seat is yours. We have sent you the confirmation with a calendar invitation.",
            ),
            T::ExpiredHeading => ("Il posto è stato liberato", "The seat was released"),
            T::DownloadIcs => ("Aggiungi al calendario (.ics)", "Add to calendar (.ics)"),
            T::CancelHeading => ("Annulla l'iscrizione", "Cancel the registration"),
            T::CheckinHeading => ("Il tuo codice per l'ingresso", "Your check-in code"),
            T::CheckinText => (
                "All'ingresso mostra questo codice dal telefono (o stampato): chi ti accoglie lo inquadra e segna la tua presenza. Il codice non apre questa pagina a nessuno.",
                "At the door, show this code on your phone (or printed): the staff scan it and record your presence. The code opens this page to nobody.",
            ),
            T::CheckinLabel => (
                "Codice QR per l'ingresso all'incontro",
                "QR code to check in at the session",
            ),
            T::CancelText => (
                "Se annulli, il posto passa alla prima persona in lista d'attesa. Non si torna indietro.",
                "If you cancel, your seat goes to the first person on the waiting list. This cannot be undone.",
            ),
            T::CancelButton => ("Annulla l'iscrizione", "Cancel the registration"),
            T::YourData => ("I tuoi dati", "Your data"),
            T::YourDataText => (
                "Puoi scaricare i dati che conserviamo su questa iscrizione (file JSON): l'iscrizione, l'incontro e il suo registro. Per i dati di altre iscrizioni usa il link di ciascuna.",
                "You can download the data we hold about this registration (a JSON file): the registration, its session and its log. For other registrations, use each one's own link.",
            ),
            T::DownloadData => ("Scarica i miei dati (JSON)", "Download my data (JSON)"),
            T::EraseHeading => ("Cancella i miei dati", "Erase my data"),
            T::RegistrationClosed => ("Iscrizioni chiuse", "Registration closed"),
            T::RegistrationClosedText => (
                "Questo incontro non accetta più iscrizioni. Guarda gli altri incontri in programma.",
                "This session no longer takes registrations. See the other upcoming sessions.",
            ),
            T::SessionCancelled => ("Incontro annullato", "Session cancelled"),
            T::SessionCancelledText => (
                "Gli organizzatori hanno annullato questo incontro: non si terrà. Chi era iscritto ha ricevuto un messaggio. Guarda gli altri incontri in programma.",
                "The organisers cancelled this session: it will not take place. Everyone registered was told by e-mail. See the other upcoming sessions.",
            ),
            T::RegistrationNotYetText => (
                "Il modulo di iscrizione comparirà qui quando le iscrizioni saranno aperte.",
                "The registration form will appear here when registration opens.",
            ),
            T::EraseText => (
                "Cancelliamo nome, e-mail e dati dichiarati da questa iscrizione; se è ancora attiva la annulliamo prima, così il posto passa alla persona successiva. Questo link smette di funzionare.",
                "We erase name, e-mail and declared data from this registration; if it is still live we cancel it first, so the seat goes to the next person. This link stops working.",
            ),
            T::EraseButton => ("Cancella i miei dati", "Erase my data"),
            T::EraseConfirm => (
                "Ho capito: la cancellazione è definitiva.",
                "I understand: erasure cannot be undone.",
            ),
            T::EraseConfirmRequired => (
                "Per cancellare i dati spunta la conferma.",
                "To erase your data, tick the confirmation.",
            ),
            T::ErasedHeading => ("Dati cancellati", "Data erased"),
            T::BackToCatalog => ("Torna agli incontri", "Back to the sessions"),
            T::BackToSession => ("Torna all'incontro", "Back to the session"),
            T::NotFoundHeading => ("Pagina non trovata", "Page not found"),
            T::NotFoundText => (
                "Questa pagina non esiste, o l'incontro non è più in programma.",
                "This page does not exist, or the session is no longer scheduled.",
            ),
            T::BadLinkHeading => ("Link non valido", "Invalid link"),
            T::BadLinkText => (
                "Questo link di gestione non è valido: controlla di averlo copiato per intero. Se hai cancellato i tuoi dati, il link non funziona più.",
                "This manage link is not valid: check that you copied all of it. If you erased your data, the link no longer works.",
            ),
            T::CsrfHeading => ("Modulo scaduto", "Form expired"),
            T::CsrfText => (
                "Non possiamo accettare il modulo: torna alla pagina, ricaricala e invialo di nuovo.",
                "We cannot accept the form: go back to the page, reload it and send it again.",
            ),
            T::TooManyHeading => ("Troppe richieste", "Too many requests"),
            T::TooManyText => (
                "Sono arrivate troppe richieste da questo indirizzo. Riprova tra un minuto.",
                "Too many requests came from this address. Try again in a minute.",
            ),
            T::LostLinkFooter => (
                "Hai perso il link della tua iscrizione?",
                "Lost the link to your registration?",
            ),
            T::MyDataFooter => ("I miei dati", "My data"),
            T::LostHeading => ("Ho perso il link", "I lost my link"),
            T::LostIntro => (
                "Scrivi l'indirizzo e-mail con cui ti sei iscritto o iscritta: se ha iscrizioni attive, gli mandiamo un messaggio con il link di gestione di ciascuna. Il messaggio arriva solo a quell'indirizzo.",
                "Write the e-mail address you registered with: if it has live registrations, we send it a message with the manage link of each one. The message goes to that address only.",
            ),
            T::LostButton => ("Mandami i link", "Send me the links"),
            T::LostSent => (
                "Se l'indirizzo ha iscrizioni attive, ti abbiamo scritto un messaggio con i link.",
                "If the address has live registrations, we have sent it a message with the links.",
            ),
            T::RequestHeading => ("Richiesta ricevuta", "Request received"),
            T::RequestAfter => (
                "Il messaggio può impiegare qualche minuto ad arrivare: se non lo trovi, guarda nella posta indesiderata.",
                "The message may take a few minutes to arrive: if you cannot find it, look in your spam folder.",
            ),
            T::MyDataHeading => ("I miei dati", "My data"),
            T::MyDataIntro => (
                "Puoi vedere, scaricare o cancellare tutto quello che conserviamo sul tuo indirizzo e-mail. Scrivi l'indirizzo: se conserviamo dati su di esso, gli mandiamo un link personale che vale un'ora.",
                "You can see, download or erase everything we hold about your e-mail address. Write the address: if we hold data about it, we send it a personal link valid for one hour.",
            ),
            T::MyDataButton => ("Mandami il link", "Send me the link"),
            T::MyDataSent => (
                "Se conserviamo dati su questo indirizzo, ti abbiamo scritto un messaggio con un link che vale un'ora.",
                "If we hold data about this address, we have sent it a message with a link valid for one hour.",
            ),
            T::DataRegistrations => ("Iscrizioni", "Registrations"),
            T::DataNone => (
                "Non conserviamo iscrizioni per questo indirizzo.",
                "We hold no registrations for this address.",
            ),
            T::DataRegisteredOn => ("Iscrizione del", "Registered on"),
            T::DataDownload => (
                "Scarica tutti i dati (JSON)",
                "Download all the data (JSON)",
            ),
            T::DataEraseHeading => ("Cancella tutti i miei dati", "Erase all my data"),
            T::DataEraseText => (
                "Cancelliamo nome, e-mail e dati dichiarati da tutte le iscrizioni di questo indirizzo; quelle ancora attive le annulliamo prima, così i posti passano alle persone in lista d'attesa. Questo link smette di funzionare.",
                "We erase name, e-mail and declared data from every registration of this address; live ones are cancelled first, so their seats go to the people waiting. This link stops working.",
            ),
            T::DataGoneHeading => ("Link scaduto", "Link expired"),
            T::DataGoneText => (
                "Questo link non vale più: vale un'ora, e non dopo una cancellazione dei dati.",
                "This link no longer works: it is valid for one hour, and not after the data were erased.",
            ),
            T::DataUnknownHeading => ("Link non valido", "Invalid link"),
            T::DataUnknownText => (
                "Questo link non è valido: controlla di averlo copiato per intero.",
                "This link is not valid: check that you copied all of it.",
            ),
            T::AskAgain => ("Chiedi un nuovo link", "Ask for a new link"),
            T::ErrorHeading => ("Qualcosa non ha funzionato", "Something went wrong"),
            T::ErrorText => (
                "Non siamo riusciti a completare la richiesta. Riprova tra poco.",
                "We could not complete the request. Please try again shortly.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn query_then_accept_language_then_italian() {
        let check = |query: Option<&str>, accept: Option<&str>, expected: Lang| {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_str(accept).unwrap());
            }
            assert_eq!(
                Lang::choose(query, &headers),
                expected,
                "{query:?} {accept:?}"
            );
        };
        check(None, None, Lang::It);
        check(Some("en"), Some("it"), Lang::En);
        check(Some("EN-gb"), None, Lang::En);
        check(Some("fr"), Some("en-US,en;q=0.9"), Lang::En);
        check(None, Some("fr-FR,fr;q=0.9,en;q=0.8,it;q=0.7"), Lang::En);
        check(None, Some("en;q=0.5, it;q=0.9"), Lang::It);
        check(None, Some("de, en;q=0"), Lang::It);
        check(None, Some("garbage;;q=x"), Lang::It);
    }

    #[test]
    fn dates_in_both_languages() {
        let day = chrono::NaiveDate::from_ymd_opt(2019, 2, 12).unwrap();
        let (start, end) = (
            day.and_hms_opt(9, 30, 0).unwrap(),
            day.and_hms_opt(13, 30, 0).unwrap(),
        );
        assert_eq!(
            Lang::It.span(start, end),
            "martedì 12 febbraio 2019, 9:30–13:30"
        );
        assert_eq!(
            Lang::En.span(start, end),
            "Tuesday 12 February 2019, 9:30–13:30"
        );
        assert_eq!(Lang::It.month(2019, 2), "febbraio 2019");
        assert_eq!(Lang::En.month(2019, 2), "February 2019");
        assert_eq!(Lang::It.seats_left(0), "posti esauriti — lista d'attesa");
        assert_eq!(Lang::En.seats_left(1), "1 seat left");
    }
}
