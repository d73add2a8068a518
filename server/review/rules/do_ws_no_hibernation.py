"""do-ws-no-hibernation: the standard WebSocket API inside a Durable Object."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, member_name, receiver
from ..rule import Rule


def _from_pair(ctx: ReviewContext, src, rec, depth: int = 0) -> bool:
    """The receiver is the server end of a WebSocketPair (accepted sockets), not an outgoing client socket
    (`new WebSocket(url)` or `resp.webSocket`), which can never hibernate and must use accept()."""
    if depth > 3 or rec is None:
        return False
    text = src.ntext(rec)
    if "WebSocketPair" in text:
        return True
    if rec.type == "subscript_expression":
        return _from_pair(ctx, src, rec.child_by_field_name("object"), depth + 1)
    if rec.type != "identifier":
        return False
    for decl in src.nodes("variable_declarator"):
        name, value = decl.child_by_field_name("name"), decl.child_by_field_name("value")
        if name is None or value is None:
            continue
        names = [src.text_of(n) for n in ([name] if name.type == "identifier" else name.named_children)]
        if text in names and (("WebSocketPair" in src.text_of(value)) or _from_pair(ctx, src, value, depth + 1)):
            return True
    return False


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        if "WebSocketPair" not in src.text_of(cls.node):
            continue
        for call in ctx.calls_named(src, "accept", "addEventListener", within=cls.node):
            rec = receiver(call)
            if rec is None or ctx.kind(src, rec) or not _from_pair(ctx, src, rec):
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
         '  async webSocketClose(ws: WebSocket, code: number, reason: string) {\n    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);\n  }\n}',
    fix="Call `this.ctx.acceptWebSocket(server)` and move the listeners into `webSocketMessage`, `webSocketClose` "
        "and `webSocketError` methods.",
    docs=("websockets#use-the-hibernation-api-ctxacceptwebsocket-not-wsaccept", "websockets#what-prevents-hibernation"),
    check=check,
)
