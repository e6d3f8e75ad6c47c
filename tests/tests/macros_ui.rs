//! Compile-time diagnostics of the macros: every `tests/ui/*.rs` must fail to compile with the
//! error recorded next to it in `*.stderr`, and every `tests/ui/pass/*.rs` must compile and run.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p grpc-tests --test macros_ui`
//! and read the diff: each error should point at the offending tokens and say what to do.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/*.rs"));
    t.pass(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/pass/*.rs"));
}
