"""Streamable HTTP transport: stateless, loopback by default, Origin-checked, optional bearer token, read timeouts.

Stateless mode keeps no session in the process, and the index is read-only at run time, so any number of replicas
can run behind any load balancer. The SDK's transport security rejects requests whose Host or Origin is not one of
the allowed ones (DNS-rebinding protection). When ``DO_EXPERT_TOKEN`` is set, every request must carry
``Authorization: Bearer <token>`` (the scheme name is case-insensitive, as RFC 9110 says; the token comparison is
constant-time).

Slow clients cannot hold the server: a connection must deliver its request head within ``HEADER_TIMEOUT`` seconds
and its body within ``BODY_TIMEOUT`` seconds, or it is closed. ``GET /mcp`` (the server-to-client event stream of
stateful servers) answers 405 at once, since a stateless server has no stream to offer.
"""

from __future__ import annotations

import hmac
import logging
import os

import anyio
import h11
from mcp.server.transport_security import TransportSecuritySettings
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("do_expert.http")

HEADER_TIMEOUT = float(os.environ.get("DO_EXPERT_HEADER_TIMEOUT", "10"))
BODY_TIMEOUT = float(os.environ.get("DO_EXPERT_BODY_TIMEOUT", "30"))
MAX_BODY = int(os.environ.get("DO_EXPERT_MAX_BODY", str(4 * 1024 * 1024)))  # the SDK's own default cap, made explicit
MCP_PATH = "/mcp"
KEEP_ALIVE = 5  # seconds an idle keep-alive connection is kept


def _plain(status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None):
    async def respond(send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(extra or [])]})
        await send({"type": "http.response.body", "body": body})

    return respond


def bearer_token(header: bytes) -> bytes | None:
    """The credentials of an ``Authorization: Bearer <token>`` header; the scheme is matched case-insensitively."""
    scheme, _, token = header.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return None
    return token.strip()


class BearerTokenMiddleware:
    """ASGI middleware: 401 unless the request carries the configured bearer token."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.expected = token.encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = bearer_token(dict(scope.get("headers") or []).get(b"authorization", b"")) or b""
            if not hmac.compare_digest(given, self.expected):
                await _plain(401, b"missing or wrong bearer token", [(b"www-authenticate", b"Bearer")])(send)
                return
        await self.app(scope, receive, send)


class GuardMiddleware:
    """405 for ``GET /mcp`` at once (a stateless server has no event stream). The body is read here, within a
    deadline and a size cap (408 or 413 otherwise), then handed to the app, so a slow body never reaches a tool."""

    def __init__(self, app, body_timeout: float = BODY_TIMEOUT) -> None:
        self.app = app
        self.body_timeout = body_timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "GET" and scope["path"].rstrip("/") == MCP_PATH:
            await _plain(405, b"this server is stateless: POST JSON-RPC requests to /mcp", [(b"allow", b"POST")])(send)
            return
        body = await self._read_body(receive)
        if isinstance(body, int):
            message = b"request body too large" if body == 413 else b"request body not received in time"
            await _plain(body, message)(send)
            return
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only http.disconnect can come

        await self.app(scope, replay, send)

    async def _read_body(self, receive) -> bytes | int:
        """The whole body within the deadline and the size cap, else the status to answer (408 or 413)."""
        chunks, size = [], 0
        with anyio.move_on_after(self.body_timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return 408
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > MAX_BODY:
                    return 413
                chunks.append(chunk)
                if not message.get("more_body"):
                    return b"".join(chunks)
        log.warning("answering 408: a request body did not arrive within %.0f s", self.body_timeout)
        return 408


def security_settings(host: str, port: int) -> TransportSecuritySettings:
    extra = [o.strip() for o in os.environ.get("DO_EXPERT_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    hosts = {host, "127.0.0.1", "localhost", "[::1]"}
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{h}:{port}" for h in hosts] + [f"{h}:*" for h in hosts],
        allowed_origins=[f"http://{h}:*" for h in hosts] + [f"http://{h}:{port}" for h in hosts] + extra,
    )


def build_app(mcp, host: str, port: int):
    app = mcp.streamable_http_app(stateless_http=True, json_response=True, host=host,
                                  transport_security=security_settings(host, port), max_request_body_size=MAX_BODY)
    app = GuardMiddleware(app)
    token = os.environ.get("DO_EXPERT_TOKEN")
    return BearerTokenMiddleware(app, token) if token else app


class HeadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a deadline for each request head (uvicorn has none: a client that trickles
    one header byte at a time would keep its socket forever). Module-level, so ``--workers`` can pass it to the
    worker processes."""
    _head_timer = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(HEADER_TIMEOUT, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        # Only while no request head is in: a head buffered behind the previous response (read by uvicorn inside
        # on_response_complete, before the timer was re-armed) must never be cut off while it is served.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.warning("closing a connection whose request head did not arrive within %.0f s", HEADER_TIMEOUT)
            self.transport.close()

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is in; the body has its own deadline (GuardMiddleware)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request on this keep-alive connection gets the same deadline

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)


def worker_app():
    """The ASGI app of one worker process of uvicorn's own ``--workers`` (used where sockets cannot be passed
    between processes, see server/http_workers.py): each imports the server, opens the shared read-only
    index in the background and serves independently. Stateless HTTP keeps no session, so any worker (or any
    replica behind a load balancer) can answer any request."""
    from server.app import mcp, start_warm_up

    start_warm_up()
    return build_app(mcp, os.environ["DO_EXPERT_HTTP_HOST"], int(os.environ["DO_EXPERT_HTTP_PORT"]))


GUARDS = {"http": HeadTimeoutH11Protocol, "timeout_keep_alive": KEEP_ALIVE}


def serve_http(mcp, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1") and not os.environ.get("DO_EXPERT_TOKEN"):
        log.warning("serving on %s without DO_EXPERT_TOKEN: anyone who can reach the port can call the tools", host)
    log.info("do-expert streamable HTTP on http://%s:%d/mcp (%d worker%s)", host, port, workers,
             "" if workers == 1 else "s")
    if workers <= 1:
        uvicorn.run(build_app(mcp, host, port), host=host, port=port, log_level="warning", **GUARDS)
        return
    # Several processes on one port: the index is built (or checked) once here, before they start, so they all
    # open the same finished generation read-only.
    from server.app import engine
    from server import http_workers

    engine()
    if http_workers.supported():
        http_workers.serve_workers(host, port, workers)  # connections dealt out in turn (see http_workers)
        return
    os.environ["DO_EXPERT_HTTP_HOST"], os.environ["DO_EXPERT_HTTP_PORT"] = host, str(port)
    uvicorn.run("server.http:worker_app", factory=True, host=host, port=port, workers=workers, log_level="warning",
                **GUARDS)
