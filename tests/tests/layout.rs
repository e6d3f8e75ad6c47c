//! The layering of grpc-core, read from its `use crate::` lines:
//! - `protocol` depends on no other module but the public value types (`status`, `metadata`);
//! - `client` and `server` never import each other;
//! - `transport` knows neither `client` nor `server`;
//! - nothing inside the crate imports `__private`, which only re-exports;
//! - there is no import cycle between the top-level modules;
//! - the crate denies `unsafe` code, with one audited exception (`protocol/encode.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read grpc-core/src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a source file belongs to (`lib` for lib.rs itself).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).expect("under src");
    let first = relative.components().next().expect("a component");
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_owned()
}

/// The top-level modules `file` imports through `crate::` (in `use` lines and paths).
fn imports(text: &str) -> BTreeSet<String> {
    // Doc links and comments are not imports.
    let code: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let text = code.as_str();
    let mut out = BTreeSet::new();
    for (index, _) in text.match_indices("crate::") {
        // `$crate::` in macros is the same crate seen from outside: skip it.
        if index > 0 && text.as_bytes()[index - 1] == b'$' {
            continue;
        }
        let rest = &text[index + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../grpc-core/src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let module = module_of(&src, &file);
        let text = std::fs::read_to_string(&file).expect("read source");
        // Unit tests may reach anywhere.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let deps = graph.entry(module.clone()).or_default();
        for dep in imports(text) {
            if dep != module {
                deps.insert(dep);
            }
        }
    }
    graph
}

#[test]
fn protocol_depends_only_on_the_value_types() {
    let graph = graph();
    let allowed: BTreeSet<String> = ["status", "metadata"].map(String::from).into();
    let deps = &graph["protocol"];
    assert!(deps.is_subset(&allowed), "protocol imports {deps:?}");
}

#[test]
fn client_and_server_never_import_each_other() {
    let graph = graph();
    assert!(!graph["client"].contains("server"), "{:?}", graph["client"]);
    assert!(!graph["server"].contains("client"), "{:?}", graph["server"]);
    for side in ["client", "server"] {
        assert!(
            !graph["transport"].contains(side),
            "{:?}",
            graph["transport"]
        );
        assert!(!graph["protocol"].contains(side));
    }
}

#[test]
fn unsafe_code_is_denied_but_for_one_audited_buf() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../grpc-core/src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    assert!(
        lib.contains("#![deny(unsafe_code)]"),
        "lib.rs denies unsafe code"
    );
    let mut files = Vec::new();
    sources(&src, &mut files);
    let allowed: Vec<String> = files
        .iter()
        .filter(|file| {
            let text = std::fs::read_to_string(file).expect("source");
            text.contains("allow(unsafe_code)")
        })
        .map(|file| file.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert_eq!(
        allowed,
        ["protocol/encode.rs"],
        "files allowing unsafe code"
    );
}

#[test]
fn nothing_imports_private() {
    for (module, deps) in graph() {
        assert!(!deps.contains("__private"), "{module} imports __private");
    }
}

#[test]
fn no_import_cycles_between_top_level_modules() {
    let graph = graph();
    // `lib` declares everything; it is the root, not part of a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(start) = path.iter().position(|n| n == node) {
            panic!("import cycle: {:?} -> {node}", &path[start..]);
        }
        if done.contains(node) || node == "lib" {
            return;
        }
        path.push(node.to_owned());
        for dep in graph.get(node).into_iter().flatten() {
            if graph.contains_key(dep.as_str()) {
                visit(dep, graph, path, done);
            }
        }
        path.pop();
        done.insert(node.to_owned());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

/// The `[dependencies]` table of a workspace crate's manifest, one `name = ...` line each.
fn dependencies(krate: &str) -> BTreeMap<String, String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../{krate}/Cargo.toml"));
    let text = std::fs::read_to_string(&manifest).expect("read manifest");
    let mut out = BTreeMap::new();
    let mut in_dependencies = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && !line.is_empty() && !line.starts_with('#') {
            let (name, spec) = line.split_once('=').expect("name = spec");
            out.insert(
                name.trim().trim_end_matches(".workspace").to_owned(),
                spec.to_owned(),
            );
        }
    }
    out
}

#[test]
fn the_importer_compiles_without_the_runtime() {
    // Code generation (what a build.rs runs) needs only the shared model; the runtime (and its
    // transport: hyper, h2, rustls) comes in only with the `dynamic` feature.
    let importer = dependencies("grpc-proto-import");
    assert!(importer.contains_key("grpc-model"), "{importer:?}");
    let core = importer.get("grpc-core").expect("grpc-core for `dynamic`");
    assert!(
        core.contains("optional = true"),
        "grpc-core must be optional: {core}"
    );
    for transport in ["hyper", "h2", "tokio-rustls", "hyper-util"] {
        assert!(!importer.contains_key(transport), "{transport}");
    }
    // The model itself depends on nothing but, behind its optional `descriptor` feature (which
    // grpc-core and the importer turn on, the macros not), prost-types' descriptor structs;
    // the macros and the runtime both use it.
    let model = dependencies("grpc-macros/model");
    assert_eq!(
        model.keys().collect::<Vec<_>>(),
        ["prost-types"],
        "the model depends on nothing else: {model:?}"
    );
    assert!(
        model["prost-types"].contains("optional = true"),
        "{model:?}"
    );
    assert!(!dependencies("grpc-macros")["grpc-model"].contains("descriptor"));
    assert!(dependencies("grpc-macros").contains_key("grpc-model"));
    assert!(dependencies("grpc-core").contains_key("grpc-model"));
}
