//! Grant applications of cooperatives from a spreadsheet ("domande di contributo"), as a call
//! such as Cooperazione Digitale collects them: who applies (partita IVA or codice fiscale of
//! the cooperative, Albo number, region), how much it asks for, which priority criteria it meets
//! and what kind of project it proposes. Each cell's shape and check digit is verified here;
//! whether the cooperative may apply is the call's decision (`skillhub_grants::call`).

use std::collections::BTreeSet;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io::Read;

use skillhub_core::codice_fiscale::PartitaIva;
use skillhub_core::ids::Tag;
use skillhub_core::person::OrganisationType;
use skillhub_core::program::{Cents, Criterion};
use skillhub_grants::call::{Applicant, ApplicationId, is_albo_number, region_name};

use super::registrations::slug;
use super::{
    Progress, ReadOptions, RowProblems, Summary, decimal_hundredths, fold_header, map_headers,
    missing_columns, read_sheet, required, spelling, yes_no,
};
use crate::Result;

/// What an applications spreadsheet is read against: the call's priority criteria (one Sì/No
/// column each) and its favoured project kinds (the values of `tipo di progetto`).
#[derive(Debug, Clone, Copy)]
pub struct ApplicationOptions<'a> {
    /// How to read the file.
    pub read: ReadOptions,
    /// Priority criteria: a column whose header is the criterion's id or Italian text.
    pub priority_criteria: &'a [Criterion],
    /// Favoured project kinds: `tipo di progetto` names one (or several, separated by `,`,
    /// `+` or `/`) by id or Italian text, or is `altro` / empty for none of them.
    pub project_kinds: &'a [Criterion],
}

/// One application from a spreadsheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    /// The file line the row starts on.
    pub line: u64,
    /// `id domanda` / `codice domanda`, or `domanda-LINE` when the sheet has no such column.
    pub id: ApplicationId,
    /// The cooperative: `ragione sociale`, `partita iva` (or its 11-digit `codice fiscale`),
    /// `tipo organizzazione`, `numero albo`, `regione`, `settore`.
    pub applicant: Applicant,
    /// `importo richiesto` in euro (`12.500,00`, `€ 7.000`).
    pub requested: Cents,
    /// The ids of the priority criteria marked Sì.
    pub priorities: BTreeSet<Tag>,
    /// The ids of the favoured project kinds the project is.
    pub project_kinds: BTreeSet<Tag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Name,
    PartitaIva,
    CodiceFiscale,
    OrganisationType,
    Albo,
    Region,
    Sector,
    Amount,
    ProjectKind,
    /// The priority criterion at this index of [`ApplicationOptions::priority_criteria`].
    Priority(usize),
}

impl Column {
    fn label(self) -> &'static str {
        match self {
            Column::Id => "id domanda",
            Column::Name => "ragione sociale",
            Column::PartitaIva => "partita iva",
            Column::CodiceFiscale => "codice fiscale",
            Column::OrganisationType => "tipo organizzazione",
            Column::Albo => "numero albo",
            Column::Region => "regione",
            Column::Sector => "settore",
            Column::Amount => "importo richiesto",
            Column::ProjectKind => "tipo di progetto",
            Column::Priority(_) => "criterio di priorità",
        }
    }
}

const COLUMNS: [(Column, &[&str]); 10] = [
    (Column::Id, &["iddomanda", "codicedomanda", "domanda", "id"]),
    (
        Column::Name,
        &[
            "ragionesociale",
            "denominazione",
            "cooperativa",
            "nome",
            "soggettoproponente",
        ],
    ),
    (Column::PartitaIva, spelling::PARTITA_IVA),
    (Column::CodiceFiscale, spelling::CODICE_FISCALE),
    (
        Column::OrganisationType,
        &[
            "tipoorganizzazione",
            "tipodiorganizzazione",
            "formagiuridica",
        ],
    ),
    (
        Column::Albo,
        &[
            "numeroalbo",
            "iscrizionealbo",
            "albo",
            "alboscooperative",
            "numeroiscrizionealbo",
        ],
    ),
    (
        Column::Region,
        &["regione", "regionesedelegale", "sedelegale"],
    ),
    (Column::Sector, &["settore", "settorediattivita"]),
    (
        Column::Amount,
        &[
            "importorichiesto",
            "contributorichiesto",
            "importo",
            "richiesta",
        ],
    ),
    (
        Column::ProjectKind,
        &[
            "tipodiprogetto",
            "tipoprogetto",
            "tipologiaprogetto",
            "tipologiadiprogetto",
            "progetto",
        ],
    ),
];

