#!/usr/bin/env bash
# Builds the grpc-go interop peers (see README.md here) into OUT_DIR (default
# <workspace>/target/go-interop): interop-server and interop-client.
#
#   tests/go/build.sh [OUT_DIR]
#
# Needs Debian's Go toolchain and grpc-go, in GOPATH mode (no modules, no network):
#   apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev \
#       golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc \
#       protobuf-compiler grpc-proto
# The Go code for grpc/testing/{empty,messages,test}.proto is generated into a temporary
# GOPATH at each build (never committed); GRPC_PROTO_DIR overrides /usr/share/grpc-proto.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/target/go-interop}"
proto_dir="${GRPC_PROTO_DIR:-/usr/share/grpc-proto}"
system_gopath="${GRPC_GO_SYSTEM_GOPATH:-/usr/share/gocode}"

mkdir -p "$out"
out="$(cd "$out" && pwd)"
# A failed build must not leave the previous binaries behind for the tests to pick up.
rm -f "$out/interop-server" "$out/interop-client"

for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
    command -v "$tool" >/dev/null 2>&1 || { echo "tests/go/build.sh: $tool is not installed" >&2; exit 1; }
done
for dir in google.golang.org/grpc google.golang.org/protobuf github.com/golang/protobuf/proto; do
    [ -d "$system_gopath/src/$dir" ] || { echo "tests/go/build.sh: $system_gopath/src/$dir is missing" >&2; exit 1; }
done
[ -f "$proto_dir/grpc/testing/test.proto" ] || { echo "tests/go/build.sh: no grpc/testing/test.proto under $proto_dir" >&2; exit 1; }

gopath="$(mktemp -d "${TMPDIR:-/tmp}/grpc-go-interop.XXXXXX")"
trap 'rm -rf "$gopath"' EXIT
pkg="$gopath/src/grpcinterop"
mkdir -p "$pkg"

# The protos have no go_package: map all three into one Go package, grpcinterop/testpb.
mapping=""
for f in empty messages test; do
    mapping="$mapping,Mgrpc/testing/$f.proto=grpcinterop/testpb"
done
mapping="${mapping#,}"
protoc -I "$proto_dir" \
    --go_out="$gopath/src" --go_opt="$mapping" \
    --go-grpc_out="$gopath/src" --go-grpc_opt="$mapping" \
    grpc/testing/empty.proto grpc/testing/messages.proto grpc/testing/test.proto

cp -r "$here/wire" "$here/interop_server" "$here/interop_client" "$pkg/"

export GO111MODULE=off GOPATH="$gopath:$system_gopath" GOFLAGS=
# Go needs a build cache; without HOME (some CI shells) keep it next to the binaries.
case "$(go env GOCACHE 2>/dev/null)" in
    "" | off) export GOCACHE="$out/.gocache" ;;
esac
unformatted="$(gofmt -l "$here")"
[ -z "$unformatted" ] || { echo "tests/go/build.sh: not gofmt-formatted: $unformatted" >&2; exit 1; }
go vet grpcinterop/wire grpcinterop/interop_server grpcinterop/interop_client
go build -o "$out/interop-server" grpcinterop/interop_server
go build -o "$out/interop-client" grpcinterop/interop_client
echo "built $out/interop-server and $out/interop-client"
