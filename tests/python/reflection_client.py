#!/usr/bin/env python3
"""grpcio-reflection's ProtoReflectionDescriptorDatabase (grpc.reflection.v1alpha) against a
server: resolves services, methods, messages and enums into a DescriptorPool, then makes a
call with message classes built from the descriptors it fetched (no generated code).

  reflection_client.py --addr A --service S... --method M... --message T... --enum E...
                       [--call /pkg.Service/Method JSON EXPECTED_SUBSTRING]
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from google.protobuf import descriptor_pool, json_format, message_factory  # noqa: E402
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (  # noqa: E402
    ProtoReflectionDescriptorDatabase,
)

import _common  # noqa: E402
from _common import check  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--service", nargs="*", default=[])
    ap.add_argument("--method", nargs="*", default=[])
    ap.add_argument("--message", nargs="*", default=[])
    ap.add_argument("--enum", nargs="*", default=[])
    ap.add_argument("--call", nargs=3, metavar=("METHOD", "JSON", "EXPECT"))
    args = ap.parse_args()
    with grpc.insecure_channel(args.addr) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        pool = descriptor_pool.DescriptorPool(database)
        services = list(database.get_services())
        print("services: %s" % " ".join(services), flush=True)
        for service in args.service:
            check(service in services, "listed %s" % service, repr(services))
            described = pool.FindServiceByName(service)
            check(described.full_name == service, "resolved service %s" % service)
        for method in args.method:
            described = pool.FindMethodByName(method)
            check(described.full_name == method, "resolved method %s" % method,
                  "%s -> %s" % (described.input_type.full_name, described.output_type.full_name))
        for name in args.message:
            described = pool.FindMessageTypeByName(name)
            check(described.full_name == name, "resolved message %s" % name,
                  ", ".join(f.name for f in described.fields))
        for name in args.enum:
            described = pool.FindEnumTypeByName(name)
            check(described.full_name == name, "resolved enum %s" % name)
        if args.call:
            path, body, expect = args.call
            service, method = path.strip("/").split("/")
            described = pool.FindServiceByName(service).methods_by_name[method]
            request_class = message_factory.GetMessageClass(described.input_type)
            response_class = message_factory.GetMessageClass(described.output_type)
            call = channel.unary_unary(
                path,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=response_class.FromString,
            )
            response = call(json_format.Parse(body, request_class()), timeout=10)
            text = json_format.MessageToJson(response)
            print(text, flush=True)
            check(expect in text, "called %s with reflected types" % path, text)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
