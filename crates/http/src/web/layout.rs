//! The frame of every page: `lang`, viewport, title, a skip link, the language switch, one `main`
//! and the inline style sheet. No script, no external asset: the binary serves each page whole.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::i18n::{Lang, Speak as _, T};

/// The style sheet, inline. Fluid down to 320 px (no fixed widths, long words wrap), system
/// fonts, contrast above 4.5:1, and a thick focus ring on everything focusable.
pub(crate) const STYLE: &str = r#"
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1b1b1b;background:#fff}
body{margin:0}
.wrap{max-width:48rem;margin:0 auto;padding:0 1rem}
header.site{background:#0b3d91;color:#fff}
header.site .wrap{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;padding:.75rem 1rem}
header.site a{color:#fff}
.brand{font-weight:700;text-decoration:none;font-size:1.1rem}
main{padding:1rem 0 2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.3rem;margin:2rem 0 .75rem;border-bottom:2px solid #d0d7e2;padding-bottom:.25rem}
h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
h4{font-size:1rem;margin:1rem 0 .5rem;color:#333}
p,li,dd{overflow-wrap:anywhere}
a{color:#0b3d91}
a:hover{text-decoration-thickness:2px}
:focus-visible{outline:3px solid #e8a100;outline-offset:2px;box-shadow:0 0 0 5px #0b3d91}
.skip{position:absolute;left:-999px;top:0;background:#fff;color:#0b3d91;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
ul.sessions{list-style:none;padding:0;margin:0}
ul.sessions li{border:1px solid #d0d7e2;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 .75rem}
ul.sessions h3{margin-top:0}
.title{font-weight:700;font-size:1.05rem}
.meta{margin:.25rem 0 0;color:#333}
.seats{display:inline-block;margin-top:.35rem;padding:.1rem .5rem;border-radius:1rem;background:#e6f4ea;color:#0f5323;font-weight:600}
.seats.full{background:#fdecea;color:#8a1c12}
form.filters{display:grid;grid-template-columns:repeat(auto-fit,minmax(9rem,1fr));gap:.75rem;align-items:end;background:#f3f6fa;padding:1rem;border-radius:.5rem}
label,legend{display:block;font-weight:600;margin:0 0 .25rem}
.field{margin:0 0 1rem}
input[type=text],input[type=email],input[type=date],select{width:100%;max-width:28rem;font:inherit;padding:.5rem;border:2px solid #5a6472;border-radius:.35rem;background:#fff;color:inherit}
input[type=checkbox]{flex:none;width:1.25rem;height:1.25rem;margin:.15rem .5rem 0 0}
.check{display:flex;align-items:flex-start;gap:.25rem;font-weight:400}
fieldset{border:1px solid #d0d7e2;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;min-width:0}
.hint{color:#444;font-size:.95rem;margin:0 0 .35rem}
.error{color:#a0140b;font-weight:600;margin:.25rem 0 0}
[aria-invalid=true]{border-color:#a0140b}
button,.button{display:inline-block;font:inherit;font-weight:700;padding:.6rem 1.2rem;border-radius:.35rem;border:2px solid #0b3d91;background:#0b3d91;color:#fff;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:#0b3d91}
button.danger{background:#a0140b;border-color:#a0140b}
.notice{border-left:6px solid #0b3d91;background:#f3f6fa;padding:.75rem 1rem;margin:0 0 1rem}
.notice.ok{border-color:#1e7b34;background:#e6f4ea}
.notice.wait{border-color:#b35c00;background:#fff4e5}
.notice.bad{border-color:#a0140b;background:#fdecea}
.token{font-family:ui-monospace,monospace;font-size:.9rem;word-break:break-all}
dl.qr svg{display:block;width:15rem;max-width:100%;height:auto;margin:0 0 1rem}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.5rem}h1{font-size:1.4rem}}
footer{border-top:1px solid #d0d7e2;color:#444;font-size:.9rem;padding:1rem 0 2rem}
"#;

/// A whole page: `title` in the `<title>` and as the `h1` is up to the body. `switch_to` is the
/// page in the other language; `None` for a page whose program offers only one.
pub(crate) fn page(lang: Lang, title: &str, switch_to: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — skillhub" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (lang.t(T::SkipToContent)) }
                header.site {
                    div.wrap {
                        a.brand href=(with_lang("/", lang)) { "skillhub" }
                        @if let Some(switch_to) = switch_to {
                            a href=(switch_to) lang=(lang.other().code()) hreflang=(lang.other().code()) {
                                (lang.t(T::OtherLanguage))
                            }
                        }
                    }
                }
                main #main.wrap tabindex="-1" { (body) }
                footer {
                    div.wrap {
                        p { (lang.t(T::Footer)) }
                        p {
                            a href=(with_lang("/link-perso", lang)) { (lang.t(T::LostLinkFooter)) }
                            " · "
                            a href=(with_lang("/miei-dati", lang)) { (lang.t(T::MyDataFooter)) }
                        }
                    }
                }
            }
        }
    }
}

/// `path` with `?lang=en` (or `&lang=en`) when the page is in English; Italian needs nothing.
pub(crate) fn with_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::It => path.to_owned(),
        Lang::En if path.contains('?') => format!("{path}&lang=en"),
        Lang::En => format!("{path}?lang=en"),
    }
}

/// `path` in the other language, for the switch link (`lang=it` is explicit, so it wins over
/// an English `Accept-Language`).
pub(crate) fn switch_link(path: &str, lang: Lang) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}lang={}", lang.other().code())
}
