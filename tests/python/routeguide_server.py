#!/usr/bin/env python3
"""routeguide.RouteGuide server (canonical example behaviour) used as a peer by
the Rust interop tests. Prints `PORT <n>` once listening."""

import argparse
import os
import sys
import time
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import _common  # noqa: E402
import _protos  # noqa: E402
import _routeguide  # noqa: E402

protos = _protos.load()
rg_pb2 = protos.route_guide_pb2
rg_grpc = protos.route_guide_pb2_grpc


def _same_point(a, b):
    return a.latitude == b.latitude and a.longitude == b.longitude


class RouteGuide(rg_grpc.RouteGuideServicer):
    def __init__(self, db):
        self.db = db

    def _find(self, point):
        for feature in self.db:
            if _same_point(feature.location, point):
                return feature
        return None

    def GetFeature(self, request, context):
        feature = self._find(request)
        if feature is None:
            return rg_pb2.Feature(name="", location=request)
        return feature

    def ListFeatures(self, request, context):
        for feature in self.db:
            if _routeguide.in_rect(feature.location, request):
                yield feature

    def RecordRoute(self, request_iterator, context):
        point_count = 0
        feature_count = 0
        distance = 0.0
        prev = None
        start = time.time()
        for point in request_iterator:
            point_count += 1
            feature = self._find(point)
            if feature is not None and feature.name:
                feature_count += 1
            if prev is not None:
                distance += _routeguide.distance_m(prev, point)
            prev = point
        return rg_pb2.RouteSummary(
            point_count=point_count,
            feature_count=feature_count,
            distance=int(distance),
            elapsed_time=int(time.time() - start),
        )

    def RouteChat(self, request_iterator, context):
        prev_notes = []
        for note in request_iterator:
            for prev in prev_notes:
                if _same_point(prev.location, note.location):
                    yield prev
            prev_notes.append(note)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0 = pick a free one)")
    ap.add_argument("--db", default=_protos.ROUTE_GUIDE_DB, help="route_guide_db.json to serve")
    args = ap.parse_args()
    db = _routeguide.load_db(rg_pb2, args.db)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_common.SERVER_OPTIONS)
    rg_grpc.add_RouteGuideServicer_to_server(RouteGuide(db), server)
    return _common.serve(server, args.port)


if __name__ == "__main__":
    _common.run_main(main)
