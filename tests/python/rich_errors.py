#!/usr/bin/env python3
"""Rich error details (google.rpc.Status in grpc-status-details-bin) with grpcio-status.

  rich_errors.py client --addr A   calls helloworld.Greeter/SayHello(name="rich"), expects
                                   INVALID_ARGUMENT, reads the details with
                                   rpc_status.from_call and checks every one
  rich_errors.py server --port 0   a Greeter whose SayHello aborts with
                                   rpc_status.to_status(...) carrying every detail type;
                                   prints `PORT <n>`

Both sides use the same expected details (EXPECTED below); the Rust tests build and check the
same values.
"""

import argparse
import os
import sys
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from google.protobuf import any_pb2, duration_pb2  # noqa: E402
from google.rpc import code_pb2, error_details_pb2, status_pb2  # noqa: E402
from grpc_status import rpc_status  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
from _common import check  # noqa: E402

protos = _protos.load()
hw_pb2 = protos.helloworld_pb2
hw_grpc = protos.helloworld_pb2_grpc

MESSAGE = "bad greeting \u2713"


def expected_details():
    """Every google/rpc/error_details.proto type, in this order."""
    ed = error_details_pb2
    return [
        ed.ErrorInfo(reason="NAME_RESERVED", domain="greeter.example", metadata={"name": "rich"}),
        ed.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=500000000)),
        ed.DebugInfo(stack_entries=["frame 1", "frame 2"], detail="debug detail"),
        ed.QuotaFailure(violations=[ed.QuotaFailure.Violation(subject="project:1", description="too many")]),
        ed.PreconditionFailure(violations=[
            ed.PreconditionFailure.Violation(type="TOS", subject="user:1", description="not accepted")]),
        ed.BadRequest(field_violations=[
            ed.BadRequest.FieldViolation(field="name", description="must not be rich")]),
        ed.RequestInfo(request_id="req-1", serving_data="shard 7"),
        ed.ResourceInfo(resource_type="greeting", resource_name="rich", owner="me", description="taken"),
        ed.Help(links=[ed.Help.Link(description="docs", url="https://example.com/help")]),
        ed.LocalizedMessage(locale="fr-FR", message="mauvaise salutation"),
    ]


def client(addr):
    with grpc.insecure_channel(addr) as channel:
        stub = hw_grpc.GreeterStub(channel)
        try:
            stub.SayHello(hw_pb2.HelloRequest(name="rich"), timeout=10)
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INVALID_ARGUMENT, "code INVALID_ARGUMENT", str(e.code()))
            status = rpc_status.from_call(e)
            check(status is not None, "grpc-status-details-bin present")
            check(status.code == code_pb2.INVALID_ARGUMENT, "google.rpc.Status code", str(status.code))
            check(status.message == MESSAGE, "google.rpc.Status message", repr(status.message))
            expected = expected_details()
            check(len(status.details) == len(expected), "%d details" % len(expected), str(len(status.details)))
            for got, want in zip(status.details, expected):
                value = type(want)()
                check(got.Unpack(value), "unpacked %s" % want.DESCRIPTOR.full_name, got.type_url)
                check(value == want, "same %s" % want.DESCRIPTOR.full_name, str(value))
            return 0
        raise _common.CheckFailed("SayHello(rich) succeeded")


class RichGreeter(hw_grpc.GreeterServicer):
    def SayHello(self, request, context):
        details = []
        for detail in expected_details():
            packed = any_pb2.Any()
            packed.Pack(detail)
            details.append(packed)
        status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=MESSAGE, details=details)
        context.abort_with_status(rpc_status.to_status(status))


def server(port):
    srv = grpc.server(futures.ThreadPoolExecutor(max_workers=4), options=_common.SERVER_OPTIONS)
    hw_grpc.add_GreeterServicer_to_server(RichGreeter(), srv)
    return _common.serve(srv, port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", nargs="?", default="server", choices=["client", "server"])
    ap.add_argument("--addr")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    if args.mode == "client":
        return client(args.addr)
    return server(args.port)


if __name__ == "__main__":
    _common.run_main(main)
