#!/usr/bin/env bash
# Bounded fuzzing of grpc-core's message-frame decoder, message decoding and the server's handling
# of arbitrary HTTP/2 requests (grpc-core/fuzz):
# installs cargo-fuzz if missing, builds the targets with AddressSanitizer, then runs each one
# for FUZZ_SECONDS (default 60) from the seeds in grpc-core/fuzz/seeds plus the corpus kept in
# grpc-core/fuzz/corpus. Fails if any target crashes (the input is left in
# grpc-core/fuzz/artifacts/<target>/; replay it with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` in grpc-core/fuzz).
#
# cargo fuzz needs nightly-only rustc flags (-Zsanitizer=address and the sancov passes); on a
# stable toolchain RUSTC_BOOTSTRAP=1 enables them. Set FUZZ_SANITIZER=none to build without
# ASan (faster, still catches panics).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/grpc-core/fuzz"

seconds="${FUZZ_SECONDS:-60}"
sanitizer="${FUZZ_SANITIZER:-address}"
# -O: release without debug assertions (FUZZ_BUILD_FLAGS="" adds debug assertions and
# overflow checks, at the cost of a slower build).
read -r -a build_flags <<<"${FUZZ_BUILD_FLAGS--O}"
targets=(frame_decoder message_decode server_request)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building fuzz targets (sanitizer: $sanitizer)"
cargo fuzz build "${build_flags[@]}" --sanitizer "$sanitizer"

status=0
failed=()
for target in "${targets[@]}"; do
    echo "== fuzzing $target for ${seconds}s"
    mkdir -p "corpus/$target"
    if ! cargo fuzz run "${build_flags[@]}" --sanitizer "$sanitizer" "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -print_final_stats=1; then
        echo "error: fuzz target $target failed; see grpc-core/fuzz/artifacts/$target/" >&2
        failed+=("$target")
        status=1
    fi
done
# Last, so that it ends the output: which targets failed, and the inputs they failed on.
for target in "${failed[@]}"; do
    echo "error: fuzz target $target failed; its inputs:" >&2
    for input in "artifacts/$target"/*; do
        [ -f "$input" ] || continue
        echo "  $input:" >&2
        od -A x -t x1z "$input" | head -n 20 >&2
    done
done
exit "$status"
