#!/usr/bin/env python3
"""helloworld.Greeter server over TLS, for the mutual TLS and token interop tests.

Serves TLS with --cert/--key on 127.0.0.1. With --client-ca it requires client
certificates from that CA (`ssl_server_credentials(..., require_client_auth=True)`);
with --require-token T a server interceptor answers UNAUTHENTICATED unless the call
carries `authorization: Bearer T`. SayHello replies "Hello " + name and sends the
peer's identities (`context.peer_identities()`) as initial metadata `x-peer-identities`
and the auth context's transport security type as `x-security`. Prints `PORT <n>`.
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
        identities = context.peer_identities() or []
        security = context.auth_context().get("transport_security_type", [b""])
        context.send_initial_metadata([
            ("x-peer-identities", ",".join(i.decode() for i in identities)),
            ("x-security", security[0].decode()),
        ])
        return hw_pb2.HelloReply(message="Hello " + request.name)


class RequireToken(grpc.ServerInterceptor):
    def __init__(self, token):
        self._expected = "Bearer " + token

    def intercept_service(self, continuation, details):
        metadata = dict(details.invocation_metadata)
        if metadata.get("authorization") == self._expected:
            return continuation(details)

        def deny(request, context):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "the bearer token is missing or wrong")

        return grpc.unary_unary_rpc_method_handler(deny)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--client-ca")
    ap.add_argument("--require-token")
    args = ap.parse_args()
    interceptors = [RequireToken(args.require_token)] if args.require_token else []
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        interceptors=interceptors,
        options=_common.SERVER_OPTIONS,
    )
    hw_grpc.add_GreeterServicer_to_server(Greeter(), server)
    credentials = grpc.ssl_server_credentials(
        [(read(args.key), read(args.cert))],
        root_certificates=read(args.client_ca) if args.client_ca else None,
        require_client_auth=bool(args.client_ca),
    )
    port = server.add_secure_port("127.0.0.1:%d" % args.port, credentials)
    if not port:
        raise RuntimeError("could not bind 127.0.0.1:%d" % args.port)
    server.start()
    print("PORT %d" % port, flush=True)
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    _common.run_main(main)
