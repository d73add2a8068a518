"""do-ws-no-hibernation: the standard WebSocket API inside a Durable Object."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, member_name, receiver
from ..rule import Rule


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        if "WebSocketPair" not in src.text_of(cls.node) and "WebSocket" not in src.text_of(cls.node):
            continue
        for call in ctx.calls_named(src, "accept", "addEventListener", within=cls.node):
            rec = receiver(call)
            if rec is None or ctx.kind(src, rec):
                continue
            name = member_name(src, call)
            args = call_args(call)
            if name == "accept" and not args:
                yield ctx.hit(src, call, f"`{src.text_of(call)}` uses the standard WebSocket API, which pins the object "
                              "in memory (billed) for as long as the socket is open.")
            elif name == "addEventListener" and args and src.text_of(args[0]).strip("'\"`") == "message":
                yield ctx.hit(src, call, "A message listener on a server WebSocket keeps the object from hibernating; "
                              "use the webSocketMessage() handler.")


RULE = Rule(
    id="do-ws-no-hibernation",
    severity="warning",
    summary="WebSocket accepted with ws.accept()/addEventListener instead of the Hibernation API.",
    why="A socket accepted with `ws.accept()` ties the object to memory for the socket's whole life, so idle "
        "connections are billed as active duration. `ctx.acceptWebSocket(ws)` lets the object hibernate between "
        "messages; the runtime keeps the connection and wakes the object for webSocketMessage/Close/Error.",
    bad='export class Room extends DurableObject {\n  async fetch(req: Request) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
        '    server.accept();\n    server.addEventListener("message", (e) => server.send(String(e.data)));\n'
        '    return new Response(null, { status: 101, webSocket: client });\n  }\n}',
    good='export class Room extends DurableObject {\n  async fetch(req: Request) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
         '    this.ctx.acceptWebSocket(server);\n    return new Response(null, { status: 101, webSocket: client });\n  }\n\n'
         '  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {\n    ws.send(String(message));\n  }\n\n'
         '  async webSocketClose(ws: WebSocket, code: number, reason: string) {\n    ws.close(code, reason);\n  }\n}',
    fix="Call `this.ctx.acceptWebSocket(server)` and move the listeners into `webSocketMessage`, `webSocketClose` "
        "and `webSocketError` methods.",
    docs=("websockets#use-the-hibernation-api-ctxacceptwebsocket-not-wsaccept", "websockets#what-prevents-hibernation"),
    check=check,
)
