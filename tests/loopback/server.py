"""A real HTTP server on 127.0.0.1 that answers like a provider, scripted one request at a time."""

from __future__ import annotations

import io
import json
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .behaviour import Behaviour, Pacer
from .wire import Received, Wire, words

_POLL_S = 0.02  # how often the serving loop checks for shutdown: keeps test teardown quick
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux: the kernel stamps received bytes (wall clock)
_STAMP_SIZE = socket.CMSG_SPACE(16)  # struct timespec


class ClientGone(Exception):
    """The client closed the connection while the server was still answering."""


class _Body:
    """A chunked response body, written event by event, that notices when the client leaves."""

    def __init__(self, handler: BaseHTTPRequestHandler):
        self.handler = handler
        self.sock: socket.socket = handler.connection

    def start(self, content_type: str) -> None:
        self.handler.send_response(200)
        self.handler.send_header("Content-Type", content_type)
        self.handler.send_header("Transfer-Encoding", "chunked")
        self.handler.send_header("Cache-Control", "no-cache")
        self.handler.end_headers()

    def send(self, data: bytes) -> None:
        self._write(b"%x\r\n%s\r\n" % (len(data), data))

    def end(self) -> None:
        self._write(b"0\r\n\r\n")

    def abort(self) -> None:
        """Drop the connection mid-body, as a crashed proxy or a network failure would."""
        self.handler.close_connection = True
        self.sock.shutdown(socket.SHUT_RDWR)

    def wait_until(self, due: float) -> None:
        """Sleep until `due` (monotonic), waking early only to notice the client leaving."""
        while (delay := due - time.monotonic()) > 0:
            readable, _, _ = select.select([self.sock], [], [], delay)
            if readable and not self.sock.recv(1, socket.MSG_PEEK):
                raise ClientGone("the client closed the connection")
            if readable:  # the client sent something early; nothing to do but wait
                time.sleep(max(due - time.monotonic(), 0))

    def _write(self, data: bytes) -> None:
        self.handler.wfile.write(data)


class _BurstServer(ThreadingHTTPServer):
    """Accepts a burst of connections at once: with socketserver's backlog of 5, a benchmark's 200 simultaneous
    calls were reset and retried by the SDK, measuring the retries instead of the code under test."""

    request_queue_size = 1024


