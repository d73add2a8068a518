"""do-ws-missing-handler: acceptWebSocket() without webSocketMessage()."""

from __future__ import annotations

from ..context import ReviewContext
from ..fixkinds import WS_STUB, WS_STUB_JS, add_method
from ..rule import Rule
from ..ruleutil import class_uses


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        if "webSocketMessage" in cls.methods or (cls.extends and not cls.extends_do):
            continue
        for call in class_uses(ctx, cls, {"state"}, {"acceptWebSocket"}):
            yield ctx.hit(cls.src, call, f"`{cls.name}` accepts hibernatable WebSockets but defines no "
                          "webSocketMessage(): incoming messages are dropped and never reach your code.",
                          edits=add_method(cls.src, cls.node, WS_STUB, WS_STUB_JS), fix_safety="unsafe")
            break


RULE = Rule(
    id="do-ws-missing-handler",
    severity="error",
    summary="ctx.acceptWebSocket() used in a class without a webSocketMessage() handler.",
    why="With the Hibernation API the runtime delivers each message by calling the class's `webSocketMessage` "
        "method. A class that accepts sockets but lacks it never sees a message: workerd drops them silently, so "
        "clients wait for answers that never come.",
    bad='export class Feed extends DurableObject {\n  async fetch(req: Request) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
        '    this.ctx.acceptWebSocket(server);\n    return new Response(null, { status: 101, webSocket: client });\n  }\n}',
    good='export class Feed extends DurableObject {\n  async fetch(req: Request) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
         '    this.ctx.acceptWebSocket(server);\n    return new Response(null, { status: 101, webSocket: client });\n  }\n\n'
         '  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {\n    ws.send(typeof message === "string" ? message : "binary");\n  }\n}',
    fix="Add `async webSocketMessage(ws, message)` (and usually webSocketClose/webSocketError) to the class.",
    docs=("websockets#handler-methods-websocketmessage-websocketclose-websocketerror",),
    check=check,
    fixable=True,
)
