#!/usr/bin/env python3
"""grpcio-health-checking's client against a server's grpc.health.v1.Health.

  health_client.py --addr A check SERVICE...   one line per service: `SERVICE STATUS` or
                                               `SERVICE code=NOT_FOUND`
  health_client.py --addr A watch SERVICE N    one line per message received: `STATUS`, until
                                               N have come (then exits 0) or the call ends
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

import _common  # noqa: E402


def status_name(response):
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("mode", choices=["check", "watch"])
    ap.add_argument("args", nargs="+")
    args = ap.parse_args()
    with grpc.insecure_channel(args.addr) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        if args.mode == "check":
            for service in args.args:
                try:
                    response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
                    print("%s %s" % (service, status_name(response)), flush=True)
                except grpc.RpcError as e:
                    print("%s code=%s" % (service, e.code().name), flush=True)
            return 0
        service, count = args.args[0], int(args.args[1])
        seen = 0
        for response in stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=30):
            print(status_name(response), flush=True)
            seen += 1
            if seen == count:
                return 0
        print("END after %d" % seen, flush=True)
        return 1


if __name__ == "__main__":
    _common.run_main(main)
