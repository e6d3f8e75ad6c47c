#!/usr/bin/env python3
"""grpc.testing.TestService interop server (grpcio) used as a peer by the Rust tests.

    server.py --port N [--use_tls true|false] [--tls_cert_file F --tls_key_file F]
              [--inspect_requests true|false] [--reject_unexpected_compression true|false]

Implements the server features of grpc's doc/interop-test-descriptions.md:
EmptyCall, UnaryCall, CacheableUnaryCall, CompressedResponse, CompressedRequest,
StreamingInputCall, StreamingOutputCall, FullDuplexCall, HalfDuplexCall, Echo
Status, Echo Metadata and ResponseParameters.interval_us.  UnimplementedCall and
UnimplementedService are left unimplemented (UNIMPLEMENTED).  Echo
Authenticated Username / OAuth scope are not implemented (no auth here).

Listens on 127.0.0.1 (and [::1] when available), prints `PORT <n>` on stdout once
listening, serves until SIGTERM/SIGINT and exits 0.

CompressedRequest needs to know whether each request message carried the
compressed flag, which grpcio does not expose (not even the grpc-encoding
header).  By default (--inspect_requests true) the listening socket therefore
belongs to a small transparent HTTP/2 proxy (see _h2inspect.py) that records the
flag of every request message and forwards the bytes to the grpcio server over
a private unix socket; TLS is then terminated by that proxy (Python ssl, ALPN
h2).  With --inspect_requests false grpcio listens directly (grpc core TLS) and
expect_compressed cannot be verified: such requests are accepted (a note is
logged on stderr), so the client's compression probes will not see
INVALID_ARGUMENT in that mode.
"""

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent import futures

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # tests/python, for _common

import grpc  # noqa: E402

import _common  # noqa: E402
import _h2inspect  # noqa: E402
import _interop_protos  # noqa: E402

P = _interop_protos.load()
empty_pb2 = P.empty_pb2
messages_pb2 = P.messages_pb2
test_pb2_grpc = P.test_pb2_grpc

ECHO_INITIAL = "x-grpc-test-echo-initial"
ECHO_TRAILING = "x-grpc-test-echo-trailing-bin"

_CODES = {c.value[0]: c for c in grpc.StatusCode}


def parse_bool(text):
    v = str(text).strip().lower()
    if v in ("true", "1", "yes", "y", "on"):
        return True
    if v in ("false", "0", "no", "n", "off"):
        return False
    raise argparse.ArgumentTypeError("expected true or false, got %r" % text)


def _note(msg):
    print("note: %s" % msg, file=sys.stderr, flush=True)


