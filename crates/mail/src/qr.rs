//! A check-in code as a PNG picture for the HTML part of a message: drawn by the `qrcode` crate
//! and encoded by `image`, at a size phones read from a screen or from paper. Mail programs show
//! PNG inline but not SVG (which the web pages use), and they fetch nothing: the picture travels
//! in the message (`multipart/related`, named by its `Content-ID`).

use std::io::Cursor;

use image::{ImageFormat, Luma};
use qrcode::{EcLevel, QrCode};

use crate::MailError;

/// The picture's least side in pixels: the HTML shows it at 200 px, so screens that count two
/// or three pixels per point still draw sharp modules.
const SIDE: u32 = 400;

/// `text` as a black-on-white QR code with its quiet zone, as PNG bytes.
///
/// # Errors
///
/// [`MailError::CheckInCode`] when `text` is too long for a QR code (over about 2 KB) or the
/// picture cannot be encoded.
pub fn png(text: &str) -> Result<Vec<u8>, MailError> {
    // Medium error correction, as on the manage page: a phone reads it through a crease.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|err| {
        MailError::CheckInCode {
            problem: err.to_string(),
        }
    })?;
    let picture = code
        .render::<Luma<u8>>()
        .min_dimensions(SIDE, SIDE)
        .quiet_zone(true)
        .build();
    let mut bytes = Cursor::new(Vec::new());
    picture
        .write_to(&mut bytes, ImageFormat::Png)
        .map_err(|err| MailError::CheckInCode {
            problem: err.to_string(),
        })?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_a_png_of_at_least_its_side() {
        let bytes = png("https://corsi.example.it/gestione/presenza/42").expect("a URL fits");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let picture = image::load_from_memory_with_format(&bytes, ImageFormat::Png)
            .expect("what was written reads back");
        assert!(picture.width() >= SIDE && picture.width() == picture.height());
    }

    #[test]
    fn too_much_text_is_an_error() {
        assert!(matches!(
            png(&"x".repeat(5000)),
            Err(MailError::CheckInCode { .. })
        ));
    }
}
