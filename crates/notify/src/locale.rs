//! The wording of every message, in Fluent (`locales/it/notify.ftl`, `locales/en/notify.ftl`),
//! compiled into the crate and parsed once per process.
//!
//! Translators edit the `.ftl` files only; the code names messages by id (one per kind of
//! message, with a `.subject` attribute and others for the extra sentences) and passes the
//! facts as arguments, already formatted (dates through core's `Lang`, so messages and web pages
//! say them alike). Unicode isolation marks are off: mail clients show them as stray characters.
//! A test checks that both files define the same ids and attributes.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use skillhub_core::lang::Lang;
use unic_langid::{LanguageIdentifier, langid};

use crate::RenderError;

/// The Italian messages.
pub(crate) const ITALIAN: &str = include_str!("../locales/it/notify.ftl");
/// The English messages.
pub(crate) const ENGLISH: &str = include_str!("../locales/en/notify.ftl");

type Bundle = FluentBundle<FluentResource>;

/// Both bundles, Italian then English, or why one did not build (a broken `.ftl` file; the
/// tests build them, so a release never has one).
static BUNDLES: LazyLock<Result<[Bundle; 2], String>> = LazyLock::new(|| {
    Ok([
        bundle(langid!("it"), ITALIAN)?,
        bundle(langid!("en"), ENGLISH)?,
    ])
});

fn bundle(lang: LanguageIdentifier, source: &str) -> Result<Bundle, String> {
    let resource = FluentResource::try_new(source.to_owned())
        .map_err(|(_, errors)| format!("{lang}: {errors:?}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![lang.clone()]);
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errors| format!("{lang}: {errors:?}"))?;
    Ok(bundle)
}

/// The bundle of `lang`.
pub(crate) fn bundle_of(lang: Lang) -> Result<&'static Bundle, RenderError> {
    let bundles = BUNDLES.as_ref().map_err(|message| RenderError::Fluent {
        id: "*".to_owned(),
        message: message.clone(),
    })?;
    Ok(match lang {
        Lang::It => &bundles[0],
        Lang::En => &bundles[1],
    })
}

/// The message `id` (or its attribute `attribute`) in `lang`, with `args`.
pub(crate) fn say(
    lang: Lang,
    id: &str,
    attribute: Option<&str>,
    args: &FluentArgs<'_>,
) -> Result<String, RenderError> {
    let bundle = bundle_of(lang)?;
    let missing = || RenderError::Fluent {
        id: attribute.map_or_else(|| id.to_owned(), |a| format!("{id}.{a}")),
        message: format!("no such message in {lang}"),
    };
    let message = bundle.get_message(id).ok_or_else(missing)?;
    let pattern = match attribute {
        None => message.value(),
        Some(name) => message.get_attribute(name).map(|a| a.value()),
    }
    .ok_or_else(missing)?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if let Some(error) = errors.first() {
        return Err(RenderError::Fluent {
            id: id.to_owned(),
            message: error.to_string(),
        });
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `id` and `id.attribute` for every message of a file, read as lines (a message starts at
    /// the left margin, an attribute is an indented `.name =`).
    fn ids(source: &str) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        let mut current = String::new();
        for line in source.lines() {
            let starts_message = line.starts_with(|c: char| c.is_ascii_alphabetic());
            if starts_message && let Some((id, _)) = line.split_once(" =") {
                current = id.trim().to_owned();
                found.insert(current.clone());
            } else if let Some(rest) = line.trim_start().strip_prefix('.')
                && let Some((attribute, _)) = rest.split_once(" =")
            {
                found.insert(format!("{current}.{attribute}"));
            }
        }
        found
    }

    #[test]
    fn both_languages_define_the_same_messages_and_attributes() {
        let (it, en) = (ids(ITALIAN), ids(ENGLISH));
        assert!(it.len() > 40, "only {} ids read", it.len());
        assert_eq!(
            it.symmetric_difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new()
        );
        // And the bundles hold what the lines say (the line reading is not fooling itself).
        for lang in Lang::ALL {
            let bundle = bundle_of(lang).expect("the .ftl files parse");
            for id in &it {
                let (message, attribute) = match id.split_once('.') {
                    Some((m, a)) => (m, Some(a)),
                    None => (id.as_str(), None),
                };
                let found = bundle.get_message(message).expect(id);
                if let Some(attribute) = attribute {
                    assert!(found.get_attribute(attribute).is_some(), "{lang}: {id}");
                }
            }
        }
    }

    #[test]
    fn a_missing_message_is_an_error_not_a_panic() {
        let err = say(Lang::It, "no-such-message", None, &FluentArgs::new()).unwrap_err();
        assert!(matches!(err, RenderError::Fluent { .. }), "{err}");
        let err = say(Lang::En, "greeting", Some("nope"), &FluentArgs::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "message greeting.nope: no such message in en"
        );
    }
}
