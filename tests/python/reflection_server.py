#!/usr/bin/env python3
"""routeguide.RouteGuide server with grpcio-reflection (which serves
grpc.reflection.v1alpha only), the peer of grpc-cli's reflection tests.
Prints `PORT <n>` once listening."""

import argparse
import os
import sys
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from grpc_reflection.v1alpha import reflection  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
import _routeguide  # noqa: E402
import routeguide_server  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0 = pick a free one)")
    args = ap.parse_args()
    rg_pb2 = routeguide_server.rg_pb2
    db = _routeguide.load_db(rg_pb2, _protos.ROUTE_GUIDE_DB)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_common.SERVER_OPTIONS)
    routeguide_server.rg_grpc.add_RouteGuideServicer_to_server(routeguide_server.RouteGuide(db), server)
    names = (
        rg_pb2.DESCRIPTOR.services_by_name["RouteGuide"].full_name,
        reflection.SERVICE_NAME,
    )
    reflection.enable_server_reflection(names, server)
    return _common.serve(server, args.port)


if __name__ == "__main__":
    _common.run_main(main)
