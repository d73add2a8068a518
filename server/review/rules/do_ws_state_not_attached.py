"""do-ws-state-not-attached: per-connection state in a Map that hibernation wipes."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import callee, enclosing_method, method_name
from ..rule import Rule
from ..ruleutil import class_uses

_WS_HANDLERS = ("webSocketMessage", "webSocketClose", "webSocketError")


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        text = src.text_of(cls.node)
        if not class_uses(ctx, cls, {"state"}, {"acceptWebSocket"}):
            continue
        if "serializeAttachment" in text:
            continue
        ctor = cls.methods.get("constructor")
        if ctor is not None and "getWebSockets" in src.text_of(ctor):
            continue  # rebuilt from the live sockets on every wake
        fields = set(_MAP_FIELD.findall(text))
        for f in sorted(fields):
            writes = [c for c in src.calls(cls.node)
                      if re.fullmatch(rf"this\.{re.escape(f)}\.(set|add)", src.ntext(callee(c)))
                      and method_name(src, enclosing_method(c)) not in _WS_HANDLERS + ("constructor",)]
            reads = any(re.search(rf"this\.{re.escape(f)}\b", src.text_of(cls.methods[h]))
                        for h in _WS_HANDLERS[:2] if h in cls.methods)
            if writes and reads:
                yield ctx.hit(src, writes[0], f"`this.{f}` holds per-connection state that webSocket handlers read, but "
                              "class fields are wiped when the object hibernates: after a wake the map is empty.")


# Linear time: an identifier starts only after a non-identifier character, and the optional type annotation is
# bounded, so no start position rescans a long run (a 40 KB comment once took 94 s with `[^=;]*`).
_MAP_FIELD = re.compile(r"(?<![\w$])(?:this\.)?([A-Za-z_$][\w$]*)[ \t]*(?::[^=;\n]{0,200})?=[ \t]*new\s+(?:Map|Set|WeakMap)\b")


RULE = Rule(
    id="do-ws-state-not-attached",
    severity="warning",
    summary="Per-WebSocket state kept in a class Map instead of serializeAttachment().",
    why="A hibernating object is evicted from memory while its WebSockets stay connected; on the next message the "
        "constructor runs again and every class field starts empty. State stored in a Map when the socket was "
        "accepted is gone, so handlers see unknown connections.",
    bad='export class Chat extends DurableObject {\n  users = new Map<WebSocket, string>();\n\n  async fetch(req: Request) {\n'
        '    const [client, server] = Object.values(new WebSocketPair());\n    this.ctx.acceptWebSocket(server);\n'
        '    this.users.set(server, new URL(req.url).searchParams.get("name") ?? "anon");\n'
        '    return new Response(null, { status: 101, webSocket: client });\n  }\n\n'
        '  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {\n    ws.send(`${this.users.get(ws)}: ${msg}`);\n  }\n}',
    good='export class Chat extends DurableObject {\n  async fetch(req: Request) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
         '    this.ctx.acceptWebSocket(server);\n    server.serializeAttachment({ name: new URL(req.url).searchParams.get("name") ?? "anon" });\n'
         '    return new Response(null, { status: 101, webSocket: client });\n  }\n\n'
         '  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {\n    const { name } = ws.deserializeAttachment() as { name: string };\n'
         '    ws.send(`${name}: ${msg}`);\n  }\n}',
    fix="Store per-connection data with `ws.serializeAttachment(value)` (up to 16 KiB) and read it with "
        "`ws.deserializeAttachment()`, or rebuild the map from `ctx.getWebSockets()` in the constructor.",
    docs=("websockets#per-connection-state-serializeattachment-and-deserializeattachment", "websockets#the-constructor-runs-again-on-every-wake"),
    check=check,
)
