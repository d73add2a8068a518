"""A real HTTP server on 127.0.0.1 for the docs sync tests: serves replies a test sets per path and records every
request (path and headers). Replies can misbehave on purpose: hang until teardown (a client timeout), promise more
bytes than they send (a truncated body), leave out Content-Length, redirect, answer 304 to a matching ETag."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # sent as ETag; a request whose If-None-Match matches gets a 304
    last_modified: str | None = None  # sent as Last-Modified; a matching If-Modified-Since gets a 304 (if no etag)
    location: str | None = None  # a redirect target (path or URL), with status 301/302/307
    hang: bool = False  # answer nothing until the server stops: the client times out
    truncate_to: int | None = None  # announce len(body) but send only this many bytes, then close
    send_length: bool = True  # False: no Content-Length, the body ends when the connection closes


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # lower-case names


class DocsServer:
    def __init__(self, httpd: ThreadingHTTPServer) -> None:
        self.httpd = httpd
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def set(self, path: str, *replies: Reply) -> None:
        """Requests to ``path`` take these replies in turn; the last one repeats."""
        with self._lock:
            self.routes[path] = list(replies)

    def set_page(self, path: str, body: str | bytes, **options) -> None:
        self.set(path, Reply(body=body.encode() if isinstance(body, str) else body, **options))

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def _next_reply(self, path: str, headers: dict[str, str]) -> Reply | None:
        with self._lock:
            self.requests.append(Request(path, headers))
            replies = self.routes.get(path)
            if not replies:
                return None
            count = sum(1 for request in self.requests if request.path == path)
            return replies[min(count, len(replies)) - 1]


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        docs: DocsServer = self.server.docs  # type: ignore[attr-defined]
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = docs._next_reply(self.path, headers)
        if reply is None:
            reply = Reply(status=404, body=b"no such page\n")
        if reply.hang:
            docs.stopping.wait(30)  # released at teardown, so this thread ends promptly
            return
        if reply.etag and headers.get("if-none-match") == reply.etag or (
                not reply.etag and reply.last_modified and headers.get("if-modified-since") == reply.last_modified):
            self.send_response(304)
            if reply.etag:
                self.send_header("ETag", reply.etag)
            self.end_headers()
            return
        self.send_response(reply.status)
        if reply.location:
            self.send_header("Location", reply.location)
        if reply.etag:
            self.send_header("ETag", reply.etag)
        if reply.last_modified:
            self.send_header("Last-Modified", reply.last_modified)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.send_length:
            self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Content-Type", "text/markdown; charset=utf-8")
        self.end_headers()
        body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # a client that timed out and left: expected here
        pass


@contextmanager
def docs_server() -> Iterator[DocsServer]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    docs = DocsServer(httpd)
    httpd.docs = docs  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield docs
    finally:
        docs.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@contextmanager
def refused_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound (so nothing else takes it) but not listening."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]
    finally:
        sock.close()
