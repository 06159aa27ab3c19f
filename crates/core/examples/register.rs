//! What a program linking `skillhub-core` does, step by step, with printed output: read a
//! program from the TOML of `fixtures/programs/`, judge who may take part, and seat people in a
//! session until its seats run out (then they wait, in priority order; a cancellation gives the
//! seat to the head of the waiting list).
//!
//! Run it with `cargo run -p skillhub-core --example register`.

use std::error::Error;

use skillhub_core::capacity::{Change, RegistrationId, Request, SeatKind, SessionBook, Status};
use skillhub_core::fixture::{Catalog, parse_program};
use skillhub_core::person::Person;
use skillhub_core::program::Verdict;

/// A program of one hub and one session with two seats, open to adults living in Lazio, where
/// staff of public administrations go first on the waiting list.
const PROGRAM: &str = r#"
id = "laboratori-roma"
name = "Laboratori digitali a Roma"
summary_it = "Laboratori gratuiti sui servizi pubblici online."
source = "esempio"
zone = "Europe/Rome"
countries = ["IT"]
window = { from = "2030-01-01", until = "2030-12-31" }
audiences = ["people"]
eligibility = { all = [{ age = { min = 18 } }, { region = ["lazio"] }] }

[[priority]]
name_it = "personale della pubblica amministrazione"
name_en = "public administration staff"
rule = { organisation_type = ["public_administration"] }

[[hubs]]
id = "roma-esquilino"
name = "Biblioteca Esquilino"
zone = "Europe/Rome"
address = { street = "Via Nino Bixio 14", postcode = "00185", city = "Roma", region = "lazio", country = "IT" }

[[sessions]]
id = "spid-2030-03-05"
hub = "roma-esquilino"
title = "SPID e servizi online del Comune"
mode = "in_person"
seats = { in_person = 2, online = 0 }
date = "2030-03-05"
start = "09:30"
end = "12:30"
"#;

/// People as the API and the CLI read them (`{"name", "email", "attributes"}`), in the order
/// they register.
const PEOPLE: [&str; 5] = [
    r#"{"name": "Anna Rossi", "email": "anna@example.it",
        "attributes": {"birth_date": "1990-04-01", "region": "lazio"}}"#,
    r#"{"name": "Luca Bianchi", "email": "luca@example.it",
        "attributes": {"birth_date": "2014-09-01", "region": "lazio"}}"#,
    r#"{"name": "Marco Esposito", "email": "marco@example.it",
        "attributes": {"birth_date": "1975-11-20", "region": "lazio"}}"#,
    r#"{"name": "Chiara Conti", "email": "chiara@example.it",
        "attributes": {"birth_date": "1988-02-14", "region": "lazio"}}"#,
    r#"{"name": "Giulia Ferri", "email": "giulia@example.it",
        "attributes": {"birth_date": "1982-06-03", "region": "lazio",
                       "organisation_type": "public_administration"}}"#,
];

fn main() -> Result<(), Box<dyn Error>> {
    // The six seed programs are compiled in, checked together (ids unique across them).
    let seeds = Catalog::seeds()?;
    let ids: Vec<String> = seeds
        .programs()
        .iter()
        .map(|p| p.id().to_string())
        .collect();
    println!("Programmi di base: {}", ids.join(", "));

    let program = parse_program(PROGRAM)?;
    let session = &program.sessions()[0];
    let hub = session
        .hub()
        .and_then(|id| program.hub(id))
        .ok_or("no hub")?;
    println!("\n{}: {}", program.name(), session.title());
    println!(
        "  {} {}–{} ({}), {}, {}",
        session.local_start().format("%d/%m/%Y"),
        session.local_start().format("%H:%M"),
        session.local_end().format("%H:%M"),
        session.zone(),
        hub.name,
        hub.address.one_line(),
    );
    println!(
        "  in UTC {} – {}; posti in presenza: {}",
        session.starts_at().to_rfc3339(),
        session.ends_at().to_rfc3339(),
        session.seats().get(SeatKind::InPerson),
    );

    // Core has no clock: a person is judged on the session's local day, seats at a given instant.
    let now = session.starts_at() - chrono::Duration::days(7);
    let mut book = SessionBook::new(session.seats());
    let mut registered = Vec::new();
    println!();
    for (n, json) in (1..).zip(PEOPLE) {
        let person: Person = serde_json::from_str(json)?;
        let name = person.name.as_str().to_owned();
        // Eligibility, then the priority tier: the one judgement every adapter makes.
        let tier = match program.judge(&person.attributes, &session.zone(), session.starts_at())? {
            Verdict::Admitted(tier) => tier,
            Verdict::Refused(reasons) => {
                println!("{name}: non ammesso/a");
                for reason in &reasons {
                    println!("    {}", reason.it());
                }
                continue;
            }
        };
        let id = RegistrationId::new(n);
        book.register(id, SeatKind::InPerson, tier, Request::Confirm, now)?;
        let status = book.status(id).ok_or("unknown registration")?;
        println!("{name}: {}", stato(status));
        registered.push((id, name));
    }

    let (first, first_name) = registered.first().ok_or("nobody registered")?;
    println!("\n{first_name} annulla:");
    for change in book.cancel(*first, now)? {
        if let Change::Promoted { id, .. } = change {
            println!("  il posto va a {}", name_of(&registered, id));
        }
    }
    println!("\nStato finale:");
    for (id, name) in &registered {
        let status = book.status(*id).ok_or("unknown registration")?;
        println!("  {name}: {}", stato(status));
    }
    Ok(())
}

/// Where a registration stands, in Italian.
fn stato(status: Status) -> String {
    match status {
        Status::Confirmed => "confermata".to_owned(),
        Status::Waitlisted { position } => format!("in lista d'attesa, posizione {position}"),
        Status::Cancelled => "annullata".to_owned(),
        other => other.to_string(),
    }
}

fn name_of(registered: &[(RegistrationId, String)], id: RegistrationId) -> &str {
    registered
        .iter()
        .find(|(r, _)| *r == id)
        .map_or("?", |(_, name)| name.as_str())
}
