"""Streamable HTTP transport: stateless, loopback by default, Origin-checked, optional bearer token.

Stateless mode keeps no session in the process, and the index is read-only at run time, so any number of replicas
can run behind any load balancer. The SDK's transport security rejects requests whose Host or Origin is not one of
the allowed ones (DNS-rebinding protection). When ``DO_EXPERT_TOKEN`` is set, every request must carry
``Authorization: Bearer <token>``; the comparison is constant-time.
"""

from __future__ import annotations

import hmac
import logging
import os

from mcp.server.transport_security import TransportSecuritySettings

log = logging.getLogger("do_expert.http")


class BearerTokenMiddleware:
    """ASGI middleware: 401 unless the request carries the configured bearer token."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                await send({"type": "http.response.start", "status": 401,
                            "headers": [(b"content-type", b"text/plain"), (b"www-authenticate", b"Bearer")]})
                await send({"type": "http.response.body", "body": b"missing or wrong bearer token"})
                return
        await self.app(scope, receive, send)


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
                                  transport_security=security_settings(host, port))
    token = os.environ.get("DO_EXPERT_TOKEN")
    return BearerTokenMiddleware(app, token) if token else app


def worker_app():
    """The ASGI app of one worker process (``--workers N``): each imports the server, opens the shared read-only
    index in the background and serves independently. Stateless HTTP keeps no session, so any worker (or any
    replica behind a load balancer) can answer any request."""
    from server.app import mcp, start_warm_up

    start_warm_up()
    return build_app(mcp, os.environ["DO_EXPERT_HTTP_HOST"], int(os.environ["DO_EXPERT_HTTP_PORT"]))


def serve_http(mcp, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    import uvicorn

    if host not in ("127.0.0.1", "localhost", "::1") and not os.environ.get("DO_EXPERT_TOKEN"):
        log.warning("serving on %s without DO_EXPERT_TOKEN: anyone who can reach the port can call the tools", host)
    log.info("do-expert streamable HTTP on http://%s:%d/mcp (%d worker%s)", host, port, workers,
             "" if workers == 1 else "s")
    if workers <= 1:
        uvicorn.run(build_app(mcp, host, port), host=host, port=port, log_level="warning")
        return
    # Several processes on one socket: the index is built (or checked) once here, before they fork, so they all
    # open the same finished generation read-only.
    from server.app import engine

    engine()
    os.environ["DO_EXPERT_HTTP_HOST"], os.environ["DO_EXPERT_HTTP_PORT"] = host, str(port)
    uvicorn.run("server.http:worker_app", factory=True, host=host, port=port, workers=workers, log_level="warning")
