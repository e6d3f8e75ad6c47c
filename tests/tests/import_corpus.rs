//! The importer over a real corpus: googleapis-common-protos, Debian's grpc-proto and the
//! protobuf well-known types, each file imported, compiled, compared with protoc's descriptors
//! (options included) and rendered back to `.proto` text that protoc parses to the same
//! descriptors. See `grpc_tests::corpus` for the stages.
//!
//! It prints one line per file and the totals. Not every file passes yet: the floors below are
//! the real current state, and rise as the importer learns more. Under CI the corpus must be
//! installed (`tests/run.sh` does it); elsewhere a missing part skips the test loudly.

use grpc_tests::corpus::{self, Stage};

/// The corpus has this many files (googleapis-common-protos 1.76.0: 63, grpc-proto: 26,
/// well-known types: 11).
const FILES: usize = 100;
/// Files whose imports are not installed: grpc's meshca config imports envoy.
const SKIPPED: &[&str] = &["grpc/tls/provider/meshca/experimental/config.proto"];

// The current state; raise these as more of the corpus passes.
const IMPORTED_AT_LEAST: usize = 99;
const COMPILED_AT_LEAST: usize = 99;
const EQUAL_AT_LEAST: usize = 99;
const ROUND_TRIP_AT_LEAST: usize = 99;

#[test]
fn corpus_imports_compiles_and_matches_protoc() {
    let sources = match corpus::sources() {
        Ok(sources) => sources,
        Err(missing) => {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must install the corpus: missing {missing}"
            );
            eprintln!("SKIPPED: the import corpus is not installed: missing {missing}");
            return;
        }
    };
    let report = corpus::run(&sources);
    println!("{}", report.summary());
    eprintln!("import corpus: {}", report.totals());

    assert_eq!(report.files.len(), FILES, "corpus size changed");
    let skipped: Vec<&str> = report
        .files
        .iter()
        .filter(|(_, (_, o))| matches!(o, corpus::Outcome::Skipped(_)))
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(skipped, SKIPPED);
    let floors = [
        (Stage::Import, IMPORTED_AT_LEAST),
        (Stage::Compile, COMPILED_AT_LEAST),
        (Stage::Descriptors, EQUAL_AT_LEAST),
        (Stage::RoundTrip, ROUND_TRIP_AT_LEAST),
    ];
    for (stage, floor) in floors {
        assert!(
            report.passed(stage) >= floor,
            "fewer files than before pass {stage}: {} < {floor}\n{}",
            report.passed(stage),
            report.totals()
        );
    }
}

/// The comparison sees custom options, which prost-types' structs drop: protoc's descriptor of
/// the long-running operations API has its `(google.api.http)` rules, and the same file decoded
/// into prost-types and encoded again has none.
#[test]
fn custom_options_are_compared() {
    let Ok(sources) = corpus::sources() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install the corpus"
        );
        eprintln!("SKIPPED: the import corpus is not installed");
        return;
    };
    let googleapis = &sources[0].root;
    let includes = [
        std::path::Path::new(corpus::PROTOBUF_INCLUDE_DIR),
        googleapis.as_path(),
    ];
    let name = "google/longrunning/operations_proto.proto";
    let bytes = corpus::protoc_bytes(&[name], &includes).expect("protoc");
    let pool = prost_reflect::DescriptorPool::decode(&bytes[..]).expect("pool");
    let file = corpus::file_bytes(&bytes, name).expect("file in set");
    let options = corpus::custom_options(&pool, &file);
    assert!(
        options
            .iter()
            .any(|o| o.contains("ListOperations.options: (google.api.http)")),
        "{options:#?}"
    );
    use prost::Message as _;
    let through_prost_types = prost_types::FileDescriptorProto::decode(&file[..])
        .expect("decode")
        .encode_to_vec();
    assert!(corpus::custom_options(&pool, &through_prost_types).is_empty());
}
