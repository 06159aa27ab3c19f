//! Tidy checks that keep the tree honest: core's purity, module docs, no leftover debugging.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};

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
    files
}

/// `core` names no tokio, sqlx, axum or chrono `clock`, and its sources never read the clock
/// (sqlx's `chrono` feature turns `clock` on in a workspace build, so the manifest is not enough).
#[test]
fn core_is_pure() {
    let manifest = fs::read_to_string(root().join("crates/core/Cargo.toml")).unwrap();
    for forbidden in [
        "tokio",
        "sqlx",
        "axum",
        "\"clock\"",
        "reqwest",
        "rand ",
        "getrandom",
    ] {
        assert!(
            !manifest.contains(forbidden),
            "crates/core/Cargo.toml must not name {forbidden}: core is pure"
        );
    }
    let mut files = Vec::new();
    rust_files(&root().join("crates/core"), &mut files);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for forbidden in [
            "Utc::now",
            "Local::now",
            "SystemTime",
            "Instant::now",
            "std::fs",
            "std::net",
            "std::env",
            "thread_rng",
        ] {
            assert!(
                !text.contains(forbidden),
                "{}: core must not use {forbidden} (no clock, no IO, no hidden randomness)",
                file.display()
            );
        }
    }
}

/// Every Rust module opens with a `//!` doc.
#[test]
fn every_module_has_docs() {
    let missing: Vec<String> = workspace_sources()
        .into_iter()
        .filter(|f| {
            f.components()
                .all(|c| c.as_os_str() != "tests" && c.as_os_str() != "benches")
        })
        .filter(|f| {
            let text = fs::read_to_string(f).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "modules without a //! doc: {missing:#?}"
    );
}

/// No `todo!`, `unimplemented!` or `dbg!` left behind.
#[test]
fn no_leftovers() {
    let needles = [
        concat!("todo", "!("),
        concat!("unimplemented", "!("),
        concat!("dbg", "!("),
    ];
    for file in workspace_sources() {
        let text = fs::read_to_string(&file).unwrap();
        for needle in needles {
            assert!(
                !text.contains(needle),
                "{}: remove {needle}",
                file.display()
            );
        }
    }
}

/// Every dependency version is declared once, in the workspace manifest.
#[test]
fn versions_live_in_the_workspace() {
    let mut manifests = Vec::new();
    for dir in ["crates", "."] {
        let Ok(entries) = fs::read_dir(root().join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let manifest = entry.path().join("Cargo.toml");
            if manifest.is_file() {
                manifests.push(manifest);
            }
        }
    }
    manifests.push(root().join("xtask/Cargo.toml"));
    for manifest in manifests {
        let text = fs::read_to_string(&manifest).unwrap();
        for line in text.lines() {
            let line = line.trim();
            if line.contains("version = \"") && !line.starts_with("version") {
                panic!(
                    "{}: declare versions in [workspace.dependencies]: {line}",
                    manifest.display()
                );
            }
        }
    }
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
    assert_eq!(
        actual.len(),
        7,
        "the crates and xtask were read: {actual:?}"
    );
    assert_eq!(
        stated, actual,
        "ARCHITECTURE.md's crate arrows differ from the manifests' [dependencies]"
    );
}
