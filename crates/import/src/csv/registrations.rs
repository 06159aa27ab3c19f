//! Registrations from a spreadsheet ("iscrizioni"): who takes part in which session, with the
//! attributes the program's rules read. Only the shape of each cell is checked here; eligibility,
//! priority tiers and seats are decided by `skillhub-core` and the store when the rows are
//! written.

use std::collections::BTreeSet;
use std::io::Read;

use skillhub_core::capacity::SeatKind;
use skillhub_core::codice_fiscale::CodiceFiscale;
use skillhub_core::ids::{SessionId, Tag};
use skillhub_core::italian;
use skillhub_core::person::{Attributes, Country, Email, Gender, OrganisationType, Person};

use super::{
    NameBuffers, Progress, ReadOptions, Summary, date_in_range, lookup, map_headers,
    missing_columns, read_sheet, required, set, spelling,
};
use crate::Result;

/// One registration from a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRow {
    /// The file line the row starts on.
    pub line: u64,
    /// `sessione` / `id sessione` / `incontro`: the session's id.
    pub session: SessionId,
    /// Name (`nome` and `cognome`, or `nome e cognome`), `email`, and the attributes the rules
    /// read (`data di nascita`, `genere`, `paese`, `regione`, `tipo organizzazione`, `ruoli`,
    /// `iscrizioni`), and the `codice fiscale` when given (checked; a program may require it).
    pub person: Person,
    /// `modalità` / `tipo posto`: `in presenza` or `online`; `None` for the session's default.
    pub kind: Option<SeatKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Session,
    Name,
    Surname,
    FullName,
    Email,
    CodiceFiscale,
    BirthDate,
    Gender,
    Country,
    Region,
    OrganisationType,
    Roles,
    Memberships,
    Kind,
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Session => "sessione",
            Column::Name => "nome",
            Column::Surname => "cognome",
            Column::FullName => "nome e cognome",
            Column::Email => "email",
            Column::CodiceFiscale => "codice fiscale",
            Column::BirthDate => "data di nascita",
            Column::Gender => "genere",
            Column::Country => "paese",
            Column::Region => "regione",
            Column::OrganisationType => "tipo organizzazione",
            Column::Roles => "ruoli",
            Column::Memberships => "iscrizioni",
            Column::Kind => "modalità",
        }
    }
}

/// The header spellings of each column, folded (see [`super::fold_header`]).
const COLUMNS: [(Column, &[&str]); 14] = [
    (
        Column::Session,
        &[
            "sessione",
            "idsessione",
            "incontro",
            "idincontro",
            "session",
        ],
    ),
    (Column::Name, spelling::NAME),
    (Column::Surname, spelling::SURNAME),
    (Column::FullName, spelling::FULL_NAME),
    (Column::Email, spelling::EMAIL),
    (Column::CodiceFiscale, spelling::CODICE_FISCALE),
    (Column::BirthDate, spelling::BIRTH_DATE),
    (Column::Gender, &["genere", "sesso", "gender"]),
    (
        Column::Country,
        &["paese", "nazione", "paesediresidenza", "country"],
    ),
    (Column::Region, &["regione", "regionediresidenza", "region"]),
    (
        Column::OrganisationType,
        &[
            "tipoorganizzazione",
            "tipodiorganizzazione",
            "organizzazione",
            "ente",
        ],
    ),
    (Column::Roles, &["ruoli", "ruolo", "roles"]),
    (
        Column::Memberships,
        &["iscrizioni", "appartenenze", "memberships"],
    ),
    (
        Column::Kind,
        &["modalita", "tipoposto", "posto", "partecipazione"],
    ),
];

