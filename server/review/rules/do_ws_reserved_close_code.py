"""do-ws-reserved-close-code: ws.close() with a code an endpoint may not send (it throws)."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, receiver
from ..rule import Rule

# RFC 6455 7.4.1: these describe a closure locally and must never be sent in a Close frame.
RESERVED = {1004: "reserved", 1005: "means 'no status code was received'",
            1006: "means 'the connection dropped without a Close frame'", 1015: "means 'TLS handshake failed'"}


def _code(ctx: ReviewContext, src, node) -> int | None:
    if node.type == "number":
        try:
            return int(src.text_of(node).replace("_", ""), 0)
        except ValueError:
            return None
    if node.type == "identifier":
        init = ctx.const_init(src, src.text_of(node), node)
        if init is not None and init.type == "number":
            return _code(ctx, src, init)
    return None


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "close"):
            args = call_args(call)
            rec = receiver(call)
            if not args or rec is None or ctx.kind(src, rec):
                continue
            code = _code(ctx, src, args[0])
            if code is None:
                continue
            if code in RESERVED:
                why = f"{code} {RESERVED[code]}; no endpoint may send it"
            elif not 1000 <= code <= 4999:
                why = f"{code} is outside the 1000-4999 range of close codes"
            else:
                continue
            yield ctx.hit(src, call, f"`{src.text_of(call)[:50]}`: {why}, so close() throws (InvalidAccessError) "
                          "and the socket stays open.")


RULE = Rule(
    id="do-ws-reserved-close-code",
    severity="error",
    summary="ws.close() is given a reserved or out-of-range close code (1004, 1005, 1006, 1015, or outside "
            "1000-4999), which throws.",
    why="Close codes 1005, 1006 and 1015 only report locally what happened to a connection, and 1004 is reserved; "
        "RFC 6455 forbids sending them, and the Workers runtime rejects them (and anything outside 1000-4999) with "
        "an exception, so the close never happens and the handler fails. Use 1000 for a normal close, 1011 for a "
        "server error, or an application code in 4000-4999.",
    bad='export class Room extends DurableObject {\n  kick(ws: WebSocket) {\n    ws.close(1006, "kicked");\n  }\n}',
    good='export class Room extends DurableObject {\n  kick(ws: WebSocket) {\n    ws.close(4001, "kicked");\n  }\n}',
    fix="Send 1000 (normal), 1001 (going away), 1011 (server error) or an application code 4000-4999. When "
        "echoing the code from webSocketClose(), map 1005 and 1006 to 1000 first.",
    docs=("websockets#close-handshake-and-websocketclose-by-compatibility-date", "websockets"),
    check=check,
)
