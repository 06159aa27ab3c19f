//! The exports of registrations (CSV for Italian Excel, XLSX) and the registro presenze: their
//! bytes, the scope each account reaches, and every refusal as a page.

use std::io::Read as _;

use axum::body::Body;
use axum::http::{HeaderMap, Request, header};
use chrono::Duration;
use serde_json::{Value, json};
use skillhub_core::capacity::Presence;
use skillhub_core::ids::{HubId, ProgramId, SessionId, Tag};
use skillhub_core::staff::{Role, Scope};
use skillhub_notify::Canceller;
use tower::ServiceExt;

use super::super::{Web, send};
use super::{StaffClient, binario_f};

/// A Milan hub's operator scope.
fn milano(role: Role, hub: Option<&str>) -> Scope {
    Scope::new(
        role,
        Some(ProgramId::parse("milano-digitale").unwrap()),
        hub.map(|h| HubId::parse(h).unwrap()),
    )
    .unwrap()
}

/// Registers `name <email>` at session `id` through the API; the answer's JSON.
async fn register(web: &Web, id: &str, name: &str, email: &str, attributes: Value) -> Value {
    let body = json!({"name": name, "email": email, "attributes": attributes});
    let request = Request::post(format!("/v1/sessions/{id}/registrations"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let reply = send(&web.app, request).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    serde_json::from_str(&reply.text).unwrap()
}

/// A registration's id from the API's answer.
fn id_of(registered: &Value) -> i64 {
    registered["id"].as_i64().unwrap()
}

/// `GET path` as `staff`, with the body as bytes (a workbook is not text).
async fn download(web: &Web, staff: &StaffClient, path: &str) -> (u16, HeaderMap, Vec<u8>) {
    let request = Request::get(path)
        .header(header::COOKIE, &staff.cookie)
        .body(Body::empty())
        .unwrap();
    let response = web.app.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, body.to_vec())
}

/// The CSV's lines, after checking the BOM and that every line ends with CRLF.
fn csv_lines(bytes: &[u8]) -> Vec<String> {
    let text = bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .expect("a UTF-8 BOM first");
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(text.ends_with("\r\n"), "{text:?}");
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF only: {text:?}"
    );
    text.split_terminator("\r\n").map(str::to_owned).collect()
}

/// `dd/mm/yyyy HH:MM`.
fn is_italian_moment(text: &str) -> bool {
    let shape: String = text
        .chars()
        .map(|c| if c.is_ascii_digit() { '9' } else { c })
        .collect();
    shape == "99/99/9999 99:99"
}

#[tokio::test]
async fn a_sessions_csv_is_for_italian_excel_and_holds_no_token() {
    let web = Web::new().await;
    web.session(json!({"id": "csv", "capacity": 1})).await;
    let anna = register(
        &web,
        "csv",
        "Anna Rossi",
        "anna@example.it",
        json!({"organisation_type": "public_administration"}),
    )
    .await;
    let bruno = register(
        &web,
        "csv",
        "=Bruno; \"Bianchi\"",
        "bruno@example.it",
        json!({}),
    )
    .await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;

    let (status, headers, bytes) =
        download(&web, &manager, "/gestione/incontri/csv/iscrizioni.csv").await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"iscrizioni-csv.csv\""
    );
    assert_eq!(headers["cache-control"], "no-store");
    let text = String::from_utf8(bytes.clone()).unwrap();
    for token in [&anna["manage_token"], &bruno["manage_token"]] {
        assert!(!text.contains(token.as_str().unwrap()), "no manage token");
    }
    let lines = csv_lines(&bytes);
    assert_eq!(
        lines[0],
        "id;nome;e-mail;stato;posizione in lista;fascia;tipo di posto;data e ora di iscrizione;lingua"
    );
    assert_eq!(lines.len(), 3, "{lines:?}");
    // Bruno waits (the waiting list comes first), Anna has the seat.
    let bruno_row: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(
        lines[1].split_once(';').unwrap().1.split(";bruno").next(),
        Some("\"'=Bruno; \"\"Bianchi\"\"\""),
        "quoted, and not a formula: {}",
        lines[1]
    );
    assert!(lines[1].contains(";in lista d'attesa;1;2 – nessuna priorità;in presenza;"));
    assert_eq!(bruno_row.last(), Some(&"italiano"));
    let anna_row: Vec<&str> = lines[2].split(';').collect();
    assert_eq!(anna_row[0], id_of(&anna).to_string());
    assert_eq!(
        &anna_row[1..7],
        [
            "Anna Rossi",
            "anna@example.it",
            "confermata",
            "",
            "1 – professionisti della comunicazione e dell'informazione, del digitale, della PA e delle utilities",
            "in presenza",
        ]
    );
    assert!(is_italian_moment(anna_row[7]), "{}", anna_row[7]);
    assert_eq!(anna_row[8], "italiano");

    // In English on request.
    let (_, _, english) = download(
        &web,
        &manager,
        "/gestione/incontri/csv/iscrizioni.csv?lang=en",
    )
    .await;
    let lines = csv_lines(&english);
    assert!(
        lines[0].starts_with("id;name;e-mail;status;"),
        "{}",
        lines[0]
    );
    assert!(lines[2].contains(";confirmed;"), "{}", lines[2]);
}

