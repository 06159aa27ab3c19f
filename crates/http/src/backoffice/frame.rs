//! The frame of every back-office page: the public pages' style sheet with wider pages and
//! tables, a header that names the account and its role with the logout button, the language
//! switch, one `main`. No script, nothing loaded from elsewhere.

use maud::{DOCTYPE, Markup, PreEscaped, html};
use skillhub_core::staff::Role;

use super::login::Login;
use crate::web::Lang;
use crate::web::layout::STYLE;

/// What the back office adds to the public style sheet: wide pages, tables that scroll inside
/// their box on a phone, compact forms in table cells, and the attendance register's print rules.
const STAFF_STYLE: &str = r#"
.wrap.wide{max-width:80rem}
header.site nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center}
header.site form{margin:0}
header.site button{padding:.3rem .8rem;background:#fff;color:#0b3d91;border-color:#fff}
.who{font-size:.95rem}
.table-box{overflow-x:auto;margin:0 0 1.5rem;border:1px solid #d0d7e2;border-radius:.5rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:700;padding:.5rem .75rem}
th,td{text-align:left;padding:.45rem .75rem;border-top:1px solid #d0d7e2;vertical-align:top}
thead th{background:#f3f6fa;border-top:none}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
td form{margin:0}
td button{padding:.3rem .7rem;font-size:.9rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 1rem}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;background:#e8edf5;color:#1b1b1b;font-size:.85rem;font-weight:600}
.badge.ok{background:#e6f4ea;color:#0f5323}
.badge.wait{background:#fff4e5;color:#6b3500}
.badge.bad{background:#fdecea;color:#8a1c12}
input[type=password],input[type=number],input[type=time],input[type=datetime-local],input[type=search],input[type=file],textarea{width:100%;max-width:28rem;font:inherit;padding:.5rem;border:2px solid #5a6472;border-radius:.35rem;background:#fff;color:inherit}
textarea{max-width:48rem;min-height:8rem}
textarea.code{max-width:none;font-family:ui-monospace,Consolas,"DejaVu Sans Mono",monospace;font-size:.9rem;white-space:pre;overflow-wrap:normal;overflow-x:auto}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
details summary{cursor:pointer;color:#0b3d91;text-decoration:underline}
button.big{font-size:1.25rem;padding:1rem 2rem;width:100%;max-width:24rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0 1rem}
@page{size:A4;margin:15mm}
table.register th,table.register td{border:1px solid #5a6472}
table.register td.sign{width:40%;height:2.75rem}
table.register tr{break-inside:avoid;page-break-inside:avoid}
table.register thead{display:table-header-group}
.sign-line{display:flex;gap:.5rem;align-items:flex-end;margin:1.5rem 0 0}
.sign-line span{flex:1;max-width:20rem;border-bottom:1px solid #1b1b1b;min-height:1.5rem}
@media print{header.site,footer,.no-print,.skip{display:none}body{font-size:11pt}a{color:inherit;text-decoration:none}.table-box{border:none;overflow:visible}}
"#;

/// A whole back-office page: `title` in `<title>` (the `h1` is up to the body); `login` shows the
/// account and the logout button; `here` is this page's path, for the language switch.
pub(crate) fn staff_page(
    lang: Lang,
    title: &str,
    login: Option<&Login>,
    here: &str,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — skillhub gestione" }
                style { (PreEscaped(STYLE)) (PreEscaped(STAFF_STYLE)) }
            }
            body {
                a.skip href="#main" { (lang.pick("Vai al contenuto", "Skip to content")) }
                header.site {
                    div.wrap.wide {
                        a.brand href=(with_lang("/gestione", lang)) { "skillhub · " (lang.pick("gestione", "back office")) }
                        nav aria-label=(lang.pick("Menu della gestione", "Back-office menu")) {
                            @if let Some(login) = login {
                                a href=(with_lang("/gestione", lang)) { (lang.pick("Bacheca", "Dashboard")) }
                                a href=(with_lang("/gestione/account", lang)) { (lang.pick("Account", "Account")) }
                                span.who { (login.account().email) " (" (role_name(lang, login.account().scope.role())) ")" }
                                form method="post" action=(with_lang("/gestione/esci", lang)) {
                                    input type="hidden" name="csrf" value=(login.csrf());
                                    button type="submit" { (lang.pick("Esci", "Log out")) }
                                }
                            }
                            a href=(switch_link(here, lang)) lang=(lang.other().code()) hreflang=(lang.other().code()) {
                                (lang.pick("English", "Italiano"))
                            }
                        }
                    }
                }
                main #main.wrap.wide tabindex="-1" { (body) }
                footer {
                    div.wrap.wide {
                        p { (lang.pick("skillhub — gestione dei programmi di formazione digitale", "skillhub — running digital-skills training programs")) }
                    }
                }
            }
        }
    }
}

/// A role in words.
pub(crate) fn role_name(lang: Lang, role: Role) -> &'static str {
    match role {
        Role::Admin => lang.pick("amministrazione", "admin"),
        Role::Manager => lang.pick("responsabile del programma", "program manager"),
        Role::Operator => lang.pick("operatore di sede", "hub operator"),
        Role::Trainer => lang.pick("formatore", "trainer"),
    }
}

/// `path` with `lang=en` when the page is English (Italian needs nothing).
pub(crate) fn with_lang(path: &str, lang: Lang) -> String {
    crate::web::layout::with_lang(path, lang)
}

/// `path` in the other language, for the switch.
fn switch_link(path: &str, lang: Lang) -> String {
    crate::web::layout::switch_link(path, lang)
}
