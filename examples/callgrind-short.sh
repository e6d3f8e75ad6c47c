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

# One server under callgrind, driven for $2 seconds: prints "instructions connections".
measure() {
    local server=$1 secs=$2
    local profile=$out/$server-$secs.callgrind stdout=$out/$server-$secs.stdout
    rm -f "$profile" "$stdout"
    valgrind --tool=callgrind --callgrind-out-file="$profile" \
        "$server_bin" --server "$server" --runtime "${RUNTIME:-current}" >"$stdout" 2>"$out/$server-$secs.log" &
    local pid=$!
    local port=""
    for _ in $(seq 1 600); do
        port=$(sed -n 's/^PORT //p' "$stdout" 2>/dev/null || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    if [ -z "$port" ]; then
        kill "$pid" 2>/dev/null || true
        echo "bench-server ($server) did not start; see $out/$server-$secs.log" >&2
        exit 1
    fi
    local result
    result=$("$bin/bench-load" short --port "$port" --concurrency 4 --warmup 0 --duration "$secs" | grep '^RESULT')
    kill -TERM "$pid"
    wait "$pid" || true
    local ops failed instructions
    ops=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$result")
    failed=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$result")
    if [ "$failed" != 0 ]; then
        echo "bench-load short saw failures against $server: $result" >&2
        exit 1
    fi
    instructions=$(sed -n 's/^summary: \([0-9]*\).*/\1/p' "$profile")
    echo "$instructions $ops"
}

printf '%-10s %14s %8s %14s %8s %18s\n' server "Ir ${short}s" conns "Ir ${long}s" conns "Ir per connection"
for server in "${servers[@]}"; do
    first=$(measure "$server" "$short")
    second=$(measure "$server" "$long")
    read -r ir1 n1 <<<"$first"
    read -r ir2 n2 <<<"$second"
    per=$(( (ir2 - ir1) / (n2 - n1) ))
    printf '%-10s %14s %8s %14s %8s %18s\n' "$server" "$ir1" "$n1" "$ir2" "$n2" "$per"
done
