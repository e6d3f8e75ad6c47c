#!/usr/bin/env python3
"""routeguide.RouteGuide client exercising all four RPC patterns, used as a peer
by the Rust interop tests."""

import argparse
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
import _routeguide  # noqa: E402
from _common import check  # noqa: E402

protos = _protos.load()
rg_pb2 = protos.route_guide_pb2
rg_grpc = protos.route_guide_pb2_grpc

# Every feature of the canonical route_guide_db.json (100 entries, 64 of them
# named, 36 unnamed) lies inside this rectangle; ListFeatures streams them all.
LIST_RECT = ((400000000, -750000000), (420000000, -730000000))
LIST_EXPECTED_TOTAL = 100
LIST_EXPECTED_NAMED = 64

CHAT_NOTES = [
    ("First message", (0, 1)),
    ("Second message", (0, 2)),
    ("Third message", (0, 3)),
    ("Fourth message", (0, 1)),
    ("Fifth message", (0, 2)),
    ("Sixth message", (0, 3)),
]
CHAT_EXPECTED = [("First message", (0, 1)), ("Second message", (0, 2)), ("Third message", (0, 3))]


def _key(feature):
    return (feature.name, feature.location.latitude, feature.location.longitude)


def check_get_feature(stub):
    point = rg_pb2.Point(latitude=409146138, longitude=-746188906)
    feature = stub.GetFeature(point)
    want = "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"
    check(feature.name == want, "GetFeature named", "got name %r, want %r" % (feature.name, want))
    check(
        (feature.location.latitude, feature.location.longitude) == (409146138, -746188906),
        "GetFeature named location",
        "got %s" % feature.location,
    )

    feature = stub.GetFeature(rg_pb2.Point(latitude=0, longitude=0))
    check(feature.name == "", "GetFeature unnamed", "got name %r, want empty" % feature.name)
    check(
        (feature.location.latitude, feature.location.longitude) == (0, 0),
        "GetFeature unnamed location",
        "got (%d, %d)" % (feature.location.latitude, feature.location.longitude),
    )


def check_list_features(stub, db):
    (lo_lat, lo_lon), (hi_lat, hi_lon) = LIST_RECT
    rect = rg_pb2.Rectangle(
        lo=rg_pb2.Point(latitude=lo_lat, longitude=lo_lon),
        hi=rg_pb2.Point(latitude=hi_lat, longitude=hi_lon),
    )
    got = list(stub.ListFeatures(rect))
    expected = [f for f in db if _routeguide.in_rect(f.location, rect)]
    check(
        len(expected) == LIST_EXPECTED_TOTAL,
        "ListFeatures expectation matches local db",
        "db gives %d features in the rectangle, script expects %d" % (len(expected), LIST_EXPECTED_TOTAL),
    )
    check(
        len(got) == LIST_EXPECTED_TOTAL,
        "ListFeatures count %d" % LIST_EXPECTED_TOTAL,
        "got %d features" % len(got),
    )
    outside = [f for f in got if not _routeguide.in_rect(f.location, rect)]
    check(not outside, "ListFeatures all inside rectangle", "outside: %s" % [_key(f) for f in outside[:5]])
    named = sum(1 for f in got if f.name)
    check(named == LIST_EXPECTED_NAMED, "ListFeatures named count %d" % LIST_EXPECTED_NAMED, "got %d" % named)
    got_c = collections.Counter(_key(f) for f in got)
    want_c = collections.Counter(_key(f) for f in expected)
    check(
        got_c == want_c,
        "ListFeatures same features as db",
        "missing %s; unexpected %s" % (list((want_c - got_c).elements())[:5], list((got_c - want_c).elements())[:5]),
    )


def check_record_route(stub, db, distance_mode):
    points = [f.location for f in db[:10]]
    segments = [_routeguide.distance_m(a, b) for a, b in zip(points, points[1:])]
    total_truncated = int(sum(segments))  # canonical Python example: sum floats, then int
    per_segment = sum(int(s) for s in segments)  # Go/tonic examples: truncate each hop
    want = total_truncated if distance_mode == "total" else per_segment

    summary = stub.RecordRoute(iter(points))
    check(summary.point_count == 10, "RecordRoute point_count 10", "got %d" % summary.point_count)
    check(summary.feature_count == 10, "RecordRoute feature_count 10", "got %d" % summary.feature_count)
    hint = ""
    if summary.distance != want:
        if summary.distance == per_segment:
            hint = " (that is the per-segment-truncated sum; this check wants int(sum of floats))"
        elif summary.distance == total_truncated:
            hint = " (that is int(sum of floats); --distance-mode per-segment wants per-hop truncation)"
    check(
        summary.distance == want,
        "RecordRoute distance %d" % want,
        "got %d, want %d%s" % (summary.distance, want, hint),
    )
    check(summary.elapsed_time >= 0, "RecordRoute elapsed_time %d" % summary.elapsed_time,
          "negative elapsed_time %d" % summary.elapsed_time)


def check_route_chat(stub):
    def notes():
        for message, (lat, lon) in CHAT_NOTES:
            yield rg_pb2.RouteNote(message=message, location=rg_pb2.Point(latitude=lat, longitude=lon))

    got = [(n.message, (n.location.latitude, n.location.longitude)) for n in stub.RouteChat(notes())]
    check(got == CHAT_EXPECTED, "RouteChat replies", "got %r, want %r" % (got, CHAT_EXPECTED))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True, help="server address host:port, e.g. 127.0.0.1:50051")
    ap.add_argument("--db", default=_protos.ROUTE_GUIDE_DB, help="route_guide_db.json for local expectations")
    ap.add_argument(
        "--distance-mode",
        choices=["total", "per-segment"],
        default="total",
        help="expected RecordRoute distance: int(sum of float hops) as in the canonical "
        "Python example (default), or the sum of per-hop truncated ints",
    )
    args = ap.parse_args()
    db = _routeguide.load_db(rg_pb2, args.db)

    with grpc.insecure_channel(args.addr) as channel:
        _common.wait_ready(channel, args.addr)
        stub = rg_grpc.RouteGuideStub(channel)
        check_get_feature(stub)
        check_list_features(stub, db)
        check_record_route(stub, db, args.distance_mode)
        check_route_chat(stub)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
