"""Run-time generation of the grpc.testing stubs used by the interop peers.

The protos come from Debian's grpc-proto package (``/usr/share/grpc-proto``,
override with the ``GRPC_PROTO_DIR`` environment variable).  They are compiled
with ``python -m grpc_tools.protoc`` into a fresh temporary directory that is
removed at interpreter exit; nothing generated is checked in.

The generated modules live in the Python package ``grpc.testing`` (the proto
package is ``grpc.testing`` and the files are ``grpc/testing/*.proto``).  That
package name collides with the installed ``grpc`` (grpcio) package, so instead of
putting the output directory on ``sys.path`` we append ``<out>/grpc`` to
``grpc.__path__``: ``grpc.testing`` then resolves as a namespace sub-package of
grpcio and the generated ``from grpc.testing import messages_pb2`` lines work.

    from _interop_protos import load
    p = load()      # p.empty_pb2, p.messages_pb2, p.test_pb2, p.test_pb2_grpc
"""

import atexit
import collections
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

import grpc

PROTO_ROOT = os.environ.get("GRPC_PROTO_DIR", "/usr/share/grpc-proto")
PROTO_FILES = ["grpc/testing/empty.proto", "grpc/testing/messages.proto", "grpc/testing/test.proto"]

Protos = collections.namedtuple("Protos", ["empty_pb2", "messages_pb2", "test_pb2", "test_pb2_grpc"])

_loaded = None


def _generate():
    for rel in PROTO_FILES:
        if not os.path.isfile(os.path.join(PROTO_ROOT, rel)):
            raise RuntimeError(
                "%s not found under %s (install Debian's grpc-proto package or set GRPC_PROTO_DIR)"
                % (rel, PROTO_ROOT)
            )
    out = tempfile.mkdtemp(prefix="grpc_interop_gen_")
    atexit.register(shutil.rmtree, out, True)
    cmd = [
        sys.executable, "-m", "grpc_tools.protoc",
        "-I", PROTO_ROOT,
        "--python_out=" + out,
        "--grpc_python_out=" + out,
    ] + PROTO_FILES
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(
            "protoc failed (exit %d): %s\n%s" % (res.returncode, " ".join(cmd), res.stderr)
        )
    return out


def load():
    """Generate (once per process) and import the grpc.testing modules."""
    global _loaded
    if _loaded is None:
        out = _generate()
        pkg_dir = os.path.join(out, "grpc")
        if pkg_dir not in grpc.__path__:
            grpc.__path__.append(pkg_dir)
        importlib.invalidate_caches()
        _loaded = Protos(*(
            importlib.import_module("grpc.testing." + name) for name in Protos._fields
        ))
    return _loaded
