"""A transparent HTTP/2 proxy that records the gRPC "compressed" flag of every message.

Why this exists
---------------
grpcio never shows an application whether a message arrived compressed:

* the per-message Compressed-Flag byte is consumed by grpc core, and
* grpc core does not publish ``grpc-encoding`` / ``grpc-accept-encoding`` to the
  application either (``context.invocation_metadata()`` on a server and
  ``call.initial_metadata()`` on a client only contain custom metadata such as
  ``user-agent``; checked with grpcio 1.85).

The interop features CompressedRequest (server must reject an uncompressed
request that sets ``expect_compressed``) and the client assertions of
server_compressed_unary / server_compressed_streaming (the response messages
MUST / MUST NOT have the compressed flag set) need exactly that bit.  So the
peers can put this proxy between the network and grpcio:

    server.py:  remote client --(TCP or TLS)--> proxy --(unix socket, h2c)--> grpcio server
    client.py:  grpcio client --(h2c)--> proxy --(TCP or TLS)--> remote server

The proxy forwards every byte unchanged, except for one addition.  In the
inspected direction it parses HTTP/2 frames (no HPACK decoding is needed) and

* for each DATA frame, walks the gRPC length-prefixed messages of that stream and
  records the Compressed-Flag byte of every message, in order, in a
  ``FlagRegistry`` *before* forwarding the frame (so by the time grpcio hands
  message *i* to the application, flag *i* is already recorded);
* after the first header block of each stream, appends one CONTINUATION frame
  carrying a literal, never-indexed-table-affecting HPACK header
  ``x-interop-inspect-id: c<conn>.s<stream>``.  The END_HEADERS flag moves from
  the original last header frame to the new CONTINUATION.  Literal-without-
  indexing representations do not touch the HPACK dynamic table, and HEADERS /
  CONTINUATION frames are not flow controlled, so this is invisible to both
  HTTP/2 endpoints apart from the extra custom header.

The grpcio side reads ``x-interop-inspect-id`` from its metadata (server:
invocation metadata; client: response initial metadata) and looks the flags up.

The other direction is forwarded verbatim.  TLS, when used, is terminated /
originated by the proxy with Python's ``ssl`` module (ALPN ``h2`` required, like
grpc core), because the proxy has to see the plaintext frames.
"""

import asyncio
import itertools
import socket
import ssl
import sys
import threading
import traceback

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
INSPECT_HEADER = "x-interop-inspect-id"

_DATA, _HEADERS, _CONTINUATION = 0x0, 0x1, 0x9
_END_STREAM, _END_HEADERS, _PADDED = 0x1, 0x4, 0x8

# Which direction to inspect.
CLIENT_TO_UPSTREAM = "client_to_upstream"  # server.py: look at requests
UPSTREAM_TO_CLIENT = "upstream_to_client"  # client.py: look at responses


def log(msg):
    print("h2inspect: %s" % msg, file=sys.stderr, flush=True)


class FlagRegistry:
    """Thread-safe map: inspect id -> list of Compressed-Flag bytes, in message order."""

    def __init__(self):
        self._cond = threading.Condition()
        self._flags = {}

    def open(self, key):
        with self._cond:
            self._flags.setdefault(key, [])

    def record(self, key, flag):
        with self._cond:
            self._flags.setdefault(key, []).append(flag)
            self._cond.notify_all()

    def flags(self, key):
        with self._cond:
            return list(self._flags.get(key, ()))

    def wait_flag(self, key, index, timeout=5.0):
        """Flag byte of message `index` (0-based) of `key`, or None if unknown."""
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self._flags.get(key, ())) > index, timeout)
            return self._flags[key][index] if ok else None

    def drop(self, key):
        with self._cond:
            self._flags.pop(key, None)

    def drop_prefix(self, prefix):
        with self._cond:
            for key in [k for k in self._flags if k.startswith(prefix)]:
                del self._flags[key]


def _hpack_string(s):
    raw = s.encode("ascii")
    if len(raw) >= 127:
        raise ValueError("header string too long for the single-byte length form")
    return bytes([len(raw)]) + raw  # H bit 0: not Huffman coded


