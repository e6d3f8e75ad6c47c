#!/usr/bin/env python3
"""Calls lossless.Echo/Echo with messages of schema v2 (protos/lossless_v2.proto) and checks
that the reply is byte for byte the request, for a server built from schema v1.

  unknown_fields_client.py --addr host:port

The requests carry what v1 lacks: fields added in v2 (every wire type, a whole new nested
message), unknown fields inside known nested messages, and enum numbers v1 does not have
(singular, packed repeated, map value, proto3 optional, oneof member), plus a new oneof member.
Requests are serialized deterministically (map keys sorted) and replies are compared as raw
bytes, then parsed back to the request. Prints `ok echo <name>` per request and `REQUEST <name>
<hex>` lines with the bytes sent.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
from _common import check  # noqa: E402

v2 = _protos.load_module("lossless_v2_pb2")

# A number neither schema has, and a negative one (written as a 10-byte varint).
UNKNOWN_MOOD = 42
NEGATIVE_MOOD = -7


def requests():
    """(name, v2 Record) pairs; the Rust test checks what its v1 server saw in each."""
    full = v2.Record(
        name="full",
        mood=v2.MOOD_ECSTATIC,
        moods=[v2.MOOD_HAPPY, v2.MOOD_ECSTATIC, UNKNOWN_MOOD, NEGATIVE_MOOD, v2.MOOD_SAD],
        maybe_mood=v2.MOOD_ECSTATIC,
        detail=v2.Detail(
            note="detail",
            mood=v2.MOOD_ECSTATIC,
            weight=-5,
            code=7,
            ratio=0.25,
            blob=b"\x00\xff",
            inner=v2.Detail(note="deep", weight=9),
        ),
        details=[
            v2.Detail(note="first", mood=v2.MOOD_SAD, weight=1),
            v2.Detail(mood=UNKNOWN_MOOD, code=1),
        ],
        choice_mood=UNKNOWN_MOOD,
        count=2**63 + 1,
        stamp=-123,
        score=1.5,
        comment="added in v2",
        numbers=[1, -1, 300],
        extra=v2.Detail(note="extra", mood=v2.MOOD_ECSTATIC),
        delta=-3,
        big=2**64 - 1,
    )
    full.mood_by_key["happy"] = v2.MOOD_HAPPY
    full.mood_by_key["unknown"] = UNKNOWN_MOOD
    full.mood_by_key["z-ecstatic"] = v2.MOOD_ECSTATIC
    new_member = v2.Record(name="new oneof member", choice_new=77, comment="c")
    only_new = v2.Record(count=1, extra=v2.Detail(blob=b"x"))
    return [
        ("full", full),
        ("new oneof member", new_member),
        ("only v2 fields", only_new),
        ("empty", v2.Record()),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True, help="server address host:port")
    args = ap.parse_args()

    with grpc.insecure_channel(args.addr) as channel:
        _common.wait_ready(channel, args.addr)
        echo = channel.unary_unary(
            "/lossless.Echo/Echo",
            request_serializer=lambda m: m.SerializeToString(deterministic=True),
            response_deserializer=lambda raw: raw,  # the reply's bytes, untouched
        )
        for name, request in requests():
            sent = request.SerializeToString(deterministic=True)
            print("REQUEST %s %s" % (name, sent.hex()), flush=True)
            reply = echo(request, timeout=10)
            check(
                reply == sent,
                "echo %s (%d bytes)" % (name, len(sent)),
                "\n sent:  %s\n reply: %s" % (sent.hex(), reply.hex()),
            )
            check(v2.Record.FromString(reply) == request, "echo %s parses back" % name)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
