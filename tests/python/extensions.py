#!/usr/bin/env python3
"""Extension interop fixture for extended.Base (protos/extended.proto), with protoc's code.

  extensions.py encode OUT   write the reference Base, every extension set, serialized
                             deterministically, to OUT
  extensions.py check IN     parse IN, assert it equals the reference Base (the bytes may
                             differ: upb writes extensions in descending number order, protoc's
                             C++ and grpc-core in ascending order)
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from google.protobuf import unknown_fields  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
from _common import check  # noqa: E402

ext = _protos.load_module("extended_pb2")


def build():
    """The reference extended.Base shared with the Rust side (tests/tests/wire_extensions.rs)."""
    base = ext.Base(id=7, name="seven")
    base.Extensions[ext.weight] = -3
    base.Extensions[ext.tags].extend(["new", "red"])
    base.Extensions[ext.detail].note = "fragile"
    base.Extensions[ext.detail].level = 2
    base.Extensions[ext.color] = ext.COLOR_RED
    base.Extensions[ext.stamps].extend([1, 2**64 - 1])
    base.Extensions[ext.ratio] = 0.25
    return base


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["encode", "check"])
    parser.add_argument("path")
    args = parser.parse_args()
    reference = build()
    if args.mode == "encode":
        with open(args.path, "wb") as out:
            out.write(reference.SerializeToString(deterministic=True))
        return
    with open(args.path, "rb") as f:
        data = f.read()
    got = ext.Base()
    got.ParseFromString(data)
    check(got == reference, "decoded %s, expected %s" % (got, reference))
    check(got.Extensions[ext.weight] == -3, "weight %r" % got.Extensions[ext.weight])
    unknown = unknown_fields.UnknownFieldSet(got)
    check(len(unknown) == 0, "every extension known (%d unknown fields)" % len(unknown))


if __name__ == "__main__":
    _common.run_main(main)