/// The text of file `name` in the zip archive `bytes`.
fn unzipped(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut file = archive
        .by_name(name)
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    let mut text = String::new();
    file.read_to_string(&mut text).unwrap();
    text
}

/// The value of the cell `reference` (`H2`) in a sheet's XML, and its style index.
fn cell<'a>(sheet: &'a str, reference: &str) -> (&'a str, &'a str) {
    let start = sheet
        .find(&format!("<c r=\"{reference}\""))
        .unwrap_or_else(|| panic!("no cell {reference} in {sheet}"));
    let cell = &sheet[start..];
    let cell = &cell[..cell.find("</c>").unwrap()];
    let style = cell
        .split_once(" s=\"")
        .map_or("", |(_, rest)| rest.split('"').next().unwrap());
    let value = cell
        .split_once("<v>")
        .map_or("", |(_, rest)| rest.split("</v>").next().unwrap());
    (value, style)
}

#[tokio::test]
async fn a_sessions_workbook_has_a_frozen_bold_header_an_autofilter_and_real_dates() {
    let web = Web::new().await;
    web.session(json!({"id": "excel", "capacity": 5})).await;
    let anna = register(&web, "excel", "Anna Rossi", "anna@example.it", json!({})).await;
    register(&web, "excel", "=1+1", "bruno@example.it", json!({})).await;
    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;

    let (status, headers, bytes) =
        download(&web, &admin, "/gestione/incontri/excel/iscrizioni.xlsx").await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"iscrizioni-excel.xlsx\""
    );
    assert_eq!(headers["cache-control"], "no-store");

    let workbook = unzipped(&bytes, "xl/workbook.xml");
    assert!(workbook.contains("name=\"Iscrizioni\""), "{workbook}");
    let sheet = unzipped(&bytes, "xl/worksheets/sheet1.xml");
    let strings = unzipped(&bytes, "xl/sharedStrings.xml");
    let styles = unzipped(&bytes, "xl/styles.xml");
    // The header frozen, filtered, the columns sized.
    assert!(sheet.contains("ySplit=\"1\""), "{sheet}");
    assert!(sheet.contains("state=\"frozen\""), "{sheet}");
    assert!(sheet.contains("<autoFilter ref=\"A1:I3\""), "{sheet}");
    assert!(sheet.contains("<col ") && sheet.contains("customWidth=\"1\""));
    assert!(styles.contains("<b/>"), "a bold font: {styles}");
    assert!(
        styles.contains("formatCode=\"dd/mm/yyyy hh:mm\""),
        "{styles}"
    );
    for text in [
        "nome",
        "data e ora di iscrizione",
        "Anna Rossi",
        "anna@example.it",
        "confermata",
        "in presenza",
        "italiano",
        "=1+1",
    ] {
        assert!(
            strings.contains(&format!(">{text}<")),
            "{text} in {strings}"
        );
    }
    // A string, never a formula.
    assert!(!sheet.contains("<f>"), "{sheet}");
    // The id is a number, the time of registration a date: a serial day after 2020.
    let (id, _) = cell(&sheet, "A2");
    assert_eq!(id, id_of(&anna).to_string());
    let (when, style) = cell(&sheet, "H2");
    let serial: f64 = when.parse().unwrap();
    assert!(serial > 43_831.0, "{when}");
    assert!(!style.is_empty(), "a date format on the date");
}

