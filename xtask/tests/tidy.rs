//! Tidy checks that keep the tree honest: the purity of the pure crates, module docs, no
//! leftover debugging, versions in one place, the crate map.
//!
//! Manifests are read as TOML and sources parsed as Rust (`syn`, `proc-macro2`): a forbidden
//! name is a whole path segment in code (`Utc::now`, `use std::{env, fs}`, inside macros too),
//! never a substring of a longer name, a comment or a string. Each check also says what it read
//! (so many files, these known ones among them), so none can pass by reading nothing.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::Visit;

/// The crates (directories under `crates/`) that hold domain rules and must stay pure: no IO, no
/// clock, no async, no hidden randomness. A new pure crate is one more name here.
const PURE_CRATES: &[&str] = &[
    "core",
    "allocation",
    "grants",
    "roster",
    "progress",
    "import",
    "notify",
];

/// Workspace crates made for tests and benches (made-up inputs, skips that say why): a pure
/// crate may name them in its `[dev-dependencies]`, never in what it is built with.
const TEST_SUPPORT: &[&str] = &["skillhub-fixtures", "skillhub-testkit"];

/// Dependencies a pure crate's manifest must not name, in any dependency table.
const IMPURE_DEPENDENCIES: &[&str] = &[
    "tokio",
    "sqlx",
    "axum",
    "hyper",
    "reqwest",
    "rand",
    "getrandom",
];

/// Paths a pure crate's sources must not use, as whole segments (`Utc::now` also matches
/// `chrono::Utc::now`; `SystemTime` matches `std::time::SystemTime`).
const IMPURE_PATHS: &[&str] = &[
    "Utc::now",
    "Local::now",
    "SystemTime",
    "Instant::now",
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "thread_rng",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    rust_files(&root().join("xtask"), &mut files);
    assert_read(&files, &["crates/core/src/lib.rs", "xtask/tests/tidy.rs"]);
    files
}

/// Fails unless `files` is a real reading of the tree: many files, the `known` ones among them.
fn assert_read(files: &[PathBuf], known: &[&str]) {
    assert!(
        files.len() >= 20,
        "only {} files were read: {files:?}",
        files.len()
    );
    for known in known {
        assert!(
            files.contains(&root().join(known)),
            "{known} was not among the {} files read",
            files.len()
        );
    }
}

fn relative(file: &Path) -> String {
    file.strip_prefix(root())
        .unwrap_or(file)
        .display()
        .to_string()
}

fn parse(file: &Path) -> (syn::File, TokenStream) {
    let text = fs::read_to_string(file).unwrap();
    let syntax = syn::parse_file(&text)
        .unwrap_or_else(|err| panic!("{}: not Rust that syn parses: {err}", relative(file)));
    let tokens = TokenStream::from_str(&text).unwrap();
    (syntax, tokens)
}

/// Every path written in `tokens` (`a::b::c`, inside macros and attributes too; comments and
/// string literals are not tokens of this kind), and every path a `use` of `syntax` brings in
/// (`use std::{env, fs}` gives `std::env` and `std::fs`).
fn paths_in(syntax: &syn::File, tokens: TokenStream) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut run = Vec::new();
    token_paths(tokens, &mut run, &mut paths);
    let mut uses = UsePaths::default();
    uses.visit_file(syntax);
    paths.extend(uses.paths);
    paths
}

/// Collects the runs `ident (:: ident)*` of `tokens`, into groups too.
fn token_paths(tokens: TokenStream, run: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let mut colons = 0;
    for token in tokens {
        match token {
            TokenTree::Ident(ident) => {
                if colons != 2 && !run.is_empty() {
                    out.push(std::mem::take(run));
                }
                run.push(ident.to_string());
                colons = 0;
            }
            TokenTree::Punct(punct) if punct.as_char() == ':' => {
                colons += 1;
                if punct.spacing() == Spacing::Alone && colons != 2 {
                    colons = 0;
                }
            }
            TokenTree::Group(group) => {
                if !run.is_empty() {
                    out.push(std::mem::take(run));
                }
                token_paths(group.stream(), run, out);
                colons = 0;
            }
            _ => {
                if !run.is_empty() {
                    out.push(std::mem::take(run));
                }
                colons = 0;
            }
        }
    }
    if !run.is_empty() {
        out.push(std::mem::take(run));
    }
}

