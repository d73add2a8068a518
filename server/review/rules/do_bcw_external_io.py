"""do-bcw-external-io: network or binding I/O inside blockConcurrencyWhile."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args
from ..rule import Rule
from ..ruleutil import does_external_io, is_external_io_call


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "blockConcurrencyWhile"):
            if ctx.storage_call(src, call) != ("state", "blockConcurrencyWhile"):
                continue
            args = call_args(call)
            if not args:
                continue
            for inner in src.calls(args[0]):
                if does_external_io(ctx, src, inner):
                    yield ctx.hit(src, inner, f"`{src.text_of(inner)[:50]}` does I/O{'' if is_external_io_call(ctx, src, inner) else ' (in the method it calls)'} while blockConcurrencyWhile holds "
                                  "the object: every event waits for the network, and a 30 s timeout resets the object.")


RULE = Rule(
    id="do-bcw-external-io",
    severity="error",
    summary="fetch(), RPC or binding I/O inside a blockConcurrencyWhile() callback.",
    why="blockConcurrencyWhile holds every other event until its callback settles. Waiting on the network inside "
        "it stalls the object for the whole round trip; if the callback takes more than 30 seconds or throws, the "
        "runtime resets the object. It is meant for fast local storage setup.",
    bad='export class Config extends DurableObject {\n  constructor(ctx: DurableObjectState, env: Env) {\n    super(ctx, env);\n'
        '    ctx.blockConcurrencyWhile(async () => {\n      const res = await fetch("https://example.com/config.json");\n'
        '      ctx.storage.kv.put("config", await res.json());\n    });\n  }\n}',
    good='export class Config extends DurableObject {\n  constructor(ctx: DurableObjectState, env: Env) {\n    super(ctx, env);\n'
         '    ctx.blockConcurrencyWhile(async () => {\n      ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS config (k TEXT PRIMARY KEY, v TEXT)");\n'
         '    });\n  }\n\n  async refresh() {\n    const res = await fetch("https://example.com/config.json");\n'
         '    this.ctx.storage.kv.put("config", await res.json());\n  }\n}',
    fix="Move the fetch/RPC/binding call out of blockConcurrencyWhile (do it lazily in a method or an alarm) and "
        "keep only local storage work inside the callback.",
    docs=("rules#use-blockconcurrencywhile-sparingly-and-never-across-fetch", "concurrency#timeout-30-seconds-then-reset"),
    check=check,
)
