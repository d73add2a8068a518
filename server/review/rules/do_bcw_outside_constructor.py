"""do-bcw-outside-constructor: blockConcurrencyWhile on the request path."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import callee, enclosing_method, method_name
from ..rule import Rule
from ..ruleutil import is_conditional


def _early_exit_before(src, body, call) -> bool:
    return any(n.end_byte <= call.start_byte and (src.nodes("return_statement", n) or src.nodes("throw_statement", n))
               for n in src.nodes("if_statement", body))


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        ctor = cls.methods.get("constructor")
        called_from_ctor = set()
        if ctor is not None:  # helpers the constructor calls (this.migrate()) count as constructor code
            for call in src.calls(ctor):
                t = src.ntext(callee(call))
                if t.startswith("this.") and t.count(".") == 1:
                    called_from_ctor.add(t[5:])
        for call in ctx.calls_named(src, "blockConcurrencyWhile", within=cls.node):
            if ctx.storage_call(src, call) != ("state", "blockConcurrencyWhile"):
                continue
            method = enclosing_method(call)
            name = method_name(src, method)
            if name == "constructor" or name in called_from_ctor:
                continue
            # lazy one-time init (`if (this.ready) return;` or `if (!this.ready) await ...bCW`) runs once per wake
            body = method.child_by_field_name("body") if method is not None else None
            if method is not None and (is_conditional(call, method) or (body is not None and _early_exit_before(src, body, call))):
                continue
            yield ctx.hit(src, call, f"blockConcurrencyWhile in `{name or 'a method'}` blocks every other event of "
                          "this object on each call; keep it to the constructor.")


RULE = Rule(
    id="do-bcw-outside-constructor",
    severity="warning",
    summary="blockConcurrencyWhile() called outside the constructor.",
    why="blockConcurrencyWhile stops all other events (requests, alarms, WebSocket messages) until its callback "
        "finishes. In a request handler that turns the object into a strictly serial queue: at about 5 ms a call "
        "it manages roughly 200 requests per second. Input gates already keep storage operations consistent.",
    bad='export class Counter extends DurableObject {\n  async increment() {\n    return this.ctx.blockConcurrencyWhile(async () => {\n'
        '      const n = ((await this.ctx.storage.get<number>("n")) ?? 0) + 1;\n      await this.ctx.storage.put("n", n);\n'
        '      return n;\n    });\n  }\n}',
    good='export class Counter extends DurableObject {\n  async increment() {\n    const n = ((await this.ctx.storage.get<number>("n")) ?? 0) + 1;\n'
         '    await this.ctx.storage.put("n", n);\n    return n;\n  }\n}',
    fix="Remove the blockConcurrencyWhile wrapper and rely on input/output gates, or use transactionSync() for a "
        "multi-statement atomic update. Keep blockConcurrencyWhile for one-time initialization in the constructor.",
    docs=("rules#use-blockconcurrencywhile-sparingly-and-never-across-fetch", "concurrency#cost-about-200-requests-per-second-at-5-ms"),
    check=check,
)