/// The full paths of every `use` item.
#[derive(Default)]
struct UsePaths {
    paths: Vec<Vec<String>>,
}

impl UsePaths {
    fn tree(&mut self, prefix: &[String], tree: &syn::UseTree) {
        let mut path = prefix.to_vec();
        match tree {
            syn::UseTree::Path(p) => {
                path.push(p.ident.to_string());
                self.tree(&path, &p.tree);
            }
            syn::UseTree::Name(n) => {
                path.push(n.ident.to_string());
                self.paths.push(path);
            }
            syn::UseTree::Rename(r) => {
                path.push(r.ident.to_string());
                self.paths.push(path);
            }
            syn::UseTree::Glob(_) => self.paths.push(path),
            syn::UseTree::Group(g) => {
                for tree in &g.items {
                    self.tree(prefix, tree);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for UsePaths {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.tree(&[], &item.tree);
    }
}

/// Whether the segments of `needle` (`"Utc::now"`) occur, in order and adjacent, in `path`.
fn has_segments(path: &[String], needle: &str) -> bool {
    let needle: Vec<&str> = needle.split("::").collect();
    path.windows(needle.len())
        .any(|window| window.iter().zip(&needle).all(|(a, b)| a == b))
}

/// A manifest's dependency tables (`dependencies`, `dev-dependencies`, `build-dependencies`, and
/// the same under `target.*`), each with its name.
fn dependency_tables(manifest: &toml::Table) -> Vec<(String, toml::Table)> {
    const KINDS: [&str; 3] = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables = Vec::new();
    for kind in KINDS {
        if let Some(table) = manifest.get(kind).and_then(toml::Value::as_table) {
            tables.push((kind.to_owned(), table.clone()));
        }
    }
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for (target, value) in targets {
            for kind in KINDS {
                if let Some(table) = value.get(kind).and_then(toml::Value::as_table) {
                    tables.push((format!("target.{target}.{kind}"), table.clone()));
                }
            }
        }
    }
    tables
}

fn read_toml(path: &Path) -> toml::Table {
    let text = fs::read_to_string(path).unwrap();
    text.parse()
        .unwrap_or_else(|err| panic!("{}: not TOML: {err}", relative(path)))
}

/// The features a dependency is built with from this manifest: the workspace's declaration's
/// and its own (cargo adds them up).
fn features(entry: &toml::Value, workspace: &toml::Table, name: &str) -> BTreeSet<String> {
    let list = |value: Option<&toml::Value>| -> Vec<String> {
        value
            .and_then(|v| v.get("features"))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|f| f.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut all: BTreeSet<String> = list(Some(entry)).into_iter().collect();
    if entry.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
        all.extend(list(workspace.get(name)));
    }
    all
}

/// The workspace's `[workspace.dependencies]`.
fn workspace_dependencies_table() -> toml::Table {
    let root_manifest = read_toml(&root().join("Cargo.toml"));
    root_manifest["workspace"]["dependencies"]
        .as_table()
        .expect("the workspace manifest has [workspace.dependencies]")
        .clone()
}

/// Each pure crate's manifest names no impure dependency (nor an impure workspace crate) in any
/// table, and builds chrono without its `clock` (sqlx's `chrono` feature turns `clock` on in a
/// workspace build, so the sources are checked too, below).
#[test]
fn pure_crates_depend_on_nothing_impure() {
    let workspace = workspace_dependencies_table();
    let pure_names: Vec<String> = PURE_CRATES
        .iter()
        .map(|c| format!("skillhub-{c}"))
        .collect();
    let mut checked = 0;
    for pure in PURE_CRATES {
        let manifest = read_toml(&root().join("crates").join(pure).join("Cargo.toml"));
        let tables = dependency_tables(&manifest);
        assert!(
            tables
                .iter()
                .any(|(kind, t)| kind == "dependencies" && !t.is_empty()),
            "crates/{pure}/Cargo.toml: no [dependencies] were read"
        );
        for (kind, table) in tables {
            for (name, entry) in &table {
                checked += 1;
                let package = entry
                    .get("package")
                    .and_then(toml::Value::as_str)
                    .unwrap_or(name);
                assert!(
                    !IMPURE_DEPENDENCIES.contains(&package),
                    "crates/{pure}/Cargo.toml [{kind}]: {package} is not for a pure crate"
                );
                assert!(
                    !package.starts_with("skillhub-")
                        || pure_names.iter().any(|p| p == package)
                        || (kind == "dev-dependencies" && TEST_SUPPORT.contains(&package)),
                    "crates/{pure}/Cargo.toml [{kind}]: {package} is not a pure crate \
                     (PURE_CRATES in xtask/tests/tidy.rs)"
                );
                if package == "chrono" {
                    assert!(
                        !features(entry, &workspace, name).contains("clock"),
                        "crates/{pure}/Cargo.toml [{kind}]: chrono's clock is not for a pure crate"
                    );
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} dependencies were read");
}

/// No pure crate's sources read the clock, the file system, the network, the environment or
/// hidden randomness (tests and benches included: they are in the crate's directory).
#[test]
fn pure_crates_use_nothing_impure() {
    let mut files = Vec::new();
    for pure in PURE_CRATES {
        rust_files(&root().join("crates").join(pure), &mut files);
    }
    assert_read(&files, &["crates/core/src/lib.rs", "crates/core/src/tz.rs"]);
    let mut found = Vec::new();
    for file in &files {
        let (syntax, tokens) = parse(file);
        for path in paths_in(&syntax, tokens) {
            for impure in IMPURE_PATHS {
                if has_segments(&path, impure) {
                    found.push(format!("{}: {}", relative(file), path.join("::")));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "pure crates must not use the clock, IO, the environment or hidden randomness: {found:#?}"
    );
}

/// The path finder sees what a pure crate could hide, and only that.
#[test]
fn the_path_finder_sees_uses_macros_and_nothing_in_comments() {
    let text = r#"
        //! Says Utc::now in a comment, and std::fs.
        use std::{env, fs as files};
        use std::time::*;
        fn f() -> String {
            let _ = "Utc::now in a string";
            format!("{}", chrono::Utc::now())
        }
        fn g() { let my_fs_helper = 1; let SystemTimeout = 2; }
    "#;
    let impure = |text: &str| -> BTreeSet<&str> {
        let syntax = syn::parse_file(text).unwrap();
        let paths = paths_in(&syntax, TokenStream::from_str(text).unwrap());
        IMPURE_PATHS
            .iter()
            .chain(&["std::time"])
            .copied()
            .filter(|needle| paths.iter().any(|path| has_segments(path, needle)))
            .collect()
    };
    assert_eq!(
        impure(text),
        BTreeSet::from(["Utc::now", "std::env", "std::fs", "std::time"])
    );
    // Words in comments and strings, and longer names, are not paths.
    let innocent = r#"
        //! Says Utc::now and std::fs in a comment.
        fn f() { let _ = "std::env::var"; let my_fs = SystemTimeout; } // thread_rng()
    "#;
    assert_eq!(impure(innocent), BTreeSet::new());
}

/// Every Rust module outside `tests/` and `benches/` opens with a `//!` doc.
#[test]
fn every_module_has_docs() {
    let modules: Vec<PathBuf> = workspace_sources()
        .into_iter()
        .filter(|f| {
            f.components()
                .all(|c| c.as_os_str() != "tests" && c.as_os_str() != "benches")
        })
        .collect();
    assert_read(&modules, &["crates/core/src/tz.rs", "xtask/src/main.rs"]);
    let missing: Vec<String> = modules
        .iter()
        .filter(|f| {
            let text = fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| relative(f))
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a //! doc: {missing:#?}"
    );
}

/// No `todo!`, `unimplemented!` or `dbg!` left behind (as macro calls in code, not words in
/// comments or strings).
#[test]
fn no_leftovers() {
    let mut found = Vec::new();
    let files = workspace_sources();
    for file in &files {
        let (_, tokens) = parse(file);
        leftovers(tokens, &mut |name| {
            found.push(format!("{}: {name}!", relative(file)));
        });
    }
    assert!(found.is_empty(), "remove these: {found:#?}");
    let mut planted = Vec::new();
    let text = concat!(
        "fn f() { if x { ",
        "todo",
        "!() } else { g(",
        "dbg",
        "!(1)) } } // ",
        "todo",
        "!()"
    );
    leftovers(TokenStream::from_str(text).unwrap(), &mut |name| {
        planted.push(name.to_owned());
    });
    assert_eq!(planted, ["todo", "dbg"], "the finder finds what is planted");
}

/// Calls `found` with the name of every `todo!`, `unimplemented!` or `dbg!` in `tokens`.
fn leftovers(tokens: TokenStream, found: &mut dyn FnMut(&str)) {
    let mut previous: Option<String> = None;
    for token in tokens {
        match token {
            TokenTree::Punct(punct) if punct.as_char() == '!' => {
                if let Some(name) = previous.take()
                    && ["todo", "unimplemented", "dbg"].contains(&name.as_str())
                {
                    found(&name);
                }
            }
            TokenTree::Ident(ident) => previous = Some(ident.to_string()),
            TokenTree::Group(group) => {
                previous = None;
                leftovers(group.stream(), found);
            }
            TokenTree::Literal(_) | TokenTree::Punct(_) => previous = None,
        }
    }
}

/// Every manifest of the workspace: the root's, each crate's and xtask's.
fn manifests() -> Vec<PathBuf> {
    let mut manifests = vec![root().join("Cargo.toml"), root().join("xtask/Cargo.toml")];
    for entry in fs::read_dir(root().join("crates")).unwrap().flatten() {
        let manifest = entry.path().join("Cargo.toml");
        if manifest.is_file() {
            manifests.push(manifest);
        }
    }
    assert!(
        manifests.contains(&root().join("crates/core/Cargo.toml")) && manifests.len() >= 7,
        "the manifests were read: {manifests:?}"
    );
    manifests
}

/// Every dependency version is declared once, in `[workspace.dependencies]`: crates name theirs
/// with `workspace = true` (adding features at most), never a version, path or git source.
#[test]
fn versions_live_in_the_workspace() {
    let mut checked = 0;
    for manifest in manifests() {
        for (kind, table) in dependency_tables(&read_toml(&manifest)) {
            for (name, entry) in &table {
                checked += 1;
                let inherited = entry.get("workspace").and_then(toml::Value::as_bool) == Some(true);
                let own_source = ["version", "path", "git"]
                    .iter()
                    .find(|key| entry.get(**key).is_some());
                assert!(
                    inherited && own_source.is_none(),
                    "{} [{kind}]: declare {name} in [workspace.dependencies] and write \
                     `{name}.workspace = true`",
                    relative(&manifest)
                );
            }
        }
    }
    assert!(checked >= 50, "only {checked} dependencies were read");
}

/// The workspace crates a manifest's `[dependencies]` name (not its dev-dependencies).
fn workspace_dependencies(manifest: &Path) -> Vec<String> {
    let text = fs::read_to_string(manifest).unwrap();
    let value: toml::Table = text.parse().unwrap();
    let mut names: Vec<String> = value
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| {
            deps.keys()
                .filter(|name| name.starts_with("skillhub-"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// ARCHITECTURE.md lists every crate arrow (`- \`A\` → \`B\`, \`C\``), and the list is exactly
/// what the manifests say, so the map cannot drift from the code.
#[test]
fn crate_arrows_match_the_manifests() {
    let map = fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let stated: std::collections::BTreeMap<String, Vec<String>> = map
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("- `")?;
            let (from, to) = rest.split_once("` →")?;
            let mut to: Vec<String> = to
                .split(',')
                .map(|name| name.trim().trim_matches('`').to_owned())
                .filter(|name| !name.is_empty())
                .collect();
            to.sort();
            Some((from.to_owned(), to))
        })
        .collect();
    let mut actual = std::collections::BTreeMap::new();
    let mut crates: Vec<PathBuf> = fs::read_dir(root().join("crates"))
        .unwrap()
        .flatten()
        .map(|entry| entry.path().join("Cargo.toml"))
        .filter(|manifest| manifest.is_file())
        .collect();
    crates.push(root().join("xtask/Cargo.toml"));
    for manifest in &crates {
        let text = fs::read_to_string(manifest).unwrap();
        let package: toml::Table = text.parse().unwrap();
        let name = package["package"]["name"].as_str().unwrap().to_owned();
        actual.insert(name, workspace_dependencies(manifest));
    }
    assert!(
        actual.len() == crates.len()
            && actual.len() >= 7
            && actual.contains_key("skillhub-core")
            && actual.contains_key("xtask"),
        "the crates and xtask were read: {actual:?}"
    );
    assert_eq!(
        stated, actual,
        "ARCHITECTURE.md's crate arrows differ from the manifests' [dependencies]"
    );
}
