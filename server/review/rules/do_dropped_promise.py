"""do-dropped-promise: a handler or alarm() starts async work and neither awaits nor returns it."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import callee, enclosing_function, is_async, receiver
from ..rule import Rule

HANDLERS = frozenset({"alarm", "fetch", "webSocketMessage", "webSocketClose", "webSocketError", "onRequest",
                      "onMessage", "onConnect", "onClose", "onAlarm"})


def _async_target(ctx: ReviewContext, src, call) -> str | None:
    """What the call starts, when it returns a promise the rule can see: fetch(), or an async method/function
    of this module. Storage writes (coalesced by the output gate) and stub calls (do-unawaited-rpc) are not ours."""
    fn = callee(call)
    if fn is None:
        return None
    if fn.type == "member_expression" and fn.child_by_field_name("object").type != "this":
        return None  # only fetch(), this.method() and module functions are followed
    text = src.ntext(fn)
    if text == "fetch":
        return "fetch()"
    rec = receiver(call)
    if rec is not None and (ctx.kind(src, rec) or ctx.is_stub_expr(src, rec)):
        return None
    for target in ctx.analysis.flow.callees_of_call(src, call):
        body = target
        if body.type == "method_definition" or body.type in ("arrow_function", "function_expression",
                                                             "function_declaration"):
            if is_async(body):
                return f"`{text}()`"
    return None


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        for name in HANDLERS & set(cls.methods):
            handler = cls.methods[name]
            for stmt in src.nodes("expression_statement", handler):
                expr = stmt.named_children[0] if stmt.named_children else None
                if expr is None or expr.type not in ("call_expression", "unary_expression"):
                    continue
                void = expr.type == "unary_expression" and src.text_of(expr).startswith("void")
                if (not void and expr.type != "call_expression") or enclosing_function(stmt) != handler:
                    continue
                if void:
                    if name != "alarm":
                        continue  # `void work()` in a request handler is a deliberate fire-and-forget
                    expr = expr.named_children[-1] if expr.named_children else expr
                if expr.type != "call_expression":
                    continue
                what = _async_target(ctx, src, expr)
                if what is None:
                    continue
                if name == "alarm":
                    msg = (f"alarm() starts {what} without awaiting or returning it: the alarm counts as done before "
                           "the work finishes, and a failure is neither seen nor retried.")
                else:
                    msg = (f"{name}() starts {what} without awaiting it, returning it or passing it to "
                           "ctx.waitUntil(): its errors are lost and the work may be cut off when the event ends.")
                yield ctx.hit(src, expr, msg, confidence="high" if name == "alarm" else "medium")


RULE = Rule(
    id="do-dropped-promise",
    severity="warning",
    summary="A Durable Object handler or alarm() starts async work and drops the promise.",
    why="alarm() is retried only when it throws or rejects; if it starts a fetch or an async method without "
        "awaiting or returning it, the alarm is marked done at once, and a failure is never retried (even `void` "
        "does not help there). In fetch and WebSocket handlers a dropped promise loses its errors and may be cut "
        "off when the event ends; `void` marks a deliberate fire-and-forget and is accepted there.",
    bad='export class Notifier extends DurableObject {\n  async alarm() {\n    this.deliver();\n  }\n\n'
        '  private async deliver() {\n    await fetch("https://hooks.example.com/notify", { method: "POST" });\n  }\n}',
    good='export class Notifier extends DurableObject {\n  async alarm() {\n    await this.deliver();\n  }\n\n'
         '  private async deliver() {\n    await fetch("https://hooks.example.com/notify", { method: "POST" });\n  }\n}',
    fix="`await` the work (or `return` it); for background work outside alarm() pass the promise to "
        "`this.ctx.waitUntil(...)`.",
    docs=("alarms", "errors"),
    check=check,
)
