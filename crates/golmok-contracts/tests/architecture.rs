//! Guard rails of the workspace's shape, checked on every test run:
//!
//! - no package under `services/` has a normal or build dependency on another
//!   package under `services/` (a service reads a sibling's events through
//!   `golmok-contracts`, never through its crate). Dev-dependencies are
//!   allowed: the API tests of the voucher and the gateway spin the real
//!   sibling services up, and nothing of a dev-dependency reaches a release
//!   build;
//! - the CLI (`crates/golmok`, the composition root) is the only library or
//!   binary that depends on the services: the libraries under `crates/` sit
//!   below every service, the CLI on top of them all (`load-tests` too, which
//!   benchmarks them);
//! - no file under `services/*/src/domain/` names a crate of I/O or of a
//!   transport (`tokio`, `axum`, `rdkafka`, `scylla`, `reqwest`, `redb`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const FORBIDDEN_IN_DOMAIN: [&str; 6] = ["tokio", "axum", "rdkafka", "scylla", "reqwest", "redb"];

fn workspace() -> PathBuf {
    // The checkout being tested, as cargo says at run time: a test binary
    // reused from another checkout sharing the target directory still reads
    // this one.
    let manifest_dir =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    Path::new(&manifest_dir)
        .ancestors()
        .nth(2)
        .expect("the crate sits at crates/<name> in the workspace")
        .to_path_buf()
}

/// A workspace member: its name, manifest directory and `(dependency, kind)` edges.
type Member = (String, PathBuf, Vec<(String, String)>);

/// Every workspace member, from `cargo metadata`.
fn members(root: &Path) -> Vec<Member> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().expect("name").to_owned();
            let manifest = PathBuf::from(package["manifest_path"].as_str().expect("manifest"));
            let dir = manifest.parent().expect("manifest dir").to_path_buf();
            let deps = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .map(|dep| {
                    let kind = dep["kind"].as_str().unwrap_or("normal").to_owned();
                    (dep["name"].as_str().expect("dep name").to_owned(), kind)
                })
                .collect();
            (name, dir, deps)
        })
        .collect()
}

/// The normal or build edges `member -> service` from the members `from`
/// selects, as `a -> b (kind)`.
fn edges_to_services(root: &Path, from: impl Fn(&str, &Path) -> bool) -> Vec<String> {
    let services_dir = root.join("services");
    let members = members(root);
    let services: Vec<&str> = members
        .iter()
        .filter(|(_, dir, _)| dir.starts_with(&services_dir))
        .map(|(name, _, _)| name.as_str())
        .collect();
    assert!(
        services.len() >= 3,
        "found the services under {}: {services:?}",
        services_dir.display()
    );
    let mut edges = Vec::new();
    for (name, dir, deps) in &members {
        if !from(name, dir) {
            continue;
        }
        for (dep, kind) in deps {
            if kind != "dev" && services.contains(&dep.as_str()) {
                edges.push(format!("{name} -> {dep} ({kind} dependency)"));
            }
        }
    }
    edges
}

/// The edges `service -> service` of kind normal or build.
fn service_to_service_edges(root: &Path) -> Vec<String> {
    let services_dir = root.join("services");
    edges_to_services(root, |_, dir| dir.starts_with(&services_dir))
}

/// The members that sit on top of the services: the composition root and the benchmarks.
const ON_TOP: [&str; 2] = ["golmok", "load-tests"];

#[test]
fn only_the_composition_root_depends_on_the_services() {
    let root = workspace();
    let crates_dir = root.join("crates");
    let edges = edges_to_services(&root, |name, dir| {
        dir.starts_with(&crates_dir) && !ON_TOP.contains(&name)
    });
    assert!(
        edges.is_empty(),
        "the libraries under crates/ sit below the services; only {ON_TOP:?} may \
         depend on a service: {edges:?}"
    );
    let cli = edges_to_services(&root, |name, _| name == "golmok");
    assert!(cli.len() >= 3, "the CLI composes every service: {cli:?}");
}

