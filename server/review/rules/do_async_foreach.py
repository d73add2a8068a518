"""do-async-foreach: forEach(async ...) drops the promises it creates."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, enclosing_function, is_async, member_name
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "forEach"):
            if member_name(src, call) != "forEach":
                continue
            args = call_args(call)
            if not args or args[0].type not in ("arrow_function", "function_expression", "function") or not is_async(args[0]):
                continue
            fn = args[0]
            if any(enclosing_function(a) == fn for a in src.nodes("await_expression", fn)):
                yield ctx.hit(src, fn, "forEach() ignores the promises of an async callback: nothing awaits them, "
                              "errors are lost and the method returns before the work is done.")


RULE = Rule(
    id="do-async-foreach",
    severity="warning",
    summary="forEach() with an async callback: the work is never awaited.",
    why="Array.prototype.forEach does not wait for promises. With an async callback the method returns before the "
        "awaited work (storage writes, RPC, fetch) finishes, rejections become unhandled, and in a Durable Object "
        "the writes escape the request that caused them.",
    bad='export class Inbox extends DurableObject {\n  async notifyAll(users: string[]) {\n    users.forEach(async (u) => {\n'
        '      await this.env.MAILER.send(u);\n    });\n  }\n}',
    good='export class Inbox extends DurableObject {\n  async notifyAll(users: string[]) {\n'
         '    await Promise.all(users.map((u) => this.env.MAILER.send(u)));\n  }\n}',
    fix="Use `for (const x of items) { await ... }` for sequential work or `await Promise.all(items.map(async ...))` "
        "for concurrent work.",
    docs=("rules#always-await-rpc-calls", "concurrency"),
    check=check,
)
