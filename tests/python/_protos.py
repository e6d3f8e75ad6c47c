"""Run-time generation of the Python protobuf/gRPC stubs used by the interop peers.

Nothing generated is checked in: on first use the .proto files in
``tests/python/protos`` are compiled with ``python -m grpc_tools.protoc`` into a
fresh temporary directory (removed at interpreter exit), which is put on
``sys.path`` so the generated modules import each other normally.

    from _protos import load, load_wiretest
    p = load()                      # p.helloworld_pb2, p.helloworld_pb2_grpc, ...
    hw_pb2, hw_grpc, rg_pb2, rg_grpc = load()   # also unpacks as a tuple
    wiretest_pb2 = load_wiretest()
"""

import atexit
import collections
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_DIR = os.path.join(HERE, "protos")
ROUTE_GUIDE_DB = os.path.join(PROTO_DIR, "route_guide_db.json")

Protos = collections.namedtuple(
    "Protos",
    ["helloworld_pb2", "helloworld_pb2_grpc", "route_guide_pb2", "route_guide_pb2_grpc"],
)

_gen_dir = None


def _well_known_include():
    """Directory holding google/protobuf/*.proto as shipped inside grpcio-tools."""
    import grpc_tools

    path = os.path.join(os.path.dirname(os.path.abspath(grpc_tools.__file__)), "_proto")
    if not os.path.isfile(os.path.join(path, "google", "protobuf", "timestamp.proto")):
        raise RuntimeError("grpcio-tools does not ship the well-known protos at %s" % path)
    return path


def _generate():
    """Compile every .proto in PROTO_DIR once per process; return the output dir."""
    global _gen_dir
    if _gen_dir is not None:
        return _gen_dir
    out = tempfile.mkdtemp(prefix="grpc_py_gen_")
    atexit.register(shutil.rmtree, out, True)
    protos = sorted(f for f in os.listdir(PROTO_DIR) if f.endswith(".proto"))
    cmd = [
        sys.executable, "-m", "grpc_tools.protoc",
        "-I", PROTO_DIR,
        "-I", _well_known_include(),
        "--python_out=" + out,
        "--grpc_python_out=" + out,
    ] + protos
    res = subprocess.run(cmd, cwd=PROTO_DIR, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(
            "protoc failed (exit %d): %s\n%s" % (res.returncode, " ".join(cmd), res.stderr)
        )
    sys.path.insert(0, out)
    importlib.invalidate_caches()
    _gen_dir = out
    return out


def load():
    """Return the imported helloworld/route_guide message and service modules."""
    _generate()
    return Protos(*(importlib.import_module(name) for name in Protos._fields))


def load_wiretest():
    """Return the imported wiretest_pb2 module (see protos/wiretest.proto)."""
    _generate()
    return importlib.import_module("wiretest_pb2")


def load_module(name):
    """Return the generated module `name` (e.g. "lossless_v2_pb2") of any proto in protos/."""
    _generate()
    return importlib.import_module(name)
