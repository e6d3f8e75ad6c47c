#!/usr/bin/env bash
# Run with: examples/callgrind-unary.sh [SHORT_SECS] [LONG_SECS] [grpc-core|tonic ...]
#
# User-space instructions per unary call of each server, counted by valgrind's callgrind, so
# that the figure does not move with whatever else runs on the machine. For each server,
# `bench-server --runtime current` (or RUNTIME=multi) runs under callgrind twice, driven by
# h2load (one connection, STREAMS concurrent streams, default 100, `SayHello` with the same
# request body as bench-greeter) for SHORT_SECS (default 2) and for LONG_SECS (default 6)
# seconds; the difference in instructions divided by the difference in calls is the cost of one
# call (start-up and shutdown cancel out). The kernel's share is not counted.
#
# Needs `cargo build --release -p examples --bin bench-server`, valgrind and h2load (Debian
# `nghttp2-client`). The profiles stay in $OUT (default target/callgrind-unary).
set -euo pipefail

short=${1:-2}
long=${2:-6}
shift $(($# < 2 ? $# : 2))
servers=("$@")
[ ${#servers[@]} -gt 0 ] || servers=(grpc-core tonic)
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/target/callgrind-unary}
server_bin=${BENCH_SERVER:-$root/target/release/bench-server}
streams=${STREAMS:-100}
mkdir -p "$out"
# gRPC frame (5 bytes) + protobuf `HelloRequest { name: "world" }`, as bench-greeter sends.
body=$out/hello-request.bin
printf '\x00\x00\x00\x00\x07\x0a\x05world' >"$body"

unit=call
# h2load for $2 seconds: prints the calls that succeeded.
drive() {
    local report calls failed
    report=$(h2load -t1 -c1 -m"$streams" -D"$2" -d "$body" \
        -H 'content-type: application/grpc' -H 'te: trailers' \
        "http://127.0.0.1:$1/helloworld.Greeter/SayHello")
    calls=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$report")
    failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' <<<"$report")
    if [ -z "$calls" ] || [ "$failed" != 0 ]; then
        echo "h2load saw failures:" >&2
        echo "$report" >&2
        exit 1
    fi
    echo "$calls"
}
# shellcheck source=examples/callgrind-lib.sh
. "$root/examples/callgrind-lib.sh"
run_servers "$short" "$long" "${servers[@]}"