class _MessageScanner:
    """Follows the gRPC length-prefixed message framing inside one stream's DATA."""

    def __init__(self):
        self._prefix = bytearray()
        self._remaining = 0

    def feed(self, data):
        """Consume DATA payload bytes; return the flag bytes of messages that started."""
        flags = []
        i, n = 0, len(data)
        while i < n:
            if self._remaining:
                take = min(self._remaining, n - i)
                self._remaining -= take
                i += take
                continue
            need = 5 - len(self._prefix)
            chunk = data[i:i + need]
            self._prefix += chunk
            i += len(chunk)
            if len(self._prefix) == 5:
                flags.append(self._prefix[0])
                self._remaining = int.from_bytes(self._prefix[1:5], "big")
                self._prefix.clear()
        return flags


class H2Inspector:
    """Incremental HTTP/2 frame parser for one direction of one connection."""

    def __init__(self, registry, conn_id, expect_preface):
        self._reg = registry
        self._conn = conn_id
        self._buf = bytearray()
        self._preface = expect_preface
        self._streams = {}  # stream id -> _MessageScanner, for streams whose headers we saw
        self._pending = None  # stream id whose header block is still open and needs the id
        self._passthrough = False

    def key(self, sid):
        return "c%d.s%d" % (self._conn, sid)

    def feed(self, data):
        """Take bytes read from the source; return the bytes to forward."""
        if self._passthrough:
            return data
        try:
            return self._feed(data)
        except Exception:  # noqa: BLE001 - never break the connection over a parser bug
            traceback.print_exc(file=sys.stderr)
            log("connection %d: parser error, forwarding the rest verbatim" % self._conn)
            self._passthrough = True
            rest = bytes(self._buf)
            self._buf.clear()
            return rest

    def _feed(self, data):
        self._buf += data
        out = bytearray()
        if self._preface:
            n = min(len(PREFACE), len(self._buf))
            if self._buf[:n] != PREFACE[:n]:
                log("connection %d: no HTTP/2 client preface, not inspecting" % self._conn)
                self._passthrough = True
                rest = bytes(self._buf)
                self._buf.clear()
                return rest
            if len(self._buf) < len(PREFACE):
                return b""
            out += PREFACE
            del self._buf[:len(PREFACE)]
            self._preface = False
        while len(self._buf) >= 9:
            length = int.from_bytes(self._buf[0:3], "big")
            if len(self._buf) < 9 + length:
                break
            frame = bytes(self._buf[:9 + length])
            del self._buf[:9 + length]
            out += self._frame(frame)
        return bytes(out)

    def _inject(self, frame, sid):
        head = bytearray(frame[:9])
        head[4] &= ~_END_HEADERS & 0xFF
        block = b"\x00" + _hpack_string(INSPECT_HEADER) + _hpack_string(self.key(sid))
        cont = (len(block).to_bytes(3, "big") + bytes([_CONTINUATION, _END_HEADERS])
                + sid.to_bytes(4, "big"))
        return bytes(head) + frame[9:] + cont + block

    def _frame(self, frame):
        ftype, flags = frame[3], frame[4]
        sid = int.from_bytes(frame[5:9], "big") & 0x7FFFFFFF
        if ftype == _HEADERS and sid:
            first = sid not in self._streams
            if first:
                self._streams[sid] = _MessageScanner()
                self._reg.open(self.key(sid))
            if flags & _END_STREAM:
                self._streams.pop(sid, None)
            if flags & _END_HEADERS:
                self._pending = None
                return self._inject(frame, sid) if first else frame
            self._pending = sid if first else None
            return frame
        if ftype == _CONTINUATION:
            if flags & _END_HEADERS and self._pending == sid:
                self._pending = None
                return self._inject(frame, sid)
            return frame
        if ftype == _DATA and sid:
            scanner = self._streams.get(sid)
            if scanner is not None:
                body = memoryview(frame)[9:]
                if flags & _PADDED and len(body):
                    pad = body[0]
                    body = body[1:max(1, len(body) - pad)]
                for flag in scanner.feed(body):
                    self._reg.record(self.key(sid), flag)
            if flags & _END_STREAM:
                self._streams.pop(sid, None)
        return frame


