#!/usr/bin/env bash
# Regenerates well_known.pb: protoc's descriptors (no source info) of the well-known files that
# are not built by hand in wkt.rs. Needs Debian's protobuf-compiler and libprotobuf-dev (protoc
# 3.21, whose descriptor.proto is the one prost-types' Rust types were generated from: no
# editions). The import corpus test (tests/tests/import_corpus.rs) checks the result against
# protoc again.
set -euo pipefail
cd "$(dirname "$0")"
protoc -I /usr/include --descriptor_set_out=well_known.pb \
    google/protobuf/source_context.proto google/protobuf/type.proto \
    google/protobuf/api.proto google/protobuf/wrappers.proto \
    google/protobuf/descriptor.proto