/// Organisation types by their folded Italian names, short forms and ids.
const ORGANISATIONS: [(OrganisationType, &[&str]); 9] = [
    (
        OrganisationType::PublicAdministration,
        &[
            "pubblicaamministrazione",
            "pa",
            "publicadministration",
            "entepubblico",
        ],
    ),
    (
        OrganisationType::Utility,
        &["aziendadiservizipubblici", "utility", "multiutility"],
    ),
    (
        OrganisationType::Sme,
        &["piccolaomediaimpresa", "pmi", "sme", "impresa"],
    ),
    (OrganisationType::Startup, &["startup"]),
    (
        OrganisationType::Cooperative,
        &["societacooperativa", "cooperativa", "cooperative"],
    ),
    (
        OrganisationType::SocialCooperative,
        &["cooperativasociale", "socialcooperative"],
    ),
    (
        OrganisationType::NonProfit,
        &[
            "entenoprofit",
            "noprofit",
            "nonprofit",
            "terzosettore",
            "ets",
        ],
    ),
    (
        OrganisationType::LargeEnterprise,
        &["grandeimpresa", "largeenterprise"],
    ),
    (
        OrganisationType::Education,
        &["scuolaouniversita", "scuola", "universita", "education"],
    ),
];

/// Reads a registrations spreadsheet; each valid row goes to `sink` (staged: the caller writes
/// them only when this returns `Ok`). Required columns: the session, the name, the e-mail.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_import::csv::{ReadOptions, read_registrations};
/// let file = "Sessione;Nome e cognome;E-mail;Genere;Regione;Modalità\r\n\
///             binario-f-2019-02-12;Anna Rossi;anna@example.it;donna;Emilia-Romagna;in presenza\r\n";
/// let today = NaiveDate::from_ymd_opt(2019, 2, 1).unwrap();
/// let mut rows = Vec::new();
/// read_registrations("r.csv", file.as_bytes(), &ReadOptions::new(today), |_| {}, |r| rows.push(r)).unwrap();
/// assert_eq!(rows[0].person.attributes.region.as_ref().unwrap().as_str(), "emilia-romagna");
/// ```
pub fn read_registrations<R: Read>(
    file: &str,
    input: R,
    options: &ReadOptions,
    progress: impl FnMut(Progress),
    mut sink: impl FnMut(RegistrationRow),
) -> Result<Summary> {
    let mut buffers = NameBuffers::default();
    read_sheet(
        file,
        input,
        options,
        |record, encoding| {
            let columns = map_headers(record, encoding, |name| lookup(&COLUMNS, name));
            let has = |c: Column| columns.contains(&Some(c));
            let mut missing = Vec::new();
            if !has(Column::Session) {
                missing.push(Column::Session.label());
            }
            let split_name = has(Column::Name) && has(Column::Surname);
            if !has(Column::FullName) && !split_name {
                missing.push("nome and cognome (or nome e cognome)");
            }
            if !has(Column::Email) {
                missing.push(Column::Email.label());
            }
            missing_columns(&missing)?;
            Ok(columns)
        },
        |line, cells, problems| {
            buffers.clear();
            let mut row = Partial::default();
            let NameBuffers {
                name,
                surname,
                full,
                scratch,
            } = &mut buffers;
            cells.each(scratch, |column, text| {
                let label = column.label();
                let result = match text {
                    Ok(text) => {
                        match column {
                            Column::Name => set(name, text),
                            Column::Surname => set(surname, text),
                            Column::FullName => set(full, text),
                            _ => {}
                        }
                        row.cell(column, text, options)
                    }
                    Err(message) => Err(message),
                };
                if let Err(message) = result {
                    problems.push((label, message));
                }
            });
            let name = buffers.person_name(problems);
            required(problems, row.session.is_some(), "sessione", "a session id");
            required(problems, row.email.is_some(), "email", "an e-mail address");
            let (Some(name), Some(session), Some(email)) = (name, row.session, row.email) else {
                return None;
            };
            Some(RegistrationRow {
                line,
                session,
                person: Person {
                    name,
                    email,
                    attributes: row.attributes,
                    codice_fiscale: row.codice_fiscale,
                },
                kind: row.kind,
            })
        },
        progress,
        &mut sink,
    )
}

