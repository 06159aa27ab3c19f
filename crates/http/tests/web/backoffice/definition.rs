//! A program's definition in the back office: the current text in the box, a preview that
//! writes nothing (with the note when a rule changes), a save that makes a new version, the
//! problems with their line and pointer, a new program uploaded by an admin, and who may.

use axum::body::Body;
use axum::http::{Request, header};
use skillhub_core::fixture::SEED_PROGRAMS;
use skillhub_core::staff::{Role, Scope};

use super::super::{Reply, Web, send};
use super::{BOUNDARY, StaffClient, binario_f, multipart};

const PAGE: &str = "/gestione/programmi/binario-f/definizione";

/// The example program that is not a seed.
const EXAMPLE: &str =
    include_str!("../../../../../fixtures/programs/examples/portici-digitali.toml");

fn seed(name: &str) -> &'static str {
    SEED_PROGRAMS
        .iter()
        .find(|(file, _)| *file == name)
        .map(|(_, text)| *text)
        .unwrap()
}

/// Posts the definition form of `path` as `client`.
async fn post(
    web: &Web,
    client: &StaffClient,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Reply {
    let mut all = vec![("csrf", client.csrf.as_str())];
    all.extend_from_slice(fields);
    let request = Request::post(path)
        .header(header::COOKIE, &client.cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(multipart(&all, file)))
        .unwrap();
    send(&web.app, request).await
}

async fn version(web: &Web, id: &str) -> i64 {
    web.store.stored_program(id).await.unwrap().unwrap().version
}

#[tokio::test]
async fn a_manager_previews_then_saves_a_new_version() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "ada@example.org", binario_f(Role::Manager)).await;
    let page = manager.get(&web, PAGE).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("id = &quot;binario-f&quot;"),
        "{}",
        page.text
    );
    assert!(page.text.contains("Versione attuale: <strong>1</strong>"));

    let edited = seed("binario-f.toml")
        .replace(
            "name = \"Social Academy a Binario F\"",
            "name = \"Social Academy a Binario F (seconda edizione)\"",
        )
        .replace(
            "[[priority]]",
            "eligibility = { age = { min = 18 } }\n\n[[priority]]",
        );
    let preview = post(
        &web,
        &manager,
        PAGE,
        &[("definizione", &edited), ("azione", "anteprima")],
        None,
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert!(preview.text.contains("Anteprima: niente è ancora salvato"));
    assert!(
        preview.text.contains("versione 1 → <strong>2</strong>"),
        "{}",
        preview.text
    );
    assert!(
        preview
            .text
            .contains("Vale solo per le iscrizioni fatte dopo la modifica"),
        "a changed rule says it spares existing seats: {}",
        preview.text
    );
    assert!(preview.text.contains("value=\"salva\""), "the save button");
    assert_eq!(
        version(&web, "binario-f").await,
        1,
        "a preview writes nothing"
    );

    let saved = post(
        &web,
        &manager,
        PAGE,
        &[("definizione", &edited), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert!(saved.text.contains("Nuova versione salvata"));
    assert_eq!(version(&web, "binario-f").await, 2);
    // This process reads the new version at once.
    let api = send(
        &web.app,
        Request::get("/v1/programs/binario-f")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(api.text.contains("(seconda edizione)"), "{}", api.text);

    let history = manager
        .get(&web, "/gestione/programmi/binario-f/versioni")
        .await;
    assert_eq!(history.status, 200, "{}", history.text);
    assert!(
        history.text.contains(&format!("staff:{}", manager.id)),
        "{}",
        history.text
    );
    assert!(
        history.text.contains("(seconda edizione)"),
        "{}",
        history.text
    );
}

#[tokio::test]
async fn problems_are_listed_with_their_line_and_nothing_is_saved() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "ada@example.org", binario_f(Role::Manager)).await;
    let bad = seed("binario-f.toml").replace(
        "window = { from = \"2019-02-12\", until = \"2019-06-04\" }",
        "window = { from = \"2019-02-12\", until = \"2018-06-04\" }",
    );
    let line = bad.lines().position(|l| l.starts_with("window =")).unwrap() + 1;
    let reply = post(
        &web,
        &manager,
        PAGE,
        &[("definizione", &bad), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply
            .text
            .contains(&format!("Riga {line}: <code>/window/until</code>")),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("2018-06-04"),
        "the text stays in the box"
    );
    assert_eq!(version(&web, "binario-f").await, 1);

    let syntax = post(
        &web,
        &manager,
        PAGE,
        &[
            ("definizione", "id = \"binario-f\"\nname = \n"),
            ("azione", "anteprima"),
        ],
        None,
    )
    .await;
    assert_eq!(syntax.status, 422, "{}", syntax.text);
    assert!(syntax.text.contains("Riga 2"), "{}", syntax.text);
}

#[tokio::test]
async fn a_page_replaces_only_its_own_program() {
    let web = Web::new().await;
    let manager = StaffClient::new(&web, "ada@example.org", binario_f(Role::Manager)).await;
    let other = seed("she-means-business.toml");
    let reply = post(
        &web,
        &manager,
        PAGE,
        &[("definizione", other), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    assert!(
        reply.text.contains("l&#39;id non si cambia") || reply.text.contains("l'id non si cambia"),
        "{}",
        reply.text
    );
    assert_eq!(version(&web, "she-means-business").await, 1);
}

#[tokio::test]
async fn an_admin_uploads_a_new_program_previews_and_saves_it() {
    let web = Web::new().await;
    let admin = StaffClient::new(&web, "root@example.org", Scope::admin()).await;
    let form = admin.get(&web, "/gestione/programmi/nuovo").await;
    assert_eq!(form.status, 200, "{}", form.text);
    let preview = post(
        &web,
        &admin,
        "/gestione/programmi/nuovo",
        &[("definizione", ""), ("azione", "salva")],
        Some(("portici-digitali.toml", EXAMPLE.as_bytes())),
    )
    .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert!(
        preview.text.contains("Anteprima"),
        "a file is always previewed first: {}",
        preview.text
    );
    assert!(
        web.store
            .stored_program("portici-digitali")
            .await
            .unwrap()
            .is_none()
    );
    let saved = post(
        &web,
        &admin,
        "/gestione/programmi/nuovo",
        &[("definizione", EXAMPLE), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert!(saved.text.contains("Programma creato"), "{}", saved.text);
    assert_eq!(version(&web, "portici-digitali").await, 1);
    // Once more is a refusal: it exists.
    let again = post(
        &web,
        &admin,
        "/gestione/programmi/nuovo",
        &[("definizione", EXAMPLE), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(again.status, 409, "{}", again.text);
    assert!(
        again.text.contains("Esiste già un programma"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn who_may_change_a_definition() {
    let web = Web::new().await;
    let operator = StaffClient::new(&web, "op@example.org", binario_f(Role::Operator)).await;
    assert_eq!(operator.get(&web, PAGE).await.status, 403);
    assert_eq!(
        operator
            .get(&web, "/gestione/programmi/binario-f/versioni")
            .await
            .status,
        403
    );
    let manager = StaffClient::new(&web, "ada@example.org", binario_f(Role::Manager)).await;
    assert_eq!(
        manager
            .get(&web, "/gestione/programmi/milano-digitale/definizione")
            .await
            .status,
        403,
        "another program's"
    );
    assert_eq!(
        manager.get(&web, "/gestione/programmi/nuovo").await.status,
        403,
        "a new program is an admin's"
    );
    let refused = post(
        &web,
        &manager,
        "/gestione/programmi/nuovo",
        &[("definizione", EXAMPLE), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(refused.status, 403);
    assert!(
        web.store
            .stored_program("portici-digitali")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        manager
            .get(&web, "/gestione/programmi/nessuno/definizione")
            .await
            .status,
        404
    );
    // Not logged in: the login page, nothing of the definition.
    let anonymous = send(&web.app, Request::get(PAGE).body(Body::empty()).unwrap()).await;
    assert_eq!(anonymous.status, 303);
    // Without the form's token: refused, nothing written.
    let mut forged = StaffClient::new(&web, "eve@example.org", binario_f(Role::Manager)).await;
    forged.csrf = "forged".into();
    let reply = post(
        &web,
        &forged,
        PAGE,
        &[("definizione", seed("binario-f.toml")), ("azione", "salva")],
        None,
    )
    .await;
    assert_eq!(reply.status, 403);
    assert_eq!(version(&web, "binario-f").await, 1);
}
