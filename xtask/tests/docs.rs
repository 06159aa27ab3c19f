//! The contract pages in `docs/` stay true of the code: every `skillhub` command and long option
//! the clap definitions declare is in `docs/cli.md`, every route of `openapi.json` is in
//! `docs/http.md`, and neither page has a section for a command or a route that no longer exists.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}

fn read(relative: &str) -> String {
    fs::read_to_string(root().join(relative)).unwrap_or_else(|err| panic!("{relative}: {err}"))
}

/// The text of every `.rs` file of the CLI, by path.
fn cli_sources() -> BTreeMap<PathBuf, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.insert(path.clone(), fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(&root().join("crates/cli/src"), &mut out);
    out
}

/// `DropOut` → `drop-out`, `trusted_proxies` → `trusted-proxies`: clap's kebab case.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

/// A variant of a `Subcommand` enum: its command name and, for `Name(path::Type)`, the type.
struct Variant {
    name: String,
    inner: Option<String>,
}

/// Every `#[derive(…Subcommand…)]` enum of the sources: its variants (a `#[command(name = …)]`
/// on a variant renames it).
fn subcommand_enums(sources: &BTreeMap<PathBuf, String>) -> BTreeMap<String, Vec<Variant>> {
    let mut enums = BTreeMap::new();
    for text in sources.values() {
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let is_subcommand =
                lines[i].trim_start().starts_with("#[derive(") && lines[i].contains("Subcommand");
            i += 1;
            if !is_subcommand {
                continue;
            }
            while i < lines.len() && !lines[i].contains("enum ") {
                i += 1;
            }
            let Some(header) = lines.get(i) else { break };
            let name = header
                .split("enum ")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("an enum name")
                .to_owned();
            let mut variants = Vec::new();
            let mut renamed = None;
            i += 1;
            while i < lines.len() && lines[i] != "}" {
                let line = lines[i];
                i += 1;
                let Some(body) = line.strip_prefix("    ") else {
                    continue;
                };
                if body.starts_with("#[command(") && body.contains("name = \"") {
                    renamed = body
                        .split("name = \"")
                        .nth(1)
                        .and_then(|r| r.split('"').next());
                    continue;
                }
                if !body.starts_with(|c: char| c.is_ascii_uppercase()) {
                    continue;
                }
                let ident: String = body
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect();
                let inner = body[ident.len()..]
                    .strip_prefix('(')
                    .and_then(|rest| rest.split(')').next())
                    .map(|path| path.rsplit("::").next().unwrap_or(path).to_owned());
                variants.push(Variant {
                    name: renamed.take().map_or_else(|| kebab(&ident), str::to_owned),
                    inner,
                });
            }
            enums.insert(name, variants);
        }
    }
    enums
}

/// Every command line the CLI has: `skillhub serve`, `skillhub programs list`, …
fn commands(sources: &BTreeMap<PathBuf, String>) -> BTreeSet<String> {
    let enums = subcommand_enums(sources);
    let top = enums
        .get("Command")
        .expect("crates/cli/src/main.rs declares `enum Command`");
    let mut out = BTreeSet::new();
    for variant in top {
        let children = variant.inner.as_ref().and_then(|inner| enums.get(inner));
        match children {
            Some(children) => {
                for child in children {
                    out.insert(format!("skillhub {} {}", variant.name, child.name));
                }
            }
            None => {
                out.insert(format!("skillhub {}", variant.name));
            }
        }
    }
    out
}

/// Every long option of the CLI (`--dry-run`, `--trusted-proxy` …): the fields under an
/// `#[arg(…)]` that says `long`, named by `long = "…"` or after the field.
fn long_options(sources: &BTreeMap<PathBuf, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in sources.values() {
        let lines: Vec<&str> = text.lines().collect();
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i].trim();
            i += 1;
            if !line.starts_with("#[arg(") {
                continue;
            }
            let mut attribute = line.to_owned();
            while !attribute.ends_with(")]") && i < lines.len() {
                attribute.push(' ');
                attribute.push_str(lines[i].trim());
                i += 1;
            }
            let words: Vec<&str> = attribute
                .trim_start_matches("#[arg(")
                .trim_end_matches(")]")
                .split([',', ' ', '(', ')'])
                .collect();
            if !words.contains(&"long") && !attribute.contains("long = \"") {
                continue;
            }
            if let Some(name) = attribute
                .split("long = \"")
                .nth(1)
                .and_then(|r| r.split('"').next())
            {
                out.insert(format!("--{name}"));
                continue;
            }
            // The field is the next line that is not another attribute.
            let field = lines[i..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.starts_with("#[") && !l.starts_with("///"))
                .expect("an attribute is followed by its field");
            let field = field.strip_prefix("pub ").unwrap_or(field);
            let name = field.split(':').next().expect("`name: Type`").trim();
            out.insert(format!("--{}", kebab(name)));
        }
    }
    out
}

#[test]
fn every_cli_command_and_option_is_in_docs_cli_md() {
    let sources = cli_sources();
    let commands = commands(&sources);
    assert!(
        commands.contains("skillhub serve") && commands.contains("skillhub programs list"),
        "the clap source reader found too little: {commands:?}"
    );
    let docs = read("docs/cli.md");
    let missing: Vec<&String> = commands.iter().filter(|c| !docs.contains(*c)).collect();
    assert!(
        missing.is_empty(),
        "docs/cli.md does not document {missing:?}: add a section with an example"
    );
    let options = long_options(&sources);
    assert!(
        options.contains("--dry-run") && options.contains("--trusted-proxy"),
        "the clap source reader found too few options: {options:?}"
    );
    let missing: Vec<&String> = options
        .iter()
        .filter(|o| {
            // `--json` must not count as documenting `--js`: the option ends at a non-name byte.
            !docs.match_indices(o.as_str()).any(|(at, _)| {
                docs[at + o.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-'))
            })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/cli.md does not mention the options {missing:?}"
    );
    // And no section documents a command that is gone.
    for heading in docs.lines().filter_map(|l| l.strip_prefix("## `skillhub ")) {
        let command = format!("skillhub {}", heading.trim_end_matches('`'));
        assert!(
            commands.contains(&command),
            "docs/cli.md has a section for `{command}`, which the CLI does not have"
        );
    }
}

#[test]
fn every_route_of_the_openapi_document_is_in_docs_http_md() {
    let openapi: serde_json::Value = serde_json::from_str(&read("openapi.json")).unwrap();
    let paths = openapi["paths"]
        .as_object()
        .expect("openapi.json has `paths`");
    let mut routes = BTreeSet::new();
    for (path, operations) in paths {
        for method in ["get", "put", "post", "delete", "patch"] {
            if operations.get(method).is_some() {
                routes.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        routes.len() > 30,
        "openapi.json lists too few routes: {routes:?}"
    );
    let docs = read("docs/http.md");
    let missing: Vec<&String> = routes
        .iter()
        .filter(|r| !docs.contains(&format!("`{r}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/http.md does not document {missing:?}: add a section with an example"
    );
    for heading in docs.lines().filter_map(|l| l.strip_prefix("### `")) {
        let route = heading.trim_end_matches('`');
        assert!(
            routes.contains(route),
            "docs/http.md has a section for `{route}`, which openapi.json does not list"
        );
    }
}
