//! A day of work in the back office, in a real browser against the real binary: the admin
//! creates a manager with `skillhub staff add`; the manager sets a password from the printed
//! URL and logs in, creates a session, uploads a calendar listing with one bad line (and sees the
//! line), fixes it and imports it; a person registers on the public page; the manager sees them,
//! checks them in through the QR code's URL of their manage page, downloads the CSV and the
//! attendance register, cancels the session, and opens the program's definition (with a preview)
//! and its versions, and the funder's period report (staff and public). Every back-office page
//! is checked by axe-core (WCAG 2.1 A/AA) and photographed at 390 and 1280 px into
//! `target/screenshots/backoffice-*`.
//!
//! Without chromedriver or axe-core the test says it was skipped and why; under CI it fails.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use skillhub_testkit::browser::{
    Browser, Client, Locator, axe_core, axe_violations, screenshot_dir,
};

use super::serve::Server;

/// `skillhub ARGS` in `dir`; its stdout, after checking it succeeded.
fn skillhub(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_skillhub"))
        .args(args)
        .current_dir(dir)
        .env_remove("SKILLHUB_PUBLIC_URL")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "skillhub {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Waits until the page shows an element `css` (pages load after a click).
async fn wait_for(client: &Client, css: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.find(Locator::Css(css)).await.is_err() {
        let url = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        assert!(Instant::now() < deadline, "no {css} on {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types `text` into the field with id `id`.
async fn fill(client: &Client, id: &str, text: &str) {
    let field = client.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Sets the value of the field with id `id` as a script does (date and time fields take
/// keys in the browser's locale order).
async fn set_value(client: &Client, id: &str, value: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).value = arguments[1];",
            vec![serde_json::json!(id), serde_json::json!(value)],
        )
        .await
        .unwrap();
}

/// Sends `file` as a calendar listing from the upload page, for the hub, 20 seats, `year`.
async fn upload(client: &Client, file: &Path, year: &str) {
    client
        .find(Locator::Id("f-file"))
        .await
        .unwrap()
        .send_keys(&file.display().to_string())
        .await
        .unwrap();
    set_value(client, "f-sede", "binario-f-roma-termini").await;
    fill(client, "f-posti", "20").await;
    fill(client, "f-anno", year).await;
    submit(client, "/gestione/importa").await;
}

/// The body of `GET path` on `base` with `cookie`, as a download outside the browser (the
/// pages' CSP lets no script fetch anything); asserts a 200.
fn download(base: &str, path: &str, cookie: &str) -> String {
    use std::io::{Read as _, Write as _};
    let host = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8(reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    body.to_owned()
}

/// Clicks the submit button of the form whose action ends with `action`.
async fn submit(client: &Client, action: &str) {
    client
        .find(Locator::Css(&format!(
            "form[action*=\"{action}\"] button[type=submit]"
        )))
        .await
        .unwrap_or_else(|err| panic!("no form for {action}: {err}"))
        .click()
        .await
        .unwrap();
}

/// The page's text (read again while a page that was loading replaces the one it found).
async fn text(client: &Client) -> String {
    for _ in 0..50 {
        if let Ok(main) = client.find(Locator::Css("main")).await
            && let Ok(text) = main.text().await
        {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no readable main element")
}

/// The pages seen, for the screenshots and axe-core at the end: (name, path).
type Seen = Vec<(String, String)>;

/// The answer to a form, which cannot be opened again by its path: photographed at 390 and
/// 1280 px and checked by axe-core as it stands.
async fn now(client: &Client, name: &str) {
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();
    for (width, height) in [(390_u32, 1800_u32), (1280, 1400)] {
        client.set_window_size(width, height).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(shots.join(format!("backoffice-{name}-{width}.png")), png).unwrap();
    }
    if let Some(axe) = axe_core() {
        let violations = axe_violations(client, &axe).await;
        assert!(violations.is_empty(), "{name}: {violations:#?}");
    }
}

/// Records the page open now under `name`.
async fn seen(client: &Client, pages: &mut Seen, name: &str) {
    let url = client.current_url().await.unwrap();
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    pages.push((name.to_owned(), path));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_of_work_in_the_back_office() {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("day.db").display());
    let server = Server::start(dir.path(), &db);
    let base = format!("http://{}", server.addr);
    let client = browser.client.clone();
    let outcome = tokio::spawn(day(client, base, dir.path().to_owned(), db)).await;
    browser.close().await;
    server.terminate();
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

async fn day(client: Client, base: String, dir: std::path::PathBuf, db: String) {
    let (client, base) = (&client, base.as_str());
    let mut pages: Seen = Vec::new();

    // The admin, on the server's machine, creates the manager's account.
    let printed = skillhub(
        &dir,
        &[
            "--db",
            &db,
            "staff",
            "add",
            "mara.rossi@example.it",
            "--role",
            "manager",
            "--program",
            "binario-f",
            "--public-url",
            base,
        ],
    );
    let setup = printed.lines().last().unwrap().to_owned();
    assert!(
        setup.starts_with(&format!("{base}/gestione/attiva/")),
        "{printed}"
    );

    // The manager sets a password from the URL, then logs in.
    client.goto(&setup).await.unwrap();
    seen(client, &mut pages, "setup").await;
    fill(client, "password", "una-password-sicura").await;
    fill(client, "again", "una-password-sicura").await;
    submit(client, "/gestione/attiva/").await;
    wait_for(client, "#email").await;
    seen(client, &mut pages, "login").await;
    fill(client, "email", "mara.rossi@example.it").await;
    fill(client, "password", "una-password-sicura").await;
    submit(client, "/gestione/accesso").await;
    wait_for(client, "h1").await;
    assert!(
        text(client).await.contains("Bacheca"),
        "{}",
        text(client).await
    );
    seen(client, &mut pages, "dashboard").await;

    // A new session, at the hub, two months ahead.
    let day = (chrono::Utc::now() + chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    client
        .goto(&format!("{base}/gestione/incontri/nuovo"))
        .await
        .unwrap();
    seen(client, &mut pages, "new-session").await;
    set_value(client, "f-sede", "binario-f-roma-termini").await;
    fill(client, "f-titolo", "WhatsApp per gli uffici stampa").await;
    set_value(client, "f-data", &day).await;
    set_value(client, "f-inizio", "09:30").await;
    set_value(client, "f-fine", "12:30").await;
    fill(client, "f-posti", "20").await;
    submit(client, "/gestione/incontri/nuovo").await;
    wait_for(client, "#iscrizioni").await;
    assert!(
        text(client)
            .await
            .contains("WhatsApp per gli uffici stampa")
    );
    let url = client.current_url().await.unwrap();
    let session = url.path().rsplit('/').next().unwrap().to_owned();

    // A listing with one bad line: the dry run names the line and writes nothing; fixed, it
    // imports.
    let year = (chrono::Utc::now() + chrono::Duration::days(400))
        .format("%Y")
        .to_string();
    let listing = |second: &str| {
        format!(
            "Laboratori a Binario F\n\nMarzo:\n- 11/03 ore 9.30-12.30 ➔ Instagram per i musei\n- {second} ore 9.30-12.30 ➔ Messenger per i Comuni\n"
        )
    };
    let bad = dir.join("calendario-sbagliato.txt");
    std::fs::write(&bad, listing("31/02")).unwrap();
    client
        .goto(&format!("{base}/gestione/importa"))
        .await
        .unwrap();
    seen(client, &mut pages, "upload").await;
    upload(client, &bad, &year).await;
    wait_for(client, "h1").await;
    assert!(
        text(client).await.contains("riga 5"),
        "{}",
        text(client).await
    );
    now(client, "upload-problems").await;
    let good = dir.join("calendario.txt");
    std::fs::write(&good, listing("18/03")).unwrap();
    client
        .goto(&format!("{base}/gestione/importa"))
        .await
        .unwrap();
    upload(client, &good, &year).await;
    wait_for(client, "input[name=azione][value=importa]").await;
    now(client, "upload-dry-run").await;
    client
        .find(Locator::Css(
            "form:has(input[name=azione][value=importa]) button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, "h1").await;
    let imported = text(client).await;
    assert!(imported.contains("Messenger per i Comuni"), "{imported}");

    // A person registers on the public page and keeps the manage link.
    client
        .goto(&format!("{base}/incontri/{session}"))
        .await
        .unwrap();
    fill(client, "f-name", "Giulia Conti").await;
    fill(client, "f-email", "giulia.conti@example.it").await;
    client
        .find(Locator::Id("f-consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .find(Locator::Css("form[method=post] button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, "#manage-link").await;
    let manage = client
        .find(Locator::Id("manage-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    client.goto(&manage).await.unwrap();
    wait_for(client, ".qr svg").await;
    let registration = manage
        .split("/iscrizioni/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned();

    // The manager sees her, checks her in through the QR code's URL, downloads the
    // spreadsheet and the register, then cancels the session.
    client
        .goto(&format!("{base}/gestione/incontri/{session}"))
        .await
        .unwrap();
    assert!(text(client).await.contains("Giulia Conti"));
    seen(client, &mut pages, "desk").await;
    client
        .goto(&format!("{base}/gestione/presenza/{registration}"))
        .await
        .unwrap();
    seen(client, &mut pages, "check-in-card").await;
    submit(client, "/gestione/presenza/").await;
    wait_for(client, ".notice.ok").await;
    client
        .goto(&format!("{base}/gestione/incontri/{session}/presenze"))
        .await
        .unwrap();
    assert!(
        text(client).await.contains("1 / 1"),
        "{}",
        text(client).await
    );
    seen(client, &mut pages, "check-in-list").await;
    let cookie = client.get_named_cookie("skillhub_staff").await.unwrap();
    let csv = download(
        base,
        &format!("/gestione/incontri/{session}/iscrizioni.csv"),
        &format!("skillhub_staff={}", cookie.value()),
    );
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("Giulia Conti"),
        "{csv}"
    );
    client
        .goto(&format!("{base}/gestione/incontri/{session}/registro"))
        .await
        .unwrap();
    assert!(text(client).await.contains("Giulia Conti"));
    seen(client, &mut pages, "session-register").await;
    client
        .goto(&format!("{base}/gestione/incontri/{session}/modifica"))
        .await
        .unwrap();
    seen(client, &mut pages, "edit").await;
    fill(client, "f-motivo", "la sala non è disponibile").await;
    submit(client, &format!("/gestione/incontri/{session}/annulla")).await;
    wait_for(client, "#iscrizioni").await;
    assert!(
        text(client).await.contains("Incontro annullato"),
        "{}",
        text(client).await
    );

    client
        .goto(&format!("{base}/gestione/programmi/binario-f"))
        .await
        .unwrap();
    assert!(text(client).await.contains("Avanzamento"));
    seen(client, &mut pages, "program").await;
    // The funder's period report, as the browser prints it: the staff's and the public version.
    client
        .goto(&format!(
            "{base}/gestione/programmi/binario-f/relazione?dal=2019-02-01&al=2019-06-30"
        ))
        .await
        .unwrap();
    assert!(text(client).await.contains("Relazione per il finanziatore"));
    seen(client, &mut pages, "funder-report").await;
    client
        .goto(&format!(
            "{base}/gestione/programmi/binario-f/relazione?dal=2019-02-01&al=2019-06-30&versione=pubblica"
        ))
        .await
        .unwrap();
    assert!(text(client).await.contains("versione pubblica"));
    seen(client, &mut pages, "funder-report-public").await;
    // The program's definition: the current text in the box, a preview of it (no change), the
    // versions.
    client
        .goto(&format!("{base}/gestione/programmi/binario-f/definizione"))
        .await
        .unwrap();
    assert!(text(client).await.contains("Versione attuale"));
    seen(client, &mut pages, "definition").await;
    client
        .find(Locator::Css("button[name=azione][value=anteprima]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(client, "div.notice[role=status]").await;
    assert!(
        text(client)
            .await
            .contains("Nessuna modifica rispetto alla versione attuale"),
        "{}",
        text(client).await
    );
    now(client, "definition-preview").await;
    client
        .goto(&format!("{base}/gestione/programmi/binario-f/versioni"))
        .await
        .unwrap();
    assert!(text(client).await.contains("seed"));
    seen(client, &mut pages, "versions").await;
    // The registro presenze of one of its sessions, as the browser prints it.
    client
        .goto(&format!(
            "{base}/gestione/incontri/binario-f-2019-02-12/registro"
        ))
        .await
        .unwrap();
    assert!(text(client).await.contains("Registro presenze"));
    seen(client, &mut pages, "register").await;
    client
        .goto(&format!("{base}/gestione/account"))
        .await
        .unwrap();
    seen(client, &mut pages, "account").await;

    // Every page at 390 and 1280 px, nothing wider than the screen at 390; then axe-core.
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();
    for (width, height) in [(390_u32, 1800_u32), (1280, 1400)] {
        client.set_window_size(width, height).await.unwrap();
        for (name, path) in &pages {
            client.goto(&format!("{base}{path}")).await.unwrap();
            let png = client.screenshot().await.unwrap();
            std::fs::write(shots.join(format!("backoffice-{name}-{width}.png")), png).unwrap();
        }
    }
    let Some(axe) = axe_core() else {
        return;
    };
    client.set_window_size(1280, 1000).await.unwrap();
    for (name, path) in &pages {
        for lang in ["", "lang=en"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = if lang.is_empty() {
                format!("{base}{path}")
            } else {
                format!("{base}{path}{sep}{lang}")
            };
            client.goto(&url).await.unwrap();
            let violations = axe_violations(client, &axe).await;
            assert!(violations.is_empty(), "{name} ({url}): {violations:#?}");
        }
    }
}
