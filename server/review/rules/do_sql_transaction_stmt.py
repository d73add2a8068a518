"""do-sql-transaction-stmt: BEGIN/COMMIT/SAVEPOINT in sql.exec()."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..fixkinds import transaction_block
from ..rule import Rule

_TXN = re.compile(r"^\s*(begin|commit|end\s+transaction|rollback|savepoint|release)\b", re.I)


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            sql = ctx.sql_text(src, call)
            if not sql:
                continue
            for stmt in sql.split(";"):
                m = _TXN.match(stmt)
                if m:
                    yield ctx.hit(src, call, f"`{m.group(1).upper()}` is rejected by sql.exec(); Durable Objects manage "
                                  "transactions through transactionSync() and transaction().",
                                  edits=transaction_block(ctx, src, call), fix_safety="safe")
                    break


RULE = Rule(
    id="do-sql-transaction-stmt",
    severity="error",
    summary="Transaction statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) in sql.exec().",
    why="The Durable Object runtime owns transactions: every storage call already runs in an implicit transaction, "
        "and sql.exec() throws at run time on BEGIN, SAVEPOINT and friends, telling you to use transactionSync() or "
        "transaction() instead.",
    bad='export class Ledger extends DurableObject {\n  add(a: string, b: string, n: number) {\n    const sql = this.ctx.storage.sql;\n'
        '    sql.exec("BEGIN TRANSACTION");\n    sql.exec("UPDATE acct SET bal = bal - ? WHERE id = ?", n, a);\n'
        '    sql.exec("UPDATE acct SET bal = bal + ? WHERE id = ?", n, b);\n    sql.exec("COMMIT");\n  }\n}',
    good='export class Ledger extends DurableObject {\n  add(a: string, b: string, n: number) {\n    const sql = this.ctx.storage.sql;\n'
         '    this.ctx.storage.transactionSync(() => {\n      sql.exec("UPDATE acct SET bal = bal - ? WHERE id = ?", n, a);\n'
         '      sql.exec("UPDATE acct SET bal = bal + ? WHERE id = ?", n, b);\n    });\n  }\n}',
    fix="Wrap the statements in `ctx.storage.transactionSync(() => { ... })` (synchronous) or "
        "`await ctx.storage.transaction(async () => { ... })`; throw to roll back.",
    docs=("sql-statements#begin-commit-rollback-and-savepoint-are-rejected", "sqlite-storage#transactionsync", "errors#begin-transaction-rejected"),
    check=check,
    fixable=True,
)