#[test]
fn no_service_depends_on_another_service() {
    let edges = service_to_service_edges(&workspace());
    assert!(
        edges.is_empty(),
        "a service must not depend on another service's crate (read its events \
         through golmok-contracts instead): {edges:?}"
    );
}

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

/// Whether `line` (outside a comment) names `krate` as a path root:
/// `use tokio…`, `tokio::…`, `extern crate tokio`.
fn names_crate(line: &str, krate: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(krate).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + krate.len()..];
        let starts = before.is_none_or(|c| !is_ident(c) && c != ':');
        let ends = after.chars().next().is_none_or(|c| !is_ident(c));
        let as_path = after.starts_with("::");
        let as_item = code[..at].trim_end().ends_with("use")
            || code[..at].trim_end().ends_with("crate")
            || code[..at].trim_end().ends_with('{')
            || code[..at].trim_end().ends_with(',');
        starts && ends && (as_path || as_item)
    })
}

/// `file:line: crate` for every forbidden crate a domain file names.
fn domain_imports(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let services = std::fs::read_dir(root.join("services")).expect("services/ is readable");
    for service in services {
        rust_files(
            &service.expect("entry").path().join("src/domain"),
            &mut files,
        );
    }
    assert!(!files.is_empty(), "found the domain modules");
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a domain file is readable");
        for (number, line) in text.lines().enumerate() {
            for krate in FORBIDDEN_IN_DOMAIN {
                if names_crate(line, krate) {
                    let shown = file
                        .strip_prefix(root)
                        .unwrap_or(&file)
                        .display()
                        .to_string();
                    found.push(format!("{shown}:{}: {krate}", number + 1));
                }
            }
        }
    }
    found
}

#[test]
fn no_domain_module_imports_io_or_transport_crates() {
    let found = domain_imports(&workspace());
    assert!(
        found.is_empty(),
        "services/*/src/domain/ stays pure (no {FORBIDDEN_IN_DOMAIN:?}): {found:?}"
    );
}

#[test]
fn the_domain_scan_recognises_an_import() {
    assert!(names_crate("use tokio::sync::Mutex;", "tokio"));
    assert!(names_crate("    let t = tokio::spawn(x);", "tokio"));
    assert!(names_crate("use {redb, serde};", "redb"));
    assert!(names_crate("#[tokio::test]", "tokio"));
    assert!(!names_crate("// tokio::spawn in a comment", "tokio"));
    assert!(!names_crate("let tokio_like = 1;", "tokio"));
    assert!(!names_crate("crate::axumish::x", "axum"));
}

/// The attribute that denies `unwrap()` outside tests (clippy runs with `-D warnings`).
const DENY_UNWRAP: &str = "#![cfg_attr(not(test), deny(clippy::unwrap_used))]";

/// Every library and binary root of the workspace's crates and services that
/// does not carry [`DENY_UNWRAP`].
fn roots_without_the_unwrap_lint(root: &Path) -> Vec<String> {
    let mut roots = Vec::new();
    for (_, dir, _) in members(root) {
        let src = dir.join("src");
        roots.extend(
            ["lib.rs", "main.rs"]
                .iter()
                .map(|name| src.join(name))
                .filter(|path| path.is_file()),
        );
        let mut bins = Vec::new();
        rust_files(&src.join("bin"), &mut bins);
        roots.extend(
            bins.into_iter().filter(|path| {
                path.parent() == Some(&src.join("bin")) || path.ends_with("main.rs")
            }),
        );
    }
    assert!(roots.len() >= 10, "found the crate roots: {roots:?}");
    roots
        .into_iter()
        .filter(|path| {
            // load-tests are benchmarks, not product code.
            !path.starts_with(root.join("load-tests"))
                && !std::fs::read_to_string(path)
                    .expect("a crate root is readable")
                    .contains(DENY_UNWRAP)
        })
        .map(|path| {
            path.strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string()
        })
        .collect()
}

#[test]
fn every_crate_root_denies_unwrap_outside_tests() {
    let missing = roots_without_the_unwrap_lint(&workspace());
    assert!(
        missing.is_empty(),
        "add `{DENY_UNWRAP}` to {missing:?}: outside tests a failure is an error value"
    );
}
