"""do-transactionsync-async: an async callback passed to transactionSync()."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, enclosing_function, is_async
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "transactionSync"):
            sc = ctx.storage_call(src, call)
            if not sc or sc[1] != "transactionSync" or sc[0] != "storage":
                continue
            args = call_args(call)
            if not args or args[0].type not in ("arrow_function", "function_expression", "function"):
                continue
            fn = args[0]
            if is_async(fn) or any(enclosing_function(a) == fn for a in src.nodes("await_expression", fn)):
                yield ctx.hit(src, fn, "transactionSync() needs a synchronous callback; an async one returns a Promise, "
                              "so its awaited work runs after the transaction has already committed.")


RULE = Rule(
    id="do-transactionsync-async",
    severity="error",
    summary="transactionSync() given an async callback.",
    why="transactionSync() runs its callback synchronously inside one SQLite transaction and commits when it "
        "returns. An async callback returns at its first `await`: the rest of its work runs outside the transaction "
        "and a later failure no longer rolls anything back.",
    bad='export class Store extends DurableObject {\n  move(id: string, to: string) {\n    this.ctx.storage.transactionSync(async () => {\n'
        '      this.ctx.storage.sql.exec("UPDATE items SET folder = ? WHERE id = ?", to, id);\n      await this.ctx.storage.put("last", id);\n    });\n  }\n}',
    good='export class Store extends DurableObject {\n  move(id: string, to: string) {\n    this.ctx.storage.transactionSync(() => {\n'
         '      this.ctx.storage.sql.exec("UPDATE items SET folder = ? WHERE id = ?", to, id);\n      this.ctx.storage.kv.put("last", id);\n    });\n  }\n}',
    fix="Make the callback synchronous and use only synchronous storage calls in it (sql.exec, storage.kv). For "
        "work that must await, use `await ctx.storage.transaction(async () => ...)`.",
    docs=("sqlite-storage#why-transactionsync-must-not-get-an-async-callback", "sqlite-storage#transactionsync"),
    check=check,
)
