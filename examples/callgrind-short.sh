#!/usr/bin/env bash
# Run with: examples/callgrind-short.sh [SHORT_SECS] [LONG_SECS] [grpc-core|tonic ...]
#
# User-space instructions per short connection (connect, one unary call, close) of each
# server, counted by valgrind's callgrind, so that the figure does not move with whatever else
# runs on the machine. For each server, `bench-server --runtime current` (or RUNTIME=multi) runs under callgrind
# twice, driven by `bench-load short` (4 tasks, h2's client, the same for both servers) for
# SHORT_SECS (default 2) and for LONG_SECS (default 6) seconds; the difference in instructions
# divided by the difference in connections is the cost of one connection (start-up and
# shutdown cancel out). The kernel's share (accept, epoll, close) is not counted.
#
# Needs `cargo build --release -p examples --bin bench-server --bin bench-load` and valgrind.
# The callgrind profiles stay in $OUT (default target/callgrind-short) for callgrind_annotate.
# BENCH_SERVER=path measures another build of bench-server (e.g. one from an older commit).
set -euo pipefail

short=${1:-2}
long=${2:-6}
shift $(($# < 2 ? $# : 2))
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(grpc-core tonic)
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/target/release
out=${OUT:-$root/target/callgrind-short}
server_bin=${BENCH_SERVER:-$bin/bench-server}
mkdir -p "$out"

unit=connection
# `bench-load short` for $2 seconds: prints the connections it completed.
drive() {
    local result ops failed
    result=$("$bin/bench-load" short --port "$1" --concurrency 4 --warmup 0 --duration "$2" | grep '^RESULT')
    ops=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$result")
    failed=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$result")
    if [ "$failed" != 0 ]; then
        echo "bench-load short saw failures: $result" >&2
        exit 1
    fi
    echo "$ops"
}
# shellcheck source=examples/callgrind-lib.sh
. "$root/examples/callgrind-lib.sh"
run_servers "$short" "$long" "${servers[@]}"
