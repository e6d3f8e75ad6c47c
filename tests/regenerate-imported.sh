#!/usr/bin/env bash
# Regenerates tests/src/imported/ (the importer's checked-in output for the round-trip corpus).
# CI runs it and fails on any diff, so a change to the importer shows up as a reviewed diff.
# Needs Debian's grpc-proto package for grpc/testing, health and reflection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out=tests/src/imported
rm -f "$out"/*.rs.tmp
find "$out" -name '*.rs' ! -name mod.rs -delete
cargo run -q -p grpc-proto-import -- \
    -I tests/python/protos -I /usr/share/grpc-proto -o "$out" \
    helloworld.proto route_guide.proto wiretest.proto prototwo.proto \
    grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto \
    grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto
