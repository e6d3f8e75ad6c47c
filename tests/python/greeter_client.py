#!/usr/bin/env python3
"""helloworld.Greeter client used as a peer by the Rust interop tests."""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
from _common import check  # noqa: E402

protos = _protos.load()
hw_pb2 = protos.helloworld_pb2
hw_grpc = protos.helloworld_pb2_grpc


def _pairs(md):
    return [(k, v) for k, v in (md or ())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True, help="server address host:port, e.g. 127.0.0.1:50051")
    args = ap.parse_args()

    with grpc.insecure_channel(args.addr) as channel:
        _common.wait_ready(channel, args.addr)
        stub = hw_grpc.GreeterStub(channel)

        reply = stub.SayHello(hw_pb2.HelloRequest(name="python"))
        check(reply.message == "Hello python", "SayHello", "got %r" % reply.message)

        reply, call = stub.SayHello.with_call(
            hw_pb2.HelloRequest(name="python"), metadata=[("x-echo", "abc")]
        )
        print("initial_metadata %r" % (_pairs(call.initial_metadata()),), flush=True)
        print("trailing_metadata %r" % (_pairs(call.trailing_metadata()),), flush=True)
        check(reply.message == "Hello python", "SayHello with metadata", "got %r" % reply.message)

        reply = stub.SayHello(hw_pb2.HelloRequest(name="python"), timeout=1.0)
        check(reply.message == "Hello python", "SayHello with 1s timeout", "got %r" % reply.message)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
