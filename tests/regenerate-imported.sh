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
    helloworld.proto route_guide.proto wiretest.proto prototwo.proto extended.proto stdoptions.proto \
    grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto \
    grpc/health/v1/health.proto grpc/reflection/v1/reflection.proto
# A Google-style API with custom options: googleapis' annotations come from the .venv
# (googleapis-common-protos, tests/python/requirements.txt).
googleapis="$(ls -d "$root"/.venv/lib/python3*/site-packages 2>/dev/null | head -n1)"
if [ ! -f "$googleapis/google/api/annotations.proto" ]; then
    echo "regenerate-imported.sh: googleapis-common-protos is not in .venv (pip install -r tests/python/requirements.txt)" >&2
    exit 1
fi
cargo run -q -p grpc-proto-import -- \
    -I tests/protos -I "$googleapis" -o "$out" annotated.proto
# What the importer cannot represent, left out with a warning each (--skip-unsupported).
cargo run -q -p grpc-proto-import -- --skip-unsupported \
    -I tests/protos -o "$out" skipped.proto
