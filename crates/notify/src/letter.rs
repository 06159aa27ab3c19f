//! A message's body as blocks (paragraphs, facts, links, a footer), written out once as plain
//! text and once as HTML, so the two parts of an e-mail always say the same.
//!
//! Plain text is not wrapped (mail clients wrap; a wrapped URL breaks). HTML is a small,
//! self-contained document: a `lang` attribute, a title, inline styles only, no scripts or
//! anything fetched from elsewhere (the one image, a check-in code, travels in the message and is
//! named by `cid:`); every text and URL is escaped, since names and titles come from users.

use std::fmt::Write as _;

use skillhub_core::lang::Lang;

/// One piece of a message's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Block {
    /// A paragraph.
    Para(String),
    /// Labelled facts: `Quando: martedì 12 febbraio 2030, 9:30–13:30`.
    Facts(Vec<(String, String)>),
    /// A URL on a line of its own.
    Link(String),
    /// The check-in code: in HTML a heading, the picture (attached as
    /// [`crate::render::CHECK_IN_IMAGE`]) with its text alternative and what to do with it; in
    /// plain text, where no picture shows, a sentence saying where the code is.
    CheckIn {
        /// The heading over the code.
        heading: String,
        /// What to do with the code, under the picture.
        how: String,
        /// The plain-text part's sentence.
        plain: String,
        /// The picture's text alternative.
        alt: String,
    },
    /// Why the person receives this, and the site.
    Footer {
        /// The sentence.
        why: String,
        /// The site's base URL.
        site: String,
    },
}

/// A message before it is written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Letter {
    pub(crate) lang: Lang,
    pub(crate) subject: String,
    pub(crate) blocks: Vec<Block>,
}

impl Letter {
    /// Plain text: blocks separated by blank lines, facts as `Label: value` lines, the footer
    /// after the signature separator (`-- `) so clients can dim it.
    pub(crate) fn text(&self) -> String {
        let mut parts: Vec<String> = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            parts.push(match block {
                Block::Para(text) | Block::Link(text) => text.clone(),
                Block::CheckIn { plain, .. } => plain.clone(),
                Block::Facts(facts) => facts
                    .iter()
                    .map(|(label, value)| format!("{label}: {value}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                Block::Footer { why, site } => format!("-- \n{why}\n{site}"),
            });
        }
        let mut text = parts.join("\n\n");
        text.push('\n');
        text
    }

    /// A small HTML document.
    pub(crate) fn html(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail; the results are ignored for that reason.
        let _ = write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n</head>\n\
             <body style=\"margin:0;padding:16px;background:#ffffff;color:#1a1a1a;\
             font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5\">\n\
             <div style=\"max-width:40em;margin:0 auto\">\n",
            self.lang.code(),
            escape(&self.subject)
        );
        for block in &self.blocks {
            match block {
                Block::Para(text) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(text));
                }
                Block::Facts(facts) => {
                    out.push_str("<dl style=\"margin:1em 0\">\n");
                    for (label, value) in facts {
                        let _ = writeln!(
                            out,
                            "<dt style=\"font-weight:bold\">{}</dt><dd style=\"margin:0 0 0.5em 0\">{}</dd>",
                            escape(label),
                            escape(value)
                        );
                    }
                    out.push_str("</dl>\n");
                }
                Block::Link(url) => {
                    let _ = writeln!(
                        out,
                        "<p><a href=\"{0}\" style=\"color:#0b4f9c;word-break:break-all\">{0}</a></p>",
                        escape(url)
                    );
                }
                Block::CheckIn {
                    heading, how, alt, ..
                } => {
                    let _ = writeln!(
                        out,
                        "<h2 style=\"font-size:18px;margin:1.5em 0 0.5em\">{}</h2>\n\
                         <p><img src=\"cid:{}\" alt=\"{}\" width=\"200\" height=\"200\" \
                         style=\"display:block;border:0\"></p>\n<p>{}</p>",
                        escape(heading),
                        crate::render::CHECK_IN_IMAGE,
                        escape(alt),
                        escape(how)
                    );
                }
                Block::Footer { why, site } => {
                    let _ = writeln!(
                        out,
                        "<hr style=\"border:0;border-top:1px solid #cccccc;margin:2em 0 1em\">\n\
                         <p style=\"font-size:14px;color:#555555\">{}<br>\
                         <a href=\"{1}\" style=\"color:#555555\">{1}</a></p>",
                        escape(why),
                        escape(site)
                    );
                }
            }
        }
        out.push_str("</div>\n</body>\n</html>\n");
        out
    }
}

/// Escapes text for HTML content and double- or single-quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn escapes_what_html_reads() {
        assert_eq!(
            escape(r#"O'Brien <b>& "x""#),
            "O&#39;Brien &lt;b&gt;&amp; &quot;x&quot;"
        );
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_markup(text in ".*") {
            let escaped = escape(&text);
            prop_assert!(!escaped.contains(['<', '>', '"', '\'']));
            // Every & starts an entity this function writes.
            for (i, _) in escaped.match_indices('&') {
                let rest = &escaped[i..];
                prop_assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].iter().any(|e| rest.starts_with(e)));
            }
        }
    }
}
