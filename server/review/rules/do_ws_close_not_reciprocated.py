"""do-ws-close-not-reciprocated: webSocketClose() that never closes the socket (pre-2026-04-07)."""

from __future__ import annotations

from ..context import WS_AUTO_CLOSE_DATE, ReviewContext
from ..parse import member_name
from ..rule import Rule


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        method = cls.methods.get("webSocketClose")
        if method is None or not ctx.before(WS_AUTO_CLOSE_DATE, "web_socket_auto_reply_to_close", src=cls.src):
            continue
        # a helper the handler calls (this.cleanup(ws), closeQuietly(ws)) counts as closing
        if ctx.analysis.flow.reaches(cls.src, method, lambda f: any(member_name(cls.src, c) == "close"
                                                                     for c in cls.src.calls(f))):
            continue
        yield ctx.hit(cls.src, method.child_by_field_name("name"), "webSocketClose() does not call ws.close(): with a "
                      f"compatibility_date before {WS_AUTO_CLOSE_DATE} clients then see an abnormal 1006 close.")


RULE = Rule(
    id="do-ws-close-not-reciprocated",
    severity="warning",
    summary="webSocketClose() does not call ws.close() (needed before compatibility date 2026-04-07).",
    why="Before compatibility date 2026-04-07 (flag `web_socket_auto_reply_to_close`) the runtime does not answer a "
        "client's Close frame itself. If webSocketClose() does not call `ws.close(code, reason)`, the client never "
        "gets its close handshake and reports an abnormal closure (1006).",
    bad='export class Room extends DurableObject {\n  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {\n    ws.send(String(msg));\n  }\n\n'
        '  async webSocketClose(ws: WebSocket, code: number, reason: string) {\n    this.ctx.storage.kv.delete("presence");\n  }\n}',
    good='export class Room extends DurableObject {\n  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer) {\n    ws.send(String(msg));\n  }\n\n'
         '  async webSocketClose(ws: WebSocket, code: number, reason: string) {\n    this.ctx.storage.kv.delete("presence");\n    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);\n  }\n}',
    fix="Call `ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)` in webSocketClose() (1005 and 1006 "
        "cannot be sent back), or move compatibility_date to 2026-04-07 or later.",
    docs=("websockets#close-handshake-and-websocketclose-by-compatibility-date", "lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour"),
    check=check,
    example_files={"wrangler.jsonc": '{\n  "name": "rooms",\n  "main": "src/index.ts",\n  "compatibility_date": "2025-11-01",\n'
                   '  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },\n'
                   '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }]\n}\n'},
)