#[tokio::test]
async fn a_programs_export_lists_only_the_sessions_the_account_reaches() {
    let web = Web::new().await;
    let first = json!({"program_id": "milano-digitale", "capacity": 5});
    let mut one = first.clone();
    one["id"] = json!("m1");
    one["hub_id"] = json!("municipio-1");
    one["title"] = json!("SPID e Fascicolo");
    let mut two = first;
    two["id"] = json!("m2");
    two["hub_id"] = json!("municipio-2");
    two["title"] = json!("Pagamenti online");
    web.session(one).await;
    web.session(two).await;
    register(&web, "m1", "Anna Rossi", "anna@example.it", json!({})).await;
    register(&web, "m2", "Bruno Bianchi", "bruno@example.it", json!({})).await;

    let admin = StaffClient::new(&web, "admin@example.org", Scope::admin()).await;
    let operator = StaffClient::new(
        &web,
        "op1@example.org",
        milano(Role::Operator, Some("municipio-1")),
    )
    .await;
    let trainer = StaffClient::new(&web, "teo@example.org", milano(Role::Trainer, None)).await;
    web.store
        .assign_trainer(
            "cli",
            &SessionId::parse("m2").unwrap(),
            trainer.id,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let idle = StaffClient::new(&web, "ida@example.org", milano(Role::Trainer, None)).await;
    let other = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;

    let rows = |bytes: &[u8]| csv_lines(bytes);
    let path = "/gestione/programmi/milano-digitale/iscrizioni.csv";
    let (status, headers, bytes) = download(&web, &admin, path).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"iscrizioni-milano-digitale.csv\""
    );
    let all = rows(&bytes);
    assert!(
        all[0].starts_with("data;orario;sede;incontro;id;nome;"),
        "{}",
        all[0]
    );
    assert_eq!(all.len(), 3, "{all:?}");
    assert!(all[1].starts_with("12/02/"), "{}", all[1]);
    assert!(
        all[1].contains(";09:30–13:30;Municipio 1;SPID e Fascicolo;"),
        "{}",
        all[1]
    );
    assert!(
        all[2].contains(";Municipio 2;Pagamenti online;"),
        "{}",
        all[2]
    );

    // The operator of Municipio 1 sees nothing of Municipio 2.
    let (status, _, bytes) = download(&web, &operator, path).await;
    assert_eq!(status, 200);
    let theirs = rows(&bytes);
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert!(theirs[1].contains("Anna Rossi"));
    assert!(!theirs.concat().contains("Bruno"));
    // A trainer sees their session only; one assigned nowhere, nobody.
    let (_, _, bytes) = download(&web, &trainer, path).await;
    let theirs = rows(&bytes);
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert!(theirs[1].contains("Bruno Bianchi"));
    let (status, _, bytes) = download(&web, &idle, path).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&bytes).len(), 1);
    // The workbook follows the same scope.
    let (status, _, bytes) = download(
        &web,
        &operator,
        "/gestione/programmi/milano-digitale/iscrizioni.xlsx",
    )
    .await;
    assert_eq!(status, 200);
    let strings = unzipped(&bytes, "xl/sharedStrings.xml");
    assert!(strings.contains("Anna Rossi") && !strings.contains("Bruno"));

    // An operator bound to the City, the partner that runs every Municipio, sees both; one
    // bound to Bip, which runs none, sees nobody.
    let partner = |id: &str| {
        Scope::bound(
            Role::Operator,
            Some(ProgramId::parse("milano-digitale").unwrap()),
            None,
            Some(Tag::parse(id).unwrap()),
        )
        .unwrap()
    };
    let city = StaffClient::new(&web, "comune@example.org", partner("comune-di-milano")).await;
    let (status, _, bytes) = download(&web, &city, path).await;
    assert_eq!(status, 200);
    assert_eq!(rows(&bytes), all);
    let (status, _, _) = download(&web, &city, "/gestione/incontri/m2/iscrizioni.csv").await;
    assert_eq!(status, 200);
    let bip = StaffClient::new(&web, "bip@example.org", partner("bip")).await;
    let (_, _, bytes) = download(&web, &bip, path).await;
    assert_eq!(rows(&bytes).len(), 1);
    let (status, _, _) = download(&web, &bip, "/gestione/incontri/m2/iscrizioni.csv").await;
    assert_eq!(status, 403);

    // Filtered by partner: only the sessions at the hubs it runs; an unknown one is a 404 page.
    let (status, headers, bytes) =
        download(&web, &admin, &format!("{path}?partner=comune-di-milano")).await;
    assert_eq!(status, 200);
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"iscrizioni-milano-digitale-comune-di-milano.csv\""
    );
    assert_eq!(rows(&bytes), all);
    let (_, _, bytes) = download(&web, &admin, &format!("{path}?partner=bip")).await;
    assert_eq!(rows(&bytes), all[..1]);
    let (status, _, bytes) = download(&web, &admin, &format!("{path}?partner=nessuno")).await;
    assert_eq!(status, 404);
    let page = String::from_utf8(bytes).unwrap();
    assert!(
        page.contains("Il programma Educazione digitale nei quartieri (#milanodigitale) non ha il partner «nessuno»."),
        "{page}"
    );

    // Another program's manager: the 403 page; no such program: the 404 page.
    let (status, headers, _) = download(&web, &other, path).await;
    assert_eq!(status, 403);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let (status, _, _) = download(&web, &admin, "/gestione/programmi/nessuno/iscrizioni.csv").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn exports_and_the_register_refuse_whoever_is_out_of_scope() {
    let web = Web::new().await;
    let mut session = json!({"program_id": "milano-digitale", "hub_id": "municipio-2", "id": "m2", "capacity": 5});
    web.session(session.clone()).await;
    session["id"] = json!("m1");
    session["hub_id"] = json!("municipio-1");
    web.session(session).await;
    let operator = StaffClient::new(
        &web,
        "op1@example.org",
        milano(Role::Operator, Some("municipio-1")),
    )
    .await;
    let trainer = StaffClient::new(&web, "teo@example.org", milano(Role::Trainer, None)).await;
    let other = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    let manager = StaffClient::new(&web, "max@example.org", milano(Role::Manager, None)).await;

    for page in ["iscrizioni.csv", "iscrizioni.xlsx", "registro"] {
        let path = format!("/gestione/incontri/m2/{page}");
        // Hub A's operator on hub B's session, a trainer not assigned, another program's
        // manager: the 403 page.
        for refused in [&operator, &trainer, &other] {
            let (status, headers, _) = download(&web, refused, &path).await;
            assert_eq!(status, 403, "{path}");
            assert_eq!(headers["content-type"], "text/html; charset=utf-8");
        }
        // Their own program's manager may.
        let (status, _, _) = download(&web, &manager, &path).await;
        assert_eq!(status, 200, "{path}");
        // Hub A's operator on hub A's session may.
        let (status, _, _) =
            download(&web, &operator, &format!("/gestione/incontri/m1/{page}")).await;
        assert_eq!(status, 200, "{path}");
        // No such session: the 404 page.
        let (status, _, _) = download(
            &web,
            &manager,
            &format!("/gestione/incontri/nessuno/{page}"),
        )
        .await;
        assert_eq!(status, 404);
        // Not logged in: to the login form.
        let reply = send(&web.app, Request::get(&path).body(Body::empty()).unwrap()).await;
        assert_eq!(reply.status, 303, "{path}");
        assert!(
            reply.header("location").starts_with("/gestione/accesso"),
            "{}",
            reply.header("location")
        );
    }
    // Program exports: not logged in, to the login form.
    let reply = send(
        &web.app,
        Request::get("/gestione/programmi/milano-digitale/iscrizioni.xlsx")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(reply.status, 303);
}

#[tokio::test]
async fn the_register_lists_the_seated_people_by_name_with_a_signature_column() {
    let web = Web::new().await;
    web.session(json!({"id": "registro", "capacity": 2})).await;
    let zeno = register(&web, "registro", "Zeno Verdi", "zeno@example.it", json!({})).await;
    let dario = register(
        &web,
        "registro",
        "Dario Gallo",
        "dario@example.it",
        json!({}),
    )
    .await;
    web.store
        .cancel("admin", Canceller::Staff, id_of(&dario), chrono::Utc::now())
        .await
        .unwrap();
    let anna = register(&web, "registro", "anna Rossi", "anna@example.it", json!({})).await;
    let carla = register(
        &web,
        "registro",
        "Carla Neri",
        "carla@example.it",
        json!({}),
    )
    .await;
    assert_eq!(carla["status"], "waitlisted");
    // Anna came: presence recorded ten minutes after the start, at the door.
    let view = web.store.session("registro").await.unwrap().unwrap();
    web.store
        .record_presence(
            "staff:1",
            id_of(&anna),
            Presence::Attended,
            view.starts_at + Duration::minutes(10),
        )
        .await
        .unwrap();
    let trainer = StaffClient::new(&web, "teo@example.org", binario_f(Role::Trainer)).await;
    web.store
        .assign_trainer(
            "cli",
            &SessionId::parse("registro").unwrap(),
            trainer.id,
            chrono::Utc::now(),
        )
        .await
        .unwrap();

    // The assigned trainer prints it.
    let page = trainer
        .get(&web, "/gestione/incontri/registro/registro")
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let html = scraper::Html::parse_document(&page.text);
    let select = |css: &str| scraper::Selector::parse(css).unwrap();
    let rows: Vec<Vec<String>> = html
        .select(&select("table.register tbody tr"))
        .map(|tr| {
            tr.select(&select("td, th"))
                .map(|c| c.text().collect::<String>().trim().to_owned())
                .collect()
        })
        .collect();
    assert_eq!(
        rows,
        [
            vec!["1", "anna Rossi", "9:40", ""],
            vec!["2", "Zeno Verdi", "", ""],
        ],
        "the seated, by name; a time of entry only where presence was recorded at the door"
    );
    let text = page.text.as_str();
    for expected in [
        "Registro presenze",
        "Social Academy a Binario F",
        "Promosso da Facebook, in collaborazione con PA Social",
        "Binario F, Stazione Roma Termini, 00185 Roma",
        "9:30–13:30",
        "teo@example.org",
        "Firma del formatore",
        "Stampa del browser",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    assert_eq!(
        html.select(&select(".register-foot strong"))
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "2"
    );
    for absent in ["Carla", "Dario", "carla@", "anna@example.it"] {
        assert!(!text.contains(absent), "{absent} is not in the register");
    }
    for token in [&zeno, &anna, &carla] {
        assert!(!text.contains(token["manage_token"].as_str().unwrap()));
    }
    // Print rules: A4, header repeated on every sheet, rows never split.
    for rule in [
        "@page{size:A4;margin:15mm}",
        "table.register thead{display:table-header-group}",
        "table.register tr{break-inside:avoid",
    ] {
        assert!(text.contains(rule), "{rule}");
    }
    // Headers of the table have their scope; the page has one h1.
    assert_eq!(html.select(&select("h1")).count(), 1);
    assert!(
        html.select(&select("table.register th"))
            .all(|th| th.value().attr("scope").is_some())
    );
    // In English.
    let english = trainer
        .get(&web, "/gestione/incontri/registro/registro?lang=en")
        .await;
    assert!(english.text.contains("Attendance register"));
    assert!(english.text.contains("Signature"));
}

#[tokio::test]
async fn the_program_pages_export_links_download() {
    let web = Web::new().await;
    web.session(json!({"id": "link", "capacity": 5})).await;
    register(&web, "link", "Anna Rossi", "anna@example.it", json!({})).await;
    let manager = StaffClient::new(&web, "mara@example.org", binario_f(Role::Manager)).await;
    for lang in ["", "?lang=en"] {
        let page = manager
            .get(&web, &format!("/gestione/programmi/binario-f{lang}"))
            .await;
        let html = scraper::Html::parse_document(&page.text);
        let links: Vec<String> = html
            .select(&scraper::Selector::parse("a[href*=\"/iscrizioni.\"]").unwrap())
            .map(|a| a.value().attr("href").unwrap().replace("&amp;", "&"))
            .collect();
        assert_eq!(links.len(), 2, "{links:?}");
        for link in links {
            let (status, headers, bytes) = download(&web, &manager, &link).await;
            assert_eq!(status, 200, "{link}");
            assert!(
                headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment; filename=\"iscrizioni-binario-f.")
            );
            assert!(!bytes.is_empty());
        }
    }
    // Anna is in the program's file.
    let (_, _, bytes) = download(
        &web,
        &manager,
        "/gestione/programmi/binario-f/iscrizioni.csv",
    )
    .await;
    assert!(String::from_utf8(bytes).unwrap().contains("Anna Rossi"));
}

/// A program that requires the codice fiscale: its exports have a column for it, after the
/// e-mail; the seed programs' exports do not (the test above).
#[tokio::test]
async fn a_program_that_asks_for_the_codice_fiscale_exports_it() {
    let web = Web::new().await;
    let manager = super::strict_torino(&web).await;
    let body = json!({"name": "Mario Rossi", "email": "mario@example.it", "codice_fiscale": "RSSMRA85T10A562S"});
    let request = Request::post("/v1/sessions/torino-spid-2030-03-05/registrations")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let reply = send(&web.app, request).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let (status, _, bytes) = download(
        &web,
        &manager,
        "/gestione/programmi/laboratori-torino/iscrizioni.csv",
    )
    .await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    let lines = csv_lines(&bytes);
    let header: Vec<&str> = lines[0].split(';').collect();
    let row: Vec<&str> = lines[1].split(';').collect();
    let column = header
        .iter()
        .position(|h| *h == "codice fiscale")
        .expect("a codice fiscale column");
    assert_eq!(header[column - 1], "e-mail", "{header:?}");
    assert_eq!(row[column], "RSSMRA85T10A562S", "{row:?}");
}
