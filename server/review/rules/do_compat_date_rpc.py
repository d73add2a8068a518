"""do-compat-date-rpc: RPC calls with a compatibility date before 2024-04-03."""

from __future__ import annotations

from ..context import RPC_DATE, ReviewContext
from ..parse import member_name, receiver
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        if not ctx.before(RPC_DATE, "rpc", src=src):
            continue
        for call in src.calls():
            rec = receiver(call)
            if rec is None or member_name(src, call) in ("fetch", "connect", "then", "catch", "finally"):
                continue
            if ctx.is_stub_expr(src, rec):
                d, _ = ctx.compat(src)
                yield ctx.hit(src, call, f"`{member_name(src, call)}()` is an RPC call, but compatibility_date {d} "
                              f"predates RPC ({RPC_DATE}); it fails at run time.")


RULE = Rule(
    id="do-compat-date-rpc",
    severity="error",
    summary="RPC method called on a stub while the compatibility date predates 2024-04-03.",
    why="Calling Durable Object methods over RPC requires compatibility date 2024-04-03 or later (or the `rpc` "
        "flag). With an older date the stub has only fetch(); any other method call throws at run time.",
    bad='export default {\n  async fetch(req: Request, env: Env) {\n    const user = new URL(req.url).searchParams.get("user") ?? "anon";\n'
        '    const n = await env.COUNTER.getByName(user).increment();\n    return new Response(String(n));\n  },\n};',
    good='export default {\n  async fetch(req: Request, env: Env) {\n    const user = new URL(req.url).searchParams.get("user") ?? "anon";\n'
         '    return env.COUNTER.getByName(user).fetch(req);\n  },\n};',
    fix="Set compatibility_date to 2024-04-03 or later (prefer a current date) in the wrangler config, or add "
        "\"rpc\" to compatibility_flags.",
    docs=("lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour", "rules#use-rpc-methods-instead-of-fetch-routing"),
    check=check,
    example_files={"wrangler.jsonc": '{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2024-01-15",\n'
                   '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter", "script_name": "counter-do" }] }\n}\n'},
)
