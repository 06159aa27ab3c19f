//! Staff accounts: a setup link works once and for 72 hours; logins live in a table, so logout,
//! disabling and a new password end them at once; five failed logins lock the account; scopes
//! are checked against the programs and hubs; trainers are assigned to their program's sessions
//! only; every change is audited with the staff id and without the address.

use chrono::Duration;
use skillhub_core::ids::{HubId, ProgramId, SessionId, Tag};
use skillhub_core::person::Email;
use skillhub_core::staff::{Role, Scope};
use skillhub_store::{
    Error, LOGIN_IDLE, LOGIN_LIFETIME, MAX_FAILED_LOGINS, NewStaff, SETUP_LINK_VALIDITY,
    StaffRefusal, Store,
};

use super::{PgDatabase, at, session_with, sqlite};

contract!(
    a_setup_link_sets_the_password_once,
    logins_end_at_logout_disabling_idleness_and_a_new_password,
    failed_logins_lock_the_account,
    scopes_name_real_programs_and_hubs,
    trainers_are_assigned_to_their_programs_sessions,
);

fn email(text: &str) -> Email {
    Email::parse(text).unwrap()
}

fn manager_of(program: &str) -> Scope {
    Scope::new(
        Role::Manager,
        Some(ProgramId::parse(program).unwrap()),
        None,
    )
    .unwrap()
}

async fn account(store: &Store, address: &str, scope: Scope) -> (i64, String) {
    let link = store
        .add_staff(
            "cli",
            &NewStaff {
                email: email(address),
                scope,
            },
            at(8, 0),
        )
        .await
        .unwrap();
    (link.account.id, link.token)
}

