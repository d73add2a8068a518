"""do-ws-reserved-close-code: ws.close() with a code an endpoint may not send (it throws)."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import call_args, member_name, receiver
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


_RESERVED_LITERAL = re.compile(r"\b100[56]\b")


def _checks_reserved(ctx: ReviewContext, src, body) -> bool:
    """The handler compares with 1005/1006 or calls a helper named for reserved codes (comments do not count)."""
    for call in src.calls(body):
        if "eserved" in member_name(src, call):
            return True
    stack, budget = [body], 5000
    while stack and budget:
        budget -= 1
        n = stack.pop()
        if n.type == "number" and _RESERVED_LITERAL.search(src.text_of(n)):
            return True
        if n.type != "comment":
            stack.extend(n.named_children)
    return False


def _echoed_codes(ctx: ReviewContext):
    """``ws.close(code, ...)`` in ``webSocketClose(ws, code, ...)`` that passes the received code straight back:
    it is 1005 when the peer closed without a status and 1006 when the connection dropped, and both throw."""
    for cls in ctx.do_classes:
        src = cls.src
        handler = cls.methods.get("webSocketClose")
        params = handler.child_by_field_name("parameters") if handler is not None else None
        names = [p.child_by_field_name("pattern") for p in params.named_children] if params is not None else []
        if len(names) < 2 or names[1] is None:
            continue
        code = src.text_of(names[1])
        body = handler.child_by_field_name("body")
        if body is None or _checks_reserved(ctx, src, body):
            continue  # the handler maps or checks the reserved codes (`code === 1005 ? 1000 : code`, isReserved...)
        for call in ctx.calls_named(src, "close", within=handler):
            args = call_args(call)
            if args and args[0].type == "identifier" and src.text_of(args[0]) == code:
                yield src, call


def check(ctx: ReviewContext):
    for src, call in _echoed_codes(ctx):
        yield ctx.hit(src, call, f"`{src.text_of(call)[:50]}` sends back the code webSocketClose() received: it is "
                      "1005 when the peer closed without a status and 1006 when the connection dropped, and close() "
                      "throws on both. Map them to 1000 first.", confidence="medium")
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
        "server error, or an application code in 4000-4999. Echoing the code webSocketClose() received is the "
        "common way to hit this: it is 1005 or 1006 whenever the peer sent no status or the connection dropped "
        "(reported with medium confidence; a handler that checks for 1005/1006 is not flagged).",
    bad='export class Room extends DurableObject {\n  kick(ws: WebSocket) {\n    ws.close(1006, "kicked");\n  }\n}',
    good='export class Room extends DurableObject {\n  kick(ws: WebSocket) {\n    ws.close(4001, "kicked");\n  }\n}',
    fix="Send 1000 (normal), 1001 (going away), 1011 (server error) or an application code 4000-4999. When "
        "echoing the code from webSocketClose(), map 1005 and 1006 to 1000 first.",
    docs=("websockets#close-handshake-and-websocketclose-by-compatibility-date", "websockets"),
    check=check,
)