class LoopbackServer:
    """Serves one provider's wire format. Script it with `script(...)`; read what it got in `requests`."""

    def __init__(self, wire: Wire, port: int = 0, on_done: Callable[[Received], None] | None = None):
        """`on_done` is called with each request once the server is finished with it."""
        self.wire = wire
        self._on_done = on_done
        self.requests: list[Received] = []
        self.models: list[str] = list(wire.default_models)
        self._queue: deque[Behaviour] = deque([Behaviour()])
        self._lock = threading.Lock()
        self._httpd = _BurstServer(("127.0.0.1", port), _Handler)
        _stamp_arrivals(self._httpd.socket)  # on the listening socket too: a new connection's first bytes count
        self._httpd.daemon_threads = True
        self._httpd.loopback = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's root URL (Groq, Gemini and Anthropic SDKs add their own API paths)."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def base_url(self) -> str:
        """The base URL to give this provider's SDK."""
        return self.url + self.wire.base_path

    @property
    def last(self) -> Received:
        """The most recent request."""
        return self.requests[-1]

    def reset(self) -> None:
        """Forget past requests and scripts: the next request gets the default reply."""
        with self._lock:
            self._queue = deque([Behaviour()])
        self.requests = []
        self.models = list(self.wire.default_models)

    def script(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with these behaviours, in order; the last one then repeats."""
        with self._lock:
            self._queue = deque(behaviours or [Behaviour()])

    def start(self) -> LoopbackServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(_POLL_S,), name=f"loopback-{self.wire.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._httpd.serve_forever()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            return self._queue.popleft() if len(self._queue) > 1 else self._queue[0]

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        """Record the request, then answer it: 404, the scripted error, the model list, or a stream."""
        received = _receive(handler)
        self.requests.append(received)
        try:
            route = self.wire.route(handler.command, received.path)
            if route is None:
                _send_json(handler, 404, *self.wire.error(received, 404))
                return
            received.behaviour = self._next_behaviour()
            if received.behaviour.status != 200:
                _send_json(handler, received.behaviour.status, *self._error(received))
            elif route == "models":
                _send_json(handler, 200, self.wire.models(self.models), {})
            else:
                self._stream(handler, received)
        except (ClientGone, BrokenPipeError, ConnectionResetError):
            received.client_gone.set()
        finally:
            received.done.set()
            if self._on_done is not None:
                self._on_done(received)

    def _error(self, received: Received) -> tuple[dict, dict[str, str]]:
        body, headers = self.wire.error(received, received.behaviour.status)
        return received.behaviour.error_body or body, headers

    def _stream(self, handler: BaseHTTPRequestHandler, received: Received) -> None:
        """Stream the scripted reply at its pace, then finish it, cut it, or just end it, as scripted."""
        behaviour = received.behaviour
        prompt_tokens = self._prompt_tokens(received)
        tokens = behaviour.tokens()
        allowed = min(self.wire.max_tokens(received.body or {}) or len(tokens), len(tokens))
        endings = (behaviour.cut_after_tokens, behaviour.end_after_tokens, behaviour.error_after_tokens)
        stops = [n for n in endings if n is not None]
        malformed_at = behaviour.malformed_after_tokens
        pacer = Pacer(behaviour, received.arrived)
        out = _Body(handler)
        out.start(self.wire.content_type)
        for event in self.wire.opening(received, prompt_tokens):
            out.send(event)
        # Encoded before the first is due, so each token only has to leave: on a busy machine this server's own
        # work should not set the model's pace.
        sending = tokens[: min([allowed, *stops])]
        events = [self.wire.token(received, token, prompt_tokens, n) for n, token in enumerate(sending, start=1)]
        for index, event in enumerate(events):
            if index == malformed_at:
                out.send(self.wire.malformed_event(received))
            out.wait_until(pacer.due(index))
            out.send(event)
            received.tokens_sent += 1
            received.last_token_at = time.time()
        if malformed_at is not None and malformed_at >= len(events):
            out.send(self.wire.malformed_event(received))
        if behaviour.cut_after_tokens is not None:
            out.abort()
            return
        if behaviour.cut_after_finish:
            for event in self.wire.finishing(received, prompt_tokens, allowed, truncated=allowed < len(tokens)):
                out.send(event)
            out.abort()
            return
        if behaviour.error_after_tokens is not None:
            out.send(self.wire.stream_error(received))
        elif behaviour.end_after_tokens is None:
            for event in self.wire.closing(received, prompt_tokens, allowed, truncated=allowed < len(tokens)):
                out.send(event)
        out.end()

    def _prompt_tokens(self, received: Received) -> int:
        scripted = received.behaviour.prompt_tokens
        return scripted if scripted is not None else words(self.wire.prompt_text(received.body or {}))


class _StampedReader(socket.SocketIO):
    """Reads a socket, keeping the kernel's receive time of the latest bytes read (SO_TIMESTAMPNS, wall clock)."""

    received_at: float | None = None

    def readinto(self, buffer) -> int:
        size, ancillary, _flags, _address = self._sock.recvmsg_into([buffer], _STAMP_SIZE)
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS:
                seconds, nanoseconds = struct.unpack("qq", data[:16])
                self.received_at = seconds + nanoseconds / 1e9
        return size


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Each event leaves at once, as from a real API: no Nagle delay, which would skew timings by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._read_with_kernel_stamps()

    def _read_with_kernel_stamps(self) -> None:
        """Read requests through `_StampedReader`, so a request's arrival is when its bytes reached this machine.

        A remote model starts on a request when it gets there. This server shares the machine with the app and the
        browser, and on a busy one its thread read requests up to 90 ms after they came: that wait is not the
        model's. Where the kernel offers no stamps, arrival is when the request is read.
        """
        if not _stamp_arrivals(self.connection):
            return
        self.rfile.close()
        self.rfile = io.BufferedReader(_StampedReader(self.connection, "rb"))

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client dropped an idle keep-alive connection: it has left

    def do_GET(self) -> None:
        self.server.loopback.handle(self)  # type: ignore[attr-defined]

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet: requests are recorded on the server instead."""


def _stamp_arrivals(sock: socket.socket) -> bool:
    """Ask the kernel to stamp the bytes this socket receives (and a listening socket's connections'); False where
    it cannot."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
    except OSError:
        return False
    return True


def _arrival(handler: BaseHTTPRequestHandler) -> tuple[float, float]:
    """When the request reached the server, on the monotonic clock and on the wall clock.

    Its request line was just read, so the reader's stamp is that read's (no client here sends a request before
    the answer to the last one has ended). A stamp from the future or older than a few seconds is not trusted.
    """
    monotonic, wall = time.monotonic(), time.time()
    stamp = getattr(handler.rfile.raw, "received_at", None)  # type: ignore[attr-defined]
    waited = wall - stamp if stamp is not None else None
    if waited is None or not 0 <= waited < 5:
        return monotonic, wall
    return monotonic - waited, stamp


def _receive(handler: BaseHTTPRequestHandler) -> Received:
    arrived, arrived_at = _arrival(handler)
    parts = urlsplit(handler.path)
    length = int(handler.headers.get("Content-Length") or 0)
    raw = handler.rfile.read(length) if length else b""
    return Received(
        method=handler.command,
        path=parts.path,
        query=dict(parse_qsl(parts.query)),
        headers={name.lower(): value for name, value in handler.headers.items()},
        body=json.loads(raw) if raw else None,
        arrived=arrived,
        arrived_at=arrived_at,
    )


def _send_json(handler: BaseHTTPRequestHandler, status: int, body: dict, headers: dict[str, str]) -> None:
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)
