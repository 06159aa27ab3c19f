//! The adapter crates' top-level modules form no cycle: a module depends on the ones below it
//! (`state` on `problem`, handlers on `state`), never back on a module that depends on it, so a
//! reader can follow a request down without coming round to where they started.

// In tests a failed unwrap is a failed test, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .join("crates")
        .join(name)
        .join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules named after `crate::` in `text`, comments left out.
fn crate_paths(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            // `$crate::` and `skillhub_crate::` are not this crate's paths.
            let before = rest[..at].chars().next_back();
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if !before.is_some_and(|c| c == '$' || c == '_' || c.is_ascii_alphanumeric())
                && !name.is_empty()
            {
                found.insert(name);
            }
            rest = after;
        }
    }
    found
}

/// Module → the modules it names, for one crate's `src/` (a file under `src/x/` belongs to `x`).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_owned();
        let text = fs::read_to_string(&file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(crate_paths(&text).into_iter().filter(|d| *d != module));
    }
    graph
}

/// A cycle through `start`, if there is one, as the modules along it.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_owned(), vec![start.to_owned()])];
    let mut seen = BTreeSet::new();
    while let Some((module, path)) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == start {
                let mut cycle = path.clone();
                cycle.push(start.to_owned());
                return Some(cycle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push((next.clone(), longer));
            }
        }
    }
    None
}

#[test]
fn the_adapters_modules_form_no_cycle() {
    for name in ["http", "store", "cli", "import"] {
        let graph = graph(&crate_src(name));
        assert!(graph.len() > 3, "{name}: read {} modules", graph.len());
        for module in graph.keys() {
            if let Some(cycle) = cycle_through(&graph, module) {
                panic!("{name}: modules in a cycle: {}", cycle.join(" → "));
            }
        }
    }
}

#[test]
fn a_cycle_is_found() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("state", vec!["progress"]),
        ("progress", vec!["registrations"]),
        ("registrations", vec!["state"]),
        ("wire", vec![]),
    ]
    .into_iter()
    .map(|(m, deps)| (m.to_owned(), deps.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycle_through(&graph, "state").unwrap(),
        ["state", "progress", "registrations", "state"]
    );
    assert!(cycle_through(&graph, "wire").is_none());
    assert_eq!(
        crate_paths("use crate::state::AppState; // crate::web\n$crate::x skillhub_crate::y"),
        BTreeSet::from(["state".to_owned()])
    );
}
