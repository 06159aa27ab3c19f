//! QR codes as inline SVG, drawn here by the `qrcode` crate: no image is fetched from anywhere
//! (the pages' `Content-Security-Policy` allows none), and the code is an `<svg role="img">`
//! with a label that says what it holds, for screen readers. Also the one thing a person's code
//! holds: the URL of their check-in page in the back office ([`checkin_url`]).

use axum::http::{HeaderMap, header};
use maud::{Markup, PreEscaped, html};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

use crate::state::AppState;

/// The path a registration's QR code holds.
pub(crate) fn checkin_path(id: i64) -> String {
    format!("/gestione/presenza/{id}")
}

/// The full URL a registration's QR code holds: on the server's public URL when it has one,
/// else on the host the request came to (a phone must reach it as the person's browser did).
pub(crate) fn checkin_url(state: &AppState, headers: &HeaderMap, id: i64) -> String {
    let path = checkin_path(id);
    match &state.config().public_url {
        Some(url) => url.join(&path),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}{path}")
        }
    }
}

/// `text` as a QR code of at least `size` px, labelled `label`; `None` when `text` is too long
/// for any QR code (over about 2 KB).
pub(crate) fn svg(text: &str, label: &str, size: u32) -> Option<Markup> {
    // Medium error correction: a phone reads it through a scratched screen or a crease.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let drawn = code
        .render::<svg::Color<'_>>()
        .min_dimensions(size, size)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .quiet_zone(true)
        .build();
    // The renderer writes an XML prolog first, which has no place inside HTML.
    let element = drawn.find("<svg").map_or(drawn.as_str(), |at| &drawn[at..]);
    let rest = element.strip_prefix("<svg")?;
    let label = html! { (label) }.into_string();
    Some(PreEscaped(format!(
        "<svg role=\"img\" aria-label=\"{label}\" focusable=\"false\"{rest}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_one_labelled_svg_element() {
        let code = svg(
            "https://corsi.example.it/gestione/presenza/42",
            "Codice \"ingresso\" <42>",
            200,
        )
        .expect("a short URL fits");
        let text = code.into_string();
        assert!(
            text.starts_with(
                "<svg role=\"img\" aria-label=\"Codice &quot;ingresso&quot; &lt;42&gt;\""
            ),
            "{text}"
        );
        assert!(!text.contains("<?xml"), "{text}");
        assert!(text.trim_end().ends_with("</svg>"), "{text}");
    }

    #[test]
    fn too_much_text_is_no_code() {
        assert!(svg(&"x".repeat(5000), "troppo", 200).is_none());
    }
}