/// The cells of a row read so far.
#[derive(Debug, Default)]
struct Partial {
    session: Option<SessionId>,
    email: Option<Email>,
    codice_fiscale: Option<CodiceFiscale>,
    attributes: Attributes,
    kind: Option<SeatKind>,
}

impl Partial {
    /// Reads one (trimmed) cell; empty optional cells are left unset.
    fn cell(&mut self, column: Column, text: &str, options: &ReadOptions) -> Result<(), String> {
        if text.is_empty() {
            return Ok(());
        }
        let a = &mut self.attributes;
        match column {
            Column::Session => {
                self.session = Some(SessionId::parse(text).map_err(|e| e.to_string())?);
            }
            Column::Email => self.email = Some(Email::parse(text).map_err(|e| e.to_string())?),
            Column::CodiceFiscale => {
                self.codice_fiscale = Some(CodiceFiscale::parse(text).map_err(|e| e.to_string())?);
            }
            Column::BirthDate => a.birth_date = Some(date_in_range(text, options)?),
            Column::Gender => a.gender = Some(gender(text)?),
            Column::Country => a.country = Some(Country::parse(text).map_err(|e| e.to_string())?),
            Column::Region => a.region = Some(slug(text)?),
            Column::OrganisationType => a.organisation_type = Some(organisation(text)?),
            Column::Roles => a.roles = tags(text)?,
            Column::Memberships => a.memberships = tags(text)?,
            Column::Kind => self.kind = Some(seat_kind(text)?),
            Column::Name | Column::Surname | Column::FullName => {}
        }
        Ok(())
    }
}

/// `donna`/`F`, `uomo`/`M`, `non binario` (any case, accents or not).
fn gender(text: &str) -> Result<Gender, String> {
    match super::fold_header(text).as_str() {
        "donna" | "f" | "femmina" | "female" => Ok(Gender::Female),
        "uomo" | "m" | "maschio" | "male" => Ok(Gender::Male),
        "nonbinario" | "nonbinaria" | "nb" | "nonbinary" => Ok(Gender::NonBinary),
        _ => Err(format!(
            "{text:?} is not a gender (expected donna, uomo or non binario)"
        )),
    }
}

/// `in presenza` / `online` (also `a distanza`, `remoto`).
fn seat_kind(text: &str) -> Result<SeatKind, String> {
    match super::fold_header(text).as_str() {
        "inpresenza" | "presenza" | "inperson" | "aula" => Ok(SeatKind::InPerson),
        "online" | "adistanza" | "distanza" | "remoto" => Ok(SeatKind::Online),
        _ => Err(format!(
            "{text:?} is not a way of taking part (expected in presenza or online)"
        )),
    }
}

/// An organisation type by its Italian name, a short form (`PA`, `PMI`) or its id.
pub(crate) fn organisation(text: &str) -> Result<OrganisationType, String> {
    let folded = super::fold_header(text);
    ORGANISATIONS
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(t, _)| *t)
        .ok_or_else(|| {
            format!(
                "{text:?} is not a kind of organisation (expected e.g. pubblica amministrazione, PMI, cooperativa sociale, ente no profit)"
            )
        })
}

/// A name written for people (`Emilia-Romagna`, `Valle d'Aosta`) as an id: folded, every run
/// of other characters a `-` (`emilia-romagna`, `valle-d-aosta`).
pub(crate) fn slug(text: &str) -> Result<Tag, String> {
    let mut out = String::with_capacity(text.len());
    for c in italian::fold(text).chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    Tag::parse(out).map_err(|_| format!("{text:?} is not a name this field accepts"))
}

/// Tags separated by `,`, `|`, `/` or spaces: `community_admin, pa_communicator`.
fn tags(text: &str) -> Result<BTreeSet<Tag>, String> {
    text.split([',', '|', '/', ' '])
        .filter(|t| !t.is_empty())
        .map(|t| Tag::parse(&t.to_lowercase()).map_err(|e| e.to_string()))
        .collect()
}