async fn a_setup_link_sets_the_password_once(store: Store, _url: String) {
    let (id, token) = account(&store, "Anna@Example.org", manager_of("binario-f")).await;
    let opened = store
        .setup_account(&token, at(9, 0))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(opened.id, id);
    assert_eq!(opened.email, "Anna@example.org", "the local part as typed");
    assert!(!opened.has_password);
    // The same address in another case is the same person: one account.
    let again = store
        .add_staff(
            "cli",
            &NewStaff {
                email: email("anna@example.ORG"),
                scope: Scope::admin(),
            },
            at(8, 0),
        )
        .await;
    assert!(matches!(again, Err(Error::Staff(StaffRefusal::Exists(found))) if found == id));
    // Not after 72 hours.
    let late = at(8, 0) + SETUP_LINK_VALIDITY;
    assert!(store.setup_account(&token, late).await.unwrap().is_none());
    assert!(matches!(
        store.set_password(&token, "$argon2id$late", late).await,
        Err(Error::Staff(StaffRefusal::SetupLinkGone))
    ));
    // Once within them.
    let set = store
        .set_password(&token, "$argon2id$first", at(9, 0))
        .await
        .unwrap();
    assert!(set.has_password);
    assert!(matches!(
        store
            .set_password(&token, "$argon2id$second", at(9, 1))
            .await,
        Err(Error::Staff(StaffRefusal::SetupLinkGone))
    ));
    let candidate = store
        .login_candidate(&email("ANNA@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(candidate.password_hash.as_deref(), Some("$argon2id$first"));
    // A reset issues a new link and spends the old ones; the password stays until it is used.
    let reset = store
        .reset_staff("staff:1", &email("anna@example.org"), at(10, 0))
        .await
        .unwrap();
    assert!(
        store
            .setup_account(&reset.token, at(10, 0))
            .await
            .unwrap()
            .is_some()
    );
    let (_, unused) = account(&store, "bruno@example.org", Scope::admin()).await;
    let reset_bruno = store
        .reset_staff("cli", &email("bruno@example.org"), at(10, 0))
        .await
        .unwrap();
    assert!(
        store
            .setup_account(&unused, at(10, 0))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .setup_account(&reset_bruno.token, at(10, 0))
            .await
            .unwrap()
            .is_some()
    );
    // The audit log names accounts by id and role, never by address.
    let log = store.audit_log("staff", &id.to_string()).await.unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["staff.add", "staff.password", "staff.reset"]);
    assert_eq!(log[1].actor, format!("staff:{id}"));
    for entry in &log {
        let text = format!("{:?} {:?}", entry.before, entry.after);
        assert!(!text.to_lowercase().contains("anna"), "{text}");
    }
    assert!(log[0].after.as_deref().unwrap().contains("\"manager\""));
}

async fn logins_end_at_logout_disabling_idleness_and_a_new_password(store: Store, _url: String) {
    let (id, token) = account(&store, "carla@example.org", manager_of("binario-f")).await;
    store
        .set_password(&token, "$argon2id$x", at(8, 0))
        .await
        .unwrap();
    let login = store.open_login(id, false, at(9, 0)).await.unwrap();
    let found = store
        .login_session(&login, at(9, 10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.account.id, id);
    assert!(!found.second_factor_due);
    // Idle for LOGIN_IDLE since the last request: over.
    assert!(
        store
            .login_session(&login, at(9, 10) + LOGIN_IDLE)
            .await
            .unwrap()
            .is_none()
    );
    // Used every few minutes it lives, but never past LOGIN_LIFETIME.
    let busy = store.open_login(id, false, at(9, 0)).await.unwrap();
    let mut now = at(9, 0);
    while now < at(9, 0) + LOGIN_LIFETIME - Duration::minutes(20) {
        now += Duration::minutes(20);
        assert!(
            store.login_session(&busy, now).await.unwrap().is_some(),
            "{now}"
        );
    }
    assert!(
        store
            .login_session(&busy, at(9, 0) + LOGIN_LIFETIME)
            .await
            .unwrap()
            .is_none()
    );
    // Logout: at once.
    store.close_login(&login, at(9, 11)).await.unwrap();
    assert!(
        store
            .login_session(&login, at(9, 11))
            .await
            .unwrap()
            .is_none()
    );
    // Disabling closes every login and refuses new ones; enabling lets the password work again.
    let a = store.open_login(id, false, at(10, 0)).await.unwrap();
    let b = store.open_login(id, false, at(10, 0)).await.unwrap();
    store
        .disable_staff("staff:9", &email("carla@example.org"), at(10, 1))
        .await
        .unwrap();
    for login in [&a, &b] {
        assert!(
            store
                .login_session(login, at(10, 1))
                .await
                .unwrap()
                .is_none()
        );
    }
    assert!(
        store
            .login_candidate(&email("carla@example.org"))
            .await
            .unwrap()
            .is_none()
    );
    store
        .enable_staff("staff:9", &email("carla@example.org"), at(10, 2))
        .await
        .unwrap();
    assert!(store.login_session(&a, at(10, 2)).await.unwrap().is_none());
    assert!(
        store
            .login_candidate(&email("carla@example.org"))
            .await
            .unwrap()
            .is_some()
    );
    // A new password ends the sessions opened with the old one.
    let c = store.open_login(id, false, at(11, 0)).await.unwrap();
    let reset = store
        .reset_staff("cli", &email("carla@example.org"), at(11, 0))
        .await
        .unwrap();
    assert!(store.login_session(&c, at(11, 1)).await.unwrap().is_some());
    store
        .set_password(&reset.token, "$argon2id$y", at(11, 2))
        .await
        .unwrap();
    assert!(store.login_session(&c, at(11, 2)).await.unwrap().is_none());
    // A second factor due reaches nothing until it is passed.
    let d = store.open_login(id, true, at(12, 0)).await.unwrap();
    assert!(
        store
            .login_session(&d, at(12, 0))
            .await
            .unwrap()
            .unwrap()
            .second_factor_due
    );
    store.pass_second_factor(&d, at(12, 1)).await.unwrap();
    assert!(
        !store
            .login_session(&d, at(12, 1))
            .await
            .unwrap()
            .unwrap()
            .second_factor_due
    );
    // A TOTP step is accepted once, and never an earlier one; a new secret starts afresh.
    store
        .set_totp("staff:9", id, Some("JBSWY3DPEHPK3PXP"), at(12, 2))
        .await
        .unwrap();
    assert!(
        store
            .login_candidate(&email("carla@example.org"))
            .await
            .unwrap()
            .unwrap()
            .account
            .has_totp
    );
    assert!(store.accept_totp_step(id, 100).await.unwrap());
    assert!(!store.accept_totp_step(id, 100).await.unwrap());
    assert!(!store.accept_totp_step(id, 99).await.unwrap());
    assert!(store.accept_totp_step(id, 101).await.unwrap());
    store
        .set_totp("staff:9", id, Some("KRSXG5CTMVRXEZLU"), at(12, 3))
        .await
        .unwrap();
    assert!(store.accept_totp_step(id, 50).await.unwrap());
    store
        .set_totp("staff:9", id, None, at(12, 4))
        .await
        .unwrap();
    assert!(
        !store
            .login_candidate(&email("carla@example.org"))
            .await
            .unwrap()
            .unwrap()
            .account
            .has_totp
    );
    // An unknown cookie is nobody.
    assert!(
        store
            .login_session("f00", at(12, 1))
            .await
            .unwrap()
            .is_none()
    );
}

async fn failed_logins_lock_the_account(store: Store, _url: String) {
    let (id, _) = account(&store, "dario@example.org", Scope::admin()).await;
    for n in 1..MAX_FAILED_LOGINS {
        assert!(!store.login_failed(id, at(9, n as u32)).await.unwrap());
    }
    assert!(store.login_failed(id, at(9, 30)).await.unwrap());
    let candidate = store
        .login_candidate(&email("dario@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(candidate.locked_until, Some(at(9, 45)));
    // A login clears the count: four more failures do not lock again.
    store.open_login(id, false, at(10, 0)).await.unwrap();
    for n in 1..MAX_FAILED_LOGINS {
        assert!(!store.login_failed(id, at(10, n as u32)).await.unwrap());
    }
    let candidate = store
        .login_candidate(&email("dario@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(candidate.locked_until, None);
}

async fn scopes_name_real_programs_and_hubs(store: Store, _url: String) {
    let add = |address: &'static str, scope: Scope| {
        let store = store.clone();
        async move {
            store
                .add_staff(
                    "cli",
                    &NewStaff {
                        email: email(address),
                        scope,
                    },
                    at(8, 0),
                )
                .await
        }
    };
    let operator = |program: &str, hub: &str| {
        Scope::new(
            Role::Operator,
            Some(ProgramId::parse(program).unwrap()),
            Some(HubId::parse(hub).unwrap()),
        )
        .unwrap()
    };
    assert!(matches!(
        add("e@example.org", manager_of("no-such-program")).await,
        Err(Error::UnknownProgram(_))
    ));
    assert!(matches!(
        add("e@example.org", operator("binario-f", "no-such-hub")).await,
        Err(Error::UnknownHub(_))
    ));
    assert!(matches!(
        add(
            "e@example.org",
            operator("milano-digitale", "binario-f-roma-termini")
        )
        .await,
        Err(Error::Staff(StaffRefusal::HubOfAnotherProgram { .. }))
    ));
    let ok = add(
        "e@example.org",
        operator("binario-f", "binario-f-roma-termini"),
    )
    .await
    .unwrap();
    // An operator of a partner's hubs: the partner must be the program's.
    let of_partner = |program: &str, partner: &str| {
        Scope::bound(
            Role::Operator,
            Some(ProgramId::parse(program).unwrap()),
            None,
            Some(Tag::parse(partner).unwrap()),
        )
        .unwrap()
    };
    assert_eq!(
        add("p@example.org", of_partner("binario-f", "comune-di-milano"))
            .await
            .unwrap_err()
            .to_string(),
        Error::Staff(StaffRefusal::UnknownPartner {
            partner: "comune-di-milano".into(),
            program: "binario-f".into()
        })
        .to_string()
    );
    let city = add(
        "p@example.org",
        of_partner("milano-digitale", "comune-di-milano"),
    )
    .await
    .unwrap();
    let listed = store.staff_accounts().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].scope, ok.account.scope);
    assert_eq!(listed[1].scope, city.account.scope);
    assert_eq!(
        listed[1].scope.partner().map(Tag::as_str),
        Some("comune-di-milano")
    );
    assert_eq!(
        store
            .staff_account(ok.account.id)
            .await
            .unwrap()
            .unwrap()
            .scope
            .role(),
        Role::Operator
    );
}

async fn trainers_are_assigned_to_their_programs_sessions(store: Store, _url: String) {
    let session = session_with(&store, "binario-f-lab", 5, 0).await;
    let session = SessionId::parse(&session).unwrap();
    let program = store
        .session(session.as_str())
        .await
        .unwrap()
        .unwrap()
        .program_id;
    let trainer = Scope::new(Role::Trainer, Some(program.clone()), None).unwrap();
    let (trainer_id, _) = account(&store, "f@example.org", trainer).await;
    let (manager_id, _) = account(&store, "g@example.org", manager_of(program.as_str())).await;
    let elsewhere = if program.as_str() == "milano-digitale" {
        "binario-f"
    } else {
        "milano-digitale"
    };
    let other = Scope::new(
        Role::Trainer,
        Some(ProgramId::parse(elsewhere).unwrap()),
        None,
    )
    .unwrap();
    let (other_id, _) = account(&store, "h@example.org", other).await;
    for refused in [manager_id, other_id, 999] {
        assert!(matches!(
            store
                .assign_trainer("cli", &session, refused, at(9, 0))
                .await,
            Err(Error::Staff(StaffRefusal::NotATrainerHere { .. }))
        ));
    }
    store
        .assign_trainer("staff:1", &session, trainer_id, at(9, 0))
        .await
        .unwrap();
    store
        .assign_trainer("staff:1", &session, trainer_id, at(9, 1))
        .await
        .unwrap();
    assert_eq!(
        store.session_trainers(session.as_str()).await.unwrap(),
        [trainer_id]
    );
    assert_eq!(
        store.trainer_sessions(trainer_id).await.unwrap(),
        std::slice::from_ref(&session)
    );
    assert!(store.trainer_sessions(other_id).await.unwrap().is_empty());
    let log = store.audit_log("session", session.as_str()).await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "session.trainer").count(),
        1,
        "assigning twice is one change"
    );
}
