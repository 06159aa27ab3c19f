//! Mail from the real binaries: a message committed before a `kill -9` is sent once after the
//! restart, two servers on one PostgreSQL never send a message twice, and `skillhub mail
//! deliver|status` work on the embedded default (`.eml` files in `./mail`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::serve::{PgDatabase, Server, create_session, register};

/// Who each message went to and its Message-ID.
fn envelopes(messages: &[Vec<u8>]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|bytes| {
            let message = mail_parser::MessageParser::default().parse(bytes).unwrap();
            (
                message
                    .to()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
                    .unwrap()
                    .to_owned(),
                message.message_id().unwrap().to_owned(),
            )
        })
        .collect()
}

/// `skillhub ARGS` in `dir`; its stdout, after checking it succeeded.
fn skillhub(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_skillhub"))
        .args(args)
        .current_dir(dir)
        .env_remove("SKILLHUB_SMTP_URL")
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

#[test]
fn a_message_committed_before_kill_9_is_sent_once_after_the_restart() {
    let Some(smtp) = skillhub_testkit::smtp_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("mail.db").display());
    let env = [("SKILLHUB_SMTP_URL", smtp.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // The first server decides and commits, and is killed before anything is sent.
    let first = Server::start_with_env(dir.path(), &["--db", &db, "--no-delivery"], &env);
    let session = create_session(&first.addr, 2);
    for n in 1..=3 {
        register(&first.addr, &session, n);
    }
    first.kill9();
    assert!(
        smtp.messages().is_empty(),
        "nothing was sent before the kill"
    );
    // The restarted one sends what was committed, once.
    let second = Server::start_with_env(dir.path(), &["--db", &db], &env);
    smtp.wait_for(3, Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(3));
    let sent = envelopes(&smtp.messages());
    let to: BTreeSet<&str> = sent.iter().map(|(to, _)| to.as_str()).collect();
    let ids: BTreeSet<&str> = sent.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(sent.len(), 3, "each message once: {sent:?}");
    assert_eq!(
        to,
        BTreeSet::from(["p1@example.it", "p2@example.it", "p3@example.it"])
    );
    assert_eq!(ids.len(), 3);
    second.terminate();
}

#[test]
fn two_servers_on_one_postgresql_never_send_a_message_twice() {
    let Some(admin_url) = skillhub_testkit::postgres_url() else {
        return;
    };
    let Some(smtp) = skillhub_testkit::smtp_server() else {
        return;
    };
    let db = PgDatabase::create(&admin_url, "mail");
    let dir = tempfile::tempdir().unwrap();
    let env = [("SKILLHUB_SMTP_URL", smtp.url())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let first = Server::start_with_env(dir.path(), &["--db", &db.url], &env);
    let second = Server::start_with_env(dir.path(), &["--db", &db.url], &env);
    let session = create_session(&first.addr, 10);
    let addrs = [first.addr.clone(), second.addr.clone()];
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let addr = addrs[n % 2].clone();
            let session = session.clone();
            std::thread::spawn(move || register(&addr, &session, n))
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    smtp.wait_for(40, Duration::from_secs(60));
    // Both senders keep passing: nothing more may come.
    std::thread::sleep(Duration::from_secs(4));
    let sent = envelopes(&smtp.messages());
    let to: BTreeSet<&str> = sent.iter().map(|(to, _)| to.as_str()).collect();
    let ids: BTreeSet<&str> = sent.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(sent.len(), 40, "one message per registration");
    assert_eq!((to.len(), ids.len()), (40, 40), "none twice");
    first.terminate();
    second.terminate();
}

#[test]
fn mail_deliver_writes_eml_files_and_mail_status_counts() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("mail.db").display());
    let server = Server::start_with_env(dir.path(), &["--db", &db, "--no-delivery"], &[]);
    let session = create_session(&server.addr, 1);
    register(&server.addr, &session, 1);
    register(&server.addr, &session, 2);
    server.terminate();
    assert_eq!(
        skillhub(dir.path(), &["mail", "status", "--db", &db]),
        "2 queued, 0 sent, 0 failed\n"
    );
    let delivered = skillhub(
        dir.path(),
        &[
            "mail",
            "deliver",
            "--db",
            &db,
            "--public-url",
            "https://corsi.example.it",
        ],
    );
    assert!(
        delivered.starts_with("2 sent, 0 to retry, 0 failed"),
        "{delivered}"
    );
    let mut files: Vec<String> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["00000001-confirmed.eml", "00000002-waitlisted.eml"]);
    let eml = std::fs::read(dir.path().join("mail").join(&files[1])).unwrap();
    let message = mail_parser::MessageParser::default().parse(&eml).unwrap();
    let text = message.body_text(0).unwrap();
    assert!(
        text.contains("https://corsi.example.it/iscrizioni/2/"),
        "a full manage link:\n{text}"
    );
    let status: serde_json::Value = serde_json::from_str(&skillhub(
        dir.path(),
        &["mail", "status", "--db", &db, "--json"],
    ))
    .unwrap();
    assert_eq!(
        (&status["queued"], &status["sent"], &status["failed"]),
        (&0.into(), &2.into(), &0.into())
    );
}