def server_ssl_context(cert_file, key_file):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert_file, key_file)
    ctx.set_alpn_protocols(["h2"])
    return ctx


def client_ssl_context(ca_file=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificate and hostname
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    else:
        ctx.load_default_certs()
    ctx.set_alpn_protocols(["h2"])
    return ctx


def bind_loopback(port):
    """Listening sockets on 127.0.0.1:port (required) and [::1]:<same port> (optional)."""
    socks = []
    s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s4.bind(("127.0.0.1", port))
    except OSError as e:
        s4.close()
        raise RuntimeError("could not bind 127.0.0.1:%d (%s)" % (port, e))
    s4.listen(128)
    socks.append(s4)
    bound = s4.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s6.bind(("::1", bound))
        s6.listen(128)
        socks.append(s6)
    except OSError as e:
        print("note: IPv6 loopback listener not added: %s" % e, file=sys.stderr, flush=True)
    return bound, socks


class InspectingProxy:
    """The proxy itself; runs its own asyncio loop in a daemon thread.

    registry:   FlagRegistry receiving the flags
    direction:  CLIENT_TO_UPSTREAM or UPSTREAM_TO_CLIENT (the inspected direction)
    connect:    coroutine function returning (reader, writer) for a new upstream
                connection (called once per accepted connection)
    server_ssl: optional SSLContext to terminate TLS on accepted connections
    """

    def __init__(self, registry, direction, connect, server_ssl=None):
        self._reg = registry
        self._direction = direction
        self._connect = connect
        self._server_ssl = server_ssl
        self._ids = itertools.count(1)
        self._servers = []
        self._tasks = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="h2inspect", daemon=True)

    def start(self, socks):
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(socks), self._loop).result(10)

    def close(self):
        if not self._thread.is_alive():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(5)
        except Exception as e:  # noqa: BLE001
            log("shutdown: %s" % e)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _listen(self, socks):
        for sock in socks:
            srv = await asyncio.start_server(self._handle, sock=sock, ssl=self._server_ssl)
            self._servers.append(srv)

    async def _shutdown(self):
        for srv in self._servers:
            srv.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)

    async def _handle(self, creader, cwriter):
        task = asyncio.current_task()
        self._tasks.add(task)
        conn = next(self._ids)
        uwriter = None
        try:
            if self._server_ssl is not None:
                sslobj = cwriter.get_extra_info("ssl_object")
                alpn = sslobj.selected_alpn_protocol() if sslobj else None
                if alpn != "h2":
                    log("connection %d: TLS client did not negotiate ALPN h2 (got %r); closing"
                        % (conn, alpn))
                    return
            try:
                ureader, uwriter = await self._connect()
            except Exception as e:  # noqa: BLE001
                log("connection %d: upstream connect failed: %s" % (conn, e))
                return
            insp = H2Inspector(self._reg, conn,
                               expect_preface=self._direction == CLIENT_TO_UPSTREAM)
            c2u = insp.feed if self._direction == CLIENT_TO_UPSTREAM else None
            u2c = insp.feed if self._direction == UPSTREAM_TO_CLIENT else None
            await asyncio.gather(_pump(creader, uwriter, c2u), _pump(ureader, cwriter, u2c))
        except asyncio.CancelledError:
            pass
        finally:
            for w in (cwriter, uwriter):
                if w is not None:
                    try:
                        w.close()
                    except Exception:  # noqa: BLE001
                        pass
            # Keep the flags around a little: the application may still be reading them.
            self._loop.call_later(30, self._reg.drop_prefix, "c%d." % conn)
            self._tasks.discard(task)


async def _pump(reader, writer, transform):
    try:
        while True:
            data = await reader.read(1 << 16)
            if not data:
                break
            if transform is not None:
                data = transform(data)
            if data:
                writer.write(data)
                await writer.drain()
    except (OSError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        # Propagate EOF: half-close plain sockets, fully close TLS ones (no TLS half-close).
        try:
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()
        except Exception:  # noqa: BLE001
            pass
