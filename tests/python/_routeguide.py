"""Route guide database loading and distance helpers (canonical gRPC example semantics)."""

import json
import math

import _protos

COORD_FACTOR = 1e7  # coordinates are degrees * 1e7
EARTH_RADIUS_M = 6371000


def load_db(route_guide_pb2, path=_protos.ROUTE_GUIDE_DB):
    """Read route_guide_db.json into a list of route_guide_pb2.Feature."""
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    return [
        route_guide_pb2.Feature(
            name=item["name"],
            location=route_guide_pb2.Point(
                latitude=item["location"]["latitude"],
                longitude=item["location"]["longitude"],
            ),
        )
        for item in items
    ]


def distance_m(start, end):
    """Haversine distance in metres (float) between two E7 points, as in the
    canonical route guide example."""
    lat1 = start.latitude / COORD_FACTOR
    lat2 = end.latitude / COORD_FACTOR
    lon1 = start.longitude / COORD_FACTOR
    lon2 = end.longitude / COORD_FACTOR
    lat1_rad = math.radians(lat1)
    lat2_rad = math.radians(lat2)
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(lat1_rad) * math.cos(lat2_rad) * math.sin(dlon / 2) ** 2
    c = 2 * math.atan2(math.sqrt(a), math.sqrt(1 - a))
    return EARTH_RADIUS_M * c


def in_rect(point, rect):
    """Inclusive containment using min/max of the rectangle's corners."""
    left = min(rect.lo.longitude, rect.hi.longitude)
    right = max(rect.lo.longitude, rect.hi.longitude)
    bottom = min(rect.lo.latitude, rect.hi.latitude)
    top = max(rect.lo.latitude, rect.hi.latitude)
    return left <= point.longitude <= right and bottom <= point.latitude <= top
