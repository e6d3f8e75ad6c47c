#!/usr/bin/env python3
"""helloworld.Greeter client over TLS, for the mutual TLS and token interop tests.

`ssl_channel_credentials(--ca, --key, --cert)`, composed with
`access_token_call_credentials(--token)` when given; calls SayHello(name="python")
once. Prints `OK <message>` and exits 0, or `ERROR <CODE> <details>` and exits 3.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402

protos = _protos.load()
hw_pb2 = protos.helloworld_pb2
hw_grpc = protos.helloworld_pb2_grpc


def read(path):
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--token")
    args = ap.parse_args()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(args.ca),
        private_key=read(args.key),
        certificate_chain=read(args.cert),
    )
    if args.token:
        credentials = grpc.composite_channel_credentials(
            credentials, grpc.access_token_call_credentials(args.token)
        )
    with grpc.secure_channel(args.addr, credentials) as channel:
        stub = hw_grpc.GreeterStub(channel)
        try:
            reply = stub.SayHello(hw_pb2.HelloRequest(name="python"), timeout=10)
        except grpc.RpcError as e:
            print("ERROR %s %s" % (e.code().name, e.details()), flush=True)
            return 3
        print("OK %s" % reply.message, flush=True)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
