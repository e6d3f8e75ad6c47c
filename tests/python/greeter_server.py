#!/usr/bin/env python3
"""helloworld.Greeter server used as a peer by the Rust interop tests.

SayHello replies "Hello " + name. If the request carries metadata `x-echo`,
its value(s) are sent back as initial metadata `x-echo`; trailing metadata
`x-trailer: done` is always sent. Prints `PORT <n>` once listening.
"""

import argparse
import os
import sys
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402

protos = _protos.load()
hw_pb2 = protos.helloworld_pb2
hw_grpc = protos.helloworld_pb2_grpc


class Greeter(hw_grpc.GreeterServicer):
    def SayHello(self, request, context):
        echo = [(k, v) for k, v in context.invocation_metadata() if k == "x-echo"]
        if echo:
            context.send_initial_metadata(echo)
        context.set_trailing_metadata([("x-trailer", "done")])
        return hw_pb2.HelloReply(message="Hello " + request.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0 = pick a free one)")
    args = ap.parse_args()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_common.SERVER_OPTIONS)
    hw_grpc.add_GreeterServicer_to_server(Greeter(), server)
    return _common.serve(server, args.port)


if __name__ == "__main__":
    _common.run_main(main)