/// A criterion's spellings, folded: its id without separators, its Italian text, and that text
/// without a leading `progetto di` / `cooperativa` (`filiera`, `rete`, `sociale`).
fn spellings(criterion: &Criterion) -> [String; 3] {
    let id = fold_header(criterion.id.as_str());
    let it = fold_header(&criterion.it);
    let short = ["progettodi", "progetto", "cooperativa"]
        .iter()
        .find_map(|p| it.strip_prefix(p))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&it)
        .to_owned();
    [id, it, short]
}

/// The priority criterion a folded header names: one of its spellings, or else a part of its
/// Italian text (at least 6 letters) that no other criterion's text contains (`Workers buyout`,
/// `Contesti periferici o marginali`).
fn priority_column(criteria: &[[String; 3]], header: &str) -> Option<usize> {
    if let Some(i) = criteria.iter().position(|s| s.iter().any(|s| s == header)) {
        return Some(i);
    }
    if header.chars().count() < 6 {
        return None;
    }
    let mut containing = criteria
        .iter()
        .enumerate()
        .filter(|(_, s)| s[1].contains(header));
    match (containing.next(), containing.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// Reads an applications spreadsheet; each valid row goes to `sink` (staged: the caller keeps
/// them only when this returns `Ok`). Required columns: the name, the partita IVA (or codice
/// fiscale), the region, the amount. A partita IVA on a second row is a problem of that row: a
/// cooperative hands in one application per call.
///
/// ```
/// use chrono::NaiveDate;
/// use skillhub_core::fixture::Catalog;
/// use skillhub_import::csv::{ApplicationOptions, ReadOptions, read_applications};
/// let catalog = Catalog::seeds().unwrap();
/// let call = catalog.program("cooperazione-digitale").unwrap().grant_call().unwrap();
/// let options = ApplicationOptions {
///     read: ReadOptions::new(NaiveDate::from_ymd_opt(2022, 4, 1).unwrap()),
///     priority_criteria: &call.priority_criteria,
///     project_kinds: &call.favoured_projects,
/// };
/// let file = "Ragione sociale;Partita IVA;Numero Albo;Regione;Importo richiesto;Cooperativa sociale;Tipo di progetto\r\n\
///             Il Granello;01234567897;A123456;Umbria;12.500,00;Sì;filiera\r\n";
/// let mut rows = Vec::new();
/// read_applications("d.csv", file.as_bytes(), &options, |_| {}, |a| rows.push(a)).unwrap();
/// assert_eq!(rows[0].requested.get(), 1_250_000);
/// assert_eq!(rows[0].priorities.iter().next().unwrap().as_str(), "social_coop");
/// assert_eq!(rows[0].project_kinds.iter().next().unwrap().as_str(), "supply_chain");
/// ```
pub fn read_applications<R: Read>(
    file: &str,
    input: R,
    options: &ApplicationOptions<'_>,
    progress: impl FnMut(Progress),
    mut sink: impl FnMut(ApplicationRow),
) -> Result<Summary> {
    let priorities: Vec<[String; 3]> = options.priority_criteria.iter().map(spellings).collect();
    let kinds: Vec<[String; 3]> = options.project_kinds.iter().map(spellings).collect();
    let mut scratch = String::new();
    // Partita IVA → the line of its first application (one entry per application: a call's
    // applications are counted in hundreds, not millions).
    let mut first_line: HashMap<String, u64> = HashMap::new();
    read_sheet(
        file,
        input,
        &options.read,
        |record, encoding| {
            let columns = map_headers(record, encoding, |name| {
                // `Importo richiesto (€)`, `Importo richiesto in euro`: the unit is not the name.
                let bare: String = name.chars().filter(|c| !"()[]€".contains(*c)).collect();
                let bare = bare
                    .strip_suffix("ineuro")
                    .or_else(|| bare.strip_suffix("euro"))
                    .filter(|b| !b.is_empty())
                    .unwrap_or(&bare);
                let name = if super::lookup(&COLUMNS, name).is_some() {
                    name
                } else {
                    bare
                };
                super::lookup(&COLUMNS, name)
                    .or_else(|| priority_column(&priorities, name).map(Column::Priority))
            });
            let has = |c: Column| columns.contains(&Some(c));
            let mut missing = Vec::new();
            if !has(Column::Name) {
                missing.push(Column::Name.label());
            }
            if !has(Column::PartitaIva) && !has(Column::CodiceFiscale) {
                missing.push("partita iva (or codice fiscale)");
            }
            for column in [Column::Region, Column::Amount] {
                if !has(column) {
                    missing.push(column.label());
                }
            }
            missing_columns(&missing)?;
            Ok(columns)
        },
        |line, cells, problems| {
            let mut row = Partial::default();
            cells.each(&mut scratch, |column, text| {
                let result = match text {
                    Ok(text) => row.cell(column, text, options, &kinds),
                    Err(message) => Err(message),
                };
                if let Err(message) = result {
                    problems.push((column.label(), message));
                }
            });
            let row = row.finish(line, problems)?;
            // A call takes one application per cooperative: a second one in the file is refused
            // here rather than half-way through handing them in.
            match first_line.entry(row.applicant.partita_iva.clone()) {
                Entry::Occupied(first) => {
                    problems.push((
                        "partita iva",
                        format!(
                            "{} already applies on line {}: a cooperative hands in one application per call",
                            first.key(),
                            first.get()
                        ),
                    ));
                    None
                }
                Entry::Vacant(slot) => {
                    slot.insert(line);
                    Some(row)
                }
            }
        },
        progress,
        &mut sink,
    )
}

/// The cells of a row read so far.
#[derive(Debug, Default)]
struct Partial {
    id: Option<ApplicationId>,
    name: Option<String>,
    partita_iva: Option<PartitaIva>,
    codice_fiscale: Option<PartitaIva>,
    organisation_type: Option<OrganisationType>,
    albo_number: Option<String>,
    region: Option<Tag>,
    sector: Option<Tag>,
    requested: Option<Cents>,
    priorities: BTreeSet<Tag>,
    project_kinds: BTreeSet<Tag>,
}

impl Partial {
    fn cell(
        &mut self,
        column: Column,
        text: &str,
        options: &ApplicationOptions<'_>,
        kinds: &[[String; 3]],
    ) -> Result<(), String> {
        if text.is_empty() && !matches!(column, Column::Priority(_)) {
            return Ok(());
        }
        let vat = |text: &str| {
            PartitaIva::parse(text).map_err(|_| {
                format!("{text:?} is not the partita IVA or codice fiscale of a cooperative (expected 11 digits, the last a check digit)")
            })
        };
        match column {
            Column::Id => self.id = Some(ApplicationId::parse(text).map_err(|e| e.to_string())?),
            Column::Name => self.name = Some(text.to_owned()),
            Column::PartitaIva => self.partita_iva = Some(vat(text)?),
            Column::CodiceFiscale => self.codice_fiscale = Some(vat(text)?),
            Column::OrganisationType => {
                self.organisation_type = Some(match fold_header(text).as_str() {
                    "cooperativasociale" | "socialcooperative" | "coopsociale" => {
                        OrganisationType::SocialCooperative
                    }
                    "cooperativa" | "societacooperativa" | "cooperative" | "coop" => {
                        OrganisationType::Cooperative
                    }
                    _ => {
                        return Err(format!(
                            "{text:?} is not a kind of cooperative (expected cooperativa or cooperativa sociale)"
                        ));
                    }
                });
            }
            Column::Albo if is_albo_number(text) => {
                self.albo_number = Some(text.to_ascii_uppercase());
            }
            Column::Albo => {
                return Err(format!(
                    "{text:?} is not a number of the Albo delle società cooperative (expected A and 6 digits, e.g. A123456)"
                ));
            }
            Column::Region => {
                let region = slug(text)
                    .ok()
                    .filter(|r| region_name(r.as_str()).is_some())
                    .ok_or_else(|| {
                        format!("{text:?} is not an Italian region (expected e.g. Emilia-Romagna)")
                    })?;
                self.region = Some(region);
            }
            Column::Sector => self.sector = Some(slug(text)?),
            Column::Amount => {
                let bare = text
                    .trim_start_matches('€')
                    .trim_end_matches('€')
                    .trim()
                    .trim_start_matches("EUR")
                    .trim_end_matches("EUR")
                    .trim();
                let cents = decimal_hundredths(bare)
                    .map_err(|_| {
                        format!("{text:?} is not an amount in euro (expected e.g. 12.500,00)")
                    })
                    .and_then(|c| {
                        u64::try_from(c)
                            .ok()
                            .filter(|&c| c > 0)
                            .ok_or_else(|| format!("{text:?}: the amount must be more than 0 €"))
                    })?;
                self.requested = Some(Cents::new(cents));
            }
            Column::ProjectKind => {
                for part in text.split([',', '+', '/']).map(str::trim) {
                    let folded = fold_header(part);
                    if matches!(folded.as_str(), "" | "altro" | "nessuno" | "no") {
                        continue;
                    }
                    let found = kinds
                        .iter()
                        .position(|s| s.contains(&folded))
                        .and_then(|i| options.project_kinds.get(i));
                    match found {
                        Some(kind) => {
                            self.project_kinds.insert(kind.id.clone());
                        }
                        None => {
                            let known: Vec<&str> = options
                                .project_kinds
                                .iter()
                                .map(|k| k.it.as_str())
                                .collect();
                            return Err(format!(
                                "{part:?} is not a project kind of the call (expected {}, or altro)",
                                known.join(", ")
                            ));
                        }
                    }
                }
            }
            Column::Priority(index) => {
                let Some(criterion) = options.priority_criteria.get(index) else {
                    return Ok(());
                };
                if yes_no(text).map_err(|message| format!("{}: {message}", criterion.id))? {
                    self.priorities.insert(criterion.id.clone());
                }
            }
        }
        Ok(())
    }

    fn finish(self, line: u64, problems: &mut RowProblems) -> Option<ApplicationRow> {
        required(
            problems,
            self.name.is_some(),
            "ragione sociale",
            "the name of the cooperative",
        );
        let vat = self.partita_iva.or(self.codice_fiscale);
        let vat_reported = problems
            .iter()
            .any(|(c, _)| *c == "partita iva" || *c == "codice fiscale");
        required(
            problems,
            vat.is_some() || vat_reported,
            "partita iva",
            "a partita IVA or codice fiscale",
        );
        required(
            problems,
            self.region.is_some(),
            "regione",
            "the region of the registered office",
        );
        required(
            problems,
            self.requested.is_some(),
            "importo richiesto",
            "the amount requested",
        );
        let id = match self.id {
            Some(id) => Some(id),
            None => ApplicationId::parse(&format!("domanda-{line}")).ok(),
        };
        let (Some(id), Some(name), Some(vat), Some(region), Some(requested)) =
            (id, self.name, vat, self.region, self.requested)
        else {
            return None;
        };
        Some(ApplicationRow {
            line,
            id,
            applicant: Applicant {
                name,
                partita_iva: vat.as_str().to_owned(),
                organisation_type: self.organisation_type,
                albo_number: self.albo_number,
                region: Some(region),
                sector: self.sector,
                email: None,
            },
            requested,
            priorities: self.priorities,
            project_kinds: self.project_kinds,
        })
    }
}
