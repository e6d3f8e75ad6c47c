"""Helpers shared by the Python interop peers (servers and clients)."""

import signal
import sys
import threading
import traceback

import grpc


class CheckFailed(Exception):
    """Raised by check() when an interop expectation does not hold."""


def check(cond, what, detail=""):
    """Assert `cond`; on success print `ok <what>`, else raise CheckFailed."""
    if not cond:
        raise CheckFailed("%s%s" % (what, (": " + detail) if detail else ""))
    print("ok %s" % what, flush=True)


def run_main(main):
    """Run `main()`, mapping every failure to a one-line message and exit code 1."""
    try:
        rc = main()
    except CheckFailed as e:
        print("FAIL: check failed: %s" % e, file=sys.stderr, flush=True)
        sys.exit(1)
    except grpc.RpcError as e:
        code = e.code() if hasattr(e, "code") else None
        details = e.details() if hasattr(e, "details") else str(e)
        print("FAIL: RPC error: code=%s details=%r" % (code, details), file=sys.stderr, flush=True)
        sys.exit(1)
    except grpc.FutureTimeoutError:
        print("FAIL: timed out waiting for the channel to become ready", file=sys.stderr, flush=True)
        sys.exit(1)
    except OSError as e:
        print("FAIL: %s" % e, file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("FAIL: interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
    except Exception as e:  # noqa: BLE001 - any other failure is still a clear failure
        traceback.print_exc(file=sys.stderr)
        print("FAIL: %s: %s" % (type(e).__name__, e), file=sys.stderr, flush=True)
        sys.exit(1)
    sys.exit(rc or 0)


def wait_ready(channel, addr, timeout=10.0):
    """Block until `channel` is connected (clear failure instead of a late RPC error)."""
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        raise CheckFailed("could not connect to %s within %.0fs" % (addr, timeout))
    print("ok connected to %s" % addr, flush=True)


def serve(server, port):
    """Bind on loopback (127.0.0.1, plus [::1] when IPv6 is available), start,
    announce `PORT <n>` as the first stdout line, and serve until SIGTERM/SIGINT.

    `port` 0 lets the OS pick a free port; the IPv6 listener reuses that port.
    The server must have been created with ("grpc.so_reuseport", 0) so that a
    fixed port already in use fails loudly instead of being shared.
    """
    try:
        bound = server.add_insecure_port("127.0.0.1:%d" % port)
    except RuntimeError as e:
        bound = 0
        err = e
    else:
        err = None
    if not bound:
        raise RuntimeError("could not bind 127.0.0.1:%d (%s)" % (port, err or "port in use?"))
    try:
        server.add_insecure_port("[::1]:%d" % bound)
    except RuntimeError as e:  # no IPv6 loopback here: IPv4 alone is fine
        print("note: IPv6 loopback listener not added: %s" % e, file=sys.stderr, flush=True)

    stop = threading.Event()

    def on_signal(signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server.start()
    sys.stdout.write("PORT %d\n" % bound)
    sys.stdout.flush()
    # Wake periodically so signals are handled promptly in the main thread.
    while not stop.wait(0.5):
        pass
    server.stop(grace=1.0).wait()
    print("server stopped", file=sys.stderr, flush=True)
    return 0


SERVER_OPTIONS = [("grpc.so_reuseport", 0)]
