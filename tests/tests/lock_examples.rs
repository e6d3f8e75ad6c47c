//! The breaking-change lock: the example services (code-first and imported) match their
//! committed locks (`tests/locks/*`), and the lock catches a break, asks for an update on a
//! compatible change, writes itself when missing, and rewrites itself when
//! `GRPC_LOCK_UPDATE=1` asks.
//!
//! After an intended change: `GRPC_LOCK_UPDATE=1 cargo test -p grpc-tests --test lock_examples`,
//! then commit `tests/locks`. Findings point into the lock (the code has no source lines).

use std::path::{Path, PathBuf};
use std::process::Command;

use grpc_core::descriptor::{FileDescriptorSet, ProtoExport};
use grpc_proto_import::lock::{Lock, LockError, UPDATE_ENV};
use grpc_tests::python::workspace_root;

fn lock_dir(name: &str) -> PathBuf {
    workspace_root().join("tests/locks").join(name)
}

fn routeguide() -> FileDescriptorSet {
    ProtoExport::new()
        .add::<examples::routeguide::RouteGuideClient>()
        .file_descriptor_set()
}

#[test]
fn routeguide_matches_its_lock() {
    Lock::new(lock_dir("routeguide")).assert(&routeguide());
}

#[test]
fn greeter_matches_its_lock() {
    let code = ProtoExport::new()
        .add::<examples::helloworld::GreeterClient>()
        .file_descriptor_set();
    Lock::new(lock_dir("helloworld")).assert(&code);
}

/// The route guide imported from the canonical `.proto` (examples' build.rs) is wire-identical
/// to the code-first one: its own lock, and no finding between the two, either way.
#[test]
fn imported_routeguide_matches_its_lock_and_the_code_first_one() {
    let imported = examples::imported::routeguide::file_descriptor_set();
    Lock::new(lock_dir("routeguide-imported")).assert(&imported);
    let findings = grpc_proto_import::breaking::compare(&routeguide(), &imported);
    assert!(findings.is_empty(), "{findings:#?}");
    let findings = grpc_proto_import::breaking::compare(&imported, &routeguide());
    assert!(findings.is_empty(), "{findings:#?}");
}

/// A copy of the routeguide lock in a fresh directory.
fn copy_of_lock(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("grpc-lock-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = "route_guide.proto";
    std::fs::copy(lock_dir("routeguide").join(file), dir.join(file)).unwrap();
    dir
}

fn message_mut<'a>(
    set: &'a mut FileDescriptorSet,
    name: &str,
) -> &'a mut prost_types::DescriptorProto {
    let file = set
        .file
        .iter_mut()
        .find(|f| f.name() == "route_guide.proto")
        .unwrap();
    file.message_type
        .iter_mut()
        .find(|m| m.name() == name)
        .unwrap()
}

#[test]
fn breaking_code_fails_with_the_findings() {
    let dir = copy_of_lock("breaking");
    let mut code = routeguide();
    // Point.longitude renumbered, Feature.name removed, RouteChat made unary.
    message_mut(&mut code, "Point").field[1].number = Some(7);
    message_mut(&mut code, "Feature").field.remove(0);
    let file = code
        .file
        .iter_mut()
        .find(|f| f.name() == "route_guide.proto")
        .unwrap();
    file.service[0].method[3].client_streaming = Some(false);
    let Err(LockError::Breaking(findings)) = Lock::new(&dir).check(&code) else {
        panic!("the break was not caught");
    };
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        [
            "route_guide.proto:6:1: routeguide.Point: field 2 (\"longitude\") renumbered to 7 without reserving 2 [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]",
            "route_guide.proto:22:1: routeguide.Feature: field 1 (\"name\") deleted without reserving its name [FIELD_NO_DELETE_UNLESS_NAME_RESERVED]",
            "route_guide.proto:22:1: routeguide.Feature: field 1 (\"name\") deleted without reserving its number [FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED]",
            "route_guide.proto:58:3: routeguide.RouteGuide.RouteChat: request changed from streaming to unary [RPC_SAME_CLIENT_STREAMING]",
        ]
    );
    let message = Lock::new(&dir).check(&code).unwrap_err().to_string();
    assert!(message.contains(&format!("{UPDATE_ENV}=1")), "{message}");
    // The lock was not touched.
    assert_eq!(
        std::fs::read(dir.join("route_guide.proto")).unwrap(),
        std::fs::read(lock_dir("routeguide").join("route_guide.proto")).unwrap()
    );
}

#[test]
fn compatible_change_asks_for_an_update() {
    let dir = copy_of_lock("stale");
    let mut code = routeguide();
    let mut added = message_mut(&mut code, "Point").field[0].clone();
    added.name = Some("altitude".to_owned());
    added.json_name = Some("altitude".to_owned());
    added.number = Some(3);
    message_mut(&mut code, "Point").field.push(added);
    match Lock::new(&dir).check(&code) {
        Err(LockError::Stale(files)) => assert_eq!(files, ["route_guide.proto"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_lock_is_written_and_fails_until_committed() {
    let dir = std::env::temp_dir().join(format!("grpc-lock-{}-missing", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    match Lock::new(&dir).check(&routeguide()) {
        Err(LockError::Created(paths)) => assert_eq!(paths, [dir.join("route_guide.proto")]),
        other => panic!("{other:?}"),
    }
    Lock::new(&dir).assert(&routeguide());
}

/// Run by `update_env_rewrites_the_lock` in a child process with `GRPC_LOCK_UPDATE=1`.
#[test]
#[ignore = "run by update_env_rewrites_the_lock"]
fn update_env_child() {
    let dir = std::env::var("LOCK_TEST_DIR").expect("LOCK_TEST_DIR");
    let mut code = routeguide();
    message_mut(&mut code, "Feature").field.remove(0);
    Lock::new(Path::new(&dir)).assert(&code);
}

#[test]
fn update_env_rewrites_the_lock() {
    let dir = copy_of_lock("update");
    let status = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "update_env_child", "--ignored", "--quiet"])
        .env(UPDATE_ENV, "1")
        .env("LOCK_TEST_DIR", &dir)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(dir.join("route_guide.proto")).unwrap();
    assert!(!text.contains("string name = 1;"), "{text}");
    // Without the variable, the rewritten lock now holds the break: the original code is a
    // compatible (stale) change against it, as the field comes back.
    assert!(matches!(
        Lock::new(&dir).check(&routeguide()),
        Err(LockError::Stale(_))
    ));
}