class TestService(test_pb2_grpc.TestServiceServicer):
    def __init__(self, registry, reject_unexpected_compression):
        self._reg = registry
        self._strict = reject_unexpected_compression

    # ---- helpers -------------------------------------------------------------

    @staticmethod
    def _echo_metadata(context):
        """Echo Metadata: returns the initial metadata to echo (send it later, after
        any set_compression call); the trailing echo is set right away."""
        initial, trailing = [], []
        for md in context.invocation_metadata():
            if md.key == ECHO_INITIAL:
                initial.append((md.key, md.value))
            elif md.key == ECHO_TRAILING:
                trailing.append((md.key, md.value))
        if trailing:
            context.set_trailing_metadata(trailing)
        return initial

    def _inspect_key(self, context):
        if self._reg is None:
            return None
        for md in context.invocation_metadata():
            if md.key == _h2inspect.INSPECT_HEADER:
                key = md.value
                context.add_callback(lambda: self._reg.drop(key))
                return key
        return None

    def _check_compression(self, context, key, index, request):
        """CompressedRequest: `request.expect_compressed` vs. the flag of message `index`."""
        if not request.HasField("expect_compressed"):
            return
        expect = request.expect_compressed.value
        if not expect and not self._strict:
            return
        if key is None:
            if expect:
                _note("expect_compressed=true on message #%d cannot be verified "
                      "(request inspection off); accepting" % index)
            return
        flag = self._reg.wait_flag(key, index)
        if flag is None:
            context.abort(grpc.StatusCode.INTERNAL,
                          "interop server: compressed flag of request message #%d unknown" % index)
        if expect and flag == 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "expected compressed request message #%d, but it arrived uncompressed"
                          % index)
        if not expect and flag != 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "expect_compressed=false but request message #%d arrived compressed"
                          % index)

    @staticmethod
    def _echo_status(context, request):
        if request.HasField("response_status") and request.response_status.code != 0:
            st = request.response_status
            code = _CODES.get(st.code)
            if code is None:
                _note("status code %d cannot be sent by grpcio; using UNKNOWN" % st.code)
                code = grpc.StatusCode.UNKNOWN
            context.abort(code, st.message)

    @staticmethod
    def _check_response_type(context, response_type):
        if response_type != messages_pb2.COMPRESSABLE:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                          "unsupported response_type %d" % response_type)

    @staticmethod
    def _payload(context, size):
        if size < 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "negative payload size %d" % size)
        return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))

    def _responses(self, context, params, call_compressed):
        """StreamingOutputCallResponses for `params` (interval_us and per-message compression)."""
        for p in params:
            payload = self._payload(context, p.size)
            if p.interval_us > 0:
                time.sleep(p.interval_us / 1e6)
            if p.compressed.value and not call_compressed:
                _note("compressed response requested after the call's compression was "
                      "fixed (uncompressed); sending it uncompressed")
            if call_compressed and not p.compressed.value:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=payload)

    @staticmethod
    def _start_stream(context, params, initial):
        """Fix the call's compression (must precede the initial metadata), then send
        the echoed initial metadata.  Returns whether the call is compressed."""
        compressed = any(p.compressed.value for p in params)
        if compressed:
            context.set_compression(grpc.Compression.Gzip)
        if initial:
            context.send_initial_metadata(initial)
        return compressed

    # ---- RPCs ----------------------------------------------------------------

    def EmptyCall(self, request, context):
        initial = self._echo_metadata(context)
        if initial:
            context.send_initial_metadata(initial)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        initial = self._echo_metadata(context)
        key = self._inspect_key(context)
        self._check_compression(context, key, 0, request)
        self._echo_status(context, request)
        self._check_response_type(context, request.response_type)
        payload = self._payload(context, request.response_size)
        context.set_compression(grpc.Compression.Gzip if request.response_compressed.value
                                else grpc.Compression.NoCompression)
        if initial:
            context.send_initial_metadata(initial)
        return messages_pb2.SimpleResponse(payload=payload)

    def CacheableUnaryCall(self, request, context):
        initial = self._echo_metadata(context)
        initial.append(("cache-control", "max-age=60"))
        context.send_initial_metadata(initial)
        body = str(time.time_ns()).encode("ascii")
        return messages_pb2.SimpleResponse(
            payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=body))

    def StreamingInputCall(self, request_iterator, context):
        initial = self._echo_metadata(context)
        if initial:
            context.send_initial_metadata(initial)
        key = self._inspect_key(context)
        total = 0
        for index, request in enumerate(request_iterator):
            self._check_compression(context, key, index, request)
            total += len(request.payload.body)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def StreamingOutputCall(self, request, context):
        initial = self._echo_metadata(context)
        self._echo_status(context, request)
        self._check_response_type(context, request.response_type)
        compressed = self._start_stream(context, request.response_parameters, initial)
        yield from self._responses(context, request.response_parameters, compressed)

    def FullDuplexCall(self, request_iterator, context):
        initial = self._echo_metadata(context)
        compressed = None  # decided by the first request
        for request in request_iterator:
            if compressed is None:
                compressed = self._start_stream(context, request.response_parameters, initial)
            self._echo_status(context, request)
            self._check_response_type(context, request.response_type)
            yield from self._responses(context, request.response_parameters, compressed)
        if compressed is None and initial:
            context.send_initial_metadata(initial)

    def HalfDuplexCall(self, request_iterator, context):
        initial = self._echo_metadata(context)
        requests = list(request_iterator)
        params = [p for r in requests for p in r.response_parameters]
        for request in requests:
            self._echo_status(context, request)
            self._check_response_type(context, request.response_type)
        compressed = self._start_stream(context, params, initial)
        yield from self._responses(context, params, compressed)

    # UnimplementedCall is intentionally not overridden: the generated base class
    # answers UNIMPLEMENTED.


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port to listen on (0 = pick a free one)")
    ap.add_argument("--use_tls", type=parse_bool, default=False)
    ap.add_argument("--tls_cert_file", help="PEM certificate chain (required with --use_tls true)")
    ap.add_argument("--tls_key_file", help="PEM private key (required with --use_tls true)")
    ap.add_argument("--inspect_requests", type=parse_bool, default=True,
                    help="front grpcio with the HTTP/2 inspecting proxy so expect_compressed "
                         "can be verified (default true)")
    ap.add_argument("--reject_unexpected_compression", type=parse_bool, default=False,
                    help="also fail with INVALID_ARGUMENT when expect_compressed is present and "
                         "false but the message arrived compressed (default false)")
    args = ap.parse_args()
    if args.use_tls and not (args.tls_cert_file and args.tls_key_file):
        ap.error("--use_tls true needs --tls_cert_file and --tls_key_file")

    registry = _h2inspect.FlagRegistry() if args.inspect_requests else None
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64),
                         options=_common.SERVER_OPTIONS)
    test_pb2_grpc.add_TestServiceServicer_to_server(
        TestService(registry, args.reject_unexpected_compression), server)

    proxy = None
    tmpdir = None
    if args.inspect_requests:
        tmpdir = tempfile.mkdtemp(prefix="grpc_interop_srv_")
        sock_path = os.path.join(tmpdir, "grpc.sock")
        if not server.add_insecure_port("unix:" + sock_path):
            raise RuntimeError("could not listen on unix:%s" % sock_path)
        server_ssl = None
        if args.use_tls:
            server_ssl = _h2inspect.server_ssl_context(args.tls_cert_file, args.tls_key_file)
        port, socks = _h2inspect.bind_loopback(args.port)
        server.start()
        proxy = _h2inspect.InspectingProxy(
            registry, _h2inspect.CLIENT_TO_UPSTREAM,
            connect=lambda: asyncio.open_unix_connection(sock_path),
            server_ssl=server_ssl)
        proxy.start(socks)
    else:
        if args.use_tls:
            with open(args.tls_key_file, "rb") as f:
                key = f.read()
            with open(args.tls_cert_file, "rb") as f:
                cert = f.read()
            creds = grpc.ssl_server_credentials([(key, cert)])
            add = lambda addr: server.add_secure_port(addr, creds)  # noqa: E731
        else:
            add = server.add_insecure_port
        try:
            port = add("127.0.0.1:%d" % args.port)
        except RuntimeError as e:
            raise RuntimeError("could not bind 127.0.0.1:%d (%s)" % (args.port, e))
        if not port:
            raise RuntimeError("could not bind 127.0.0.1:%d (port in use?)" % args.port)
        try:
            add("[::1]:%d" % port)
        except RuntimeError as e:
            _note("IPv6 loopback listener not added: %s" % e)
        server.start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    sys.stdout.write("PORT %d\n" % port)
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop(grace=1.0).wait()
    if proxy is not None:
        proxy.close()
    if tmpdir:
        shutil.rmtree(tmpdir, True)
    print("server stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    _common.run_main(main)
