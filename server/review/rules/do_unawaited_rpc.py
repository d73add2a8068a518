"""do-unawaited-rpc: a stub call whose promise is dropped."""

from __future__ import annotations

from ..context import ReviewContext
from ..fixes import edit_bytes
from ..parse import enclosing_function, is_async, member_name, receiver
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        if ctx.is_test(src):
            # vitest fails a run on an unhandled rejection, and E-order keeps calls on one stub in sequence, so a
            # dropped stub promise in a test neither hides errors nor reorders work
            continue
        for stmt in src.nodes("expression_statement"):
            expr = stmt.named_children[0] if stmt.named_children else None
            if expr is None or expr.type != "call_expression":
                continue
            rec = receiver(expr)
            if rec is None or not ctx.is_stub_expr(src, rec):
                continue
            yield ctx.hit(src, expr, f"The RPC call `{member_name(src, expr)}()` is not awaited: its errors are "
                          "swallowed and the caller may finish before it runs.", edits=_edits(src, expr), fix_safety="unsafe")


def _edits(src, call) -> tuple:
    """``await`` in front of the call, when the enclosing function is already async. Unsafe: the caller now waits
    for the call and sees its errors, which is the point but changes timing and failure behaviour."""
    fn = enclosing_function(call)
    if fn is None or not is_async(fn) or fn.type.startswith("generator"):
        return ()
    return (edit_bytes(src, call.start_byte, call.start_byte, "await "),)


RULE = Rule(
    id="do-unawaited-rpc",
    severity="warning",
    summary="An RPC call on a Durable Object stub is neither awaited nor handed to waitUntil.",
    why="Stub method calls return promises. Dropping one means exceptions (including `overloaded` and reset "
        "errors) are never seen, results are lost, and the Worker may return before the call happens. Stubs from "
        "`getAgentByName`, `getServerByName` and `getActor` count. Test code is skipped: vitest reports unhandled "
        "rejections, and calls on one stub arrive in order (E-order).",
    bad='export default {\n  async fetch(req: Request, env: Env) {\n    const stub = env.COUNTER.getByName(new URL(req.url).pathname);\n'
        '    stub.increment();\n    return new Response("ok");\n  },\n};',
    good='export default {\n  async fetch(req: Request, env: Env) {\n    const stub = env.COUNTER.getByName(new URL(req.url).pathname);\n'
         '    const n = await stub.increment();\n    return new Response(String(n));\n  },\n};',
    fix="`await` the call, or pass it to `ctx.waitUntil(...)` when it must finish after the response; use `void` "
        "only when losing errors is acceptable.",
    docs=("rules#always-await-rpc-calls", "errors"),
    check=check,
    fixable=True,
)
