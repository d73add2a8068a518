"""do-sql-multistmt-bindings: `?` in a statement other than the last of a multi-statement exec()."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import call_args
from ..rule import Rule

_STRINGS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            if len(call_args(call)) < 2:
                continue
            sql = ctx.sql_text(src, call)
            if not sql:
                continue
            stmts = [s for s in _STRINGS.sub("''", sql).split(";") if s.strip()]
            if len(stmts) > 1 and any("?" in s for s in stmts[:-1]):
                yield ctx.hit(src, call, "Only the last statement of a multi-statement exec() can take bindings; a "
                              "`?` in an earlier statement makes the call throw.")


RULE = Rule(
    id="do-sql-multistmt-bindings",
    severity="error",
    summary="Bindings used by a statement that is not the last one in a multi-statement sql.exec().",
    why="sql.exec() runs `;`-separated statements in order, but bindings apply only to the last statement (and "
        "the cursor returns only its rows). A `?` in an earlier statement cannot be bound, and the runtime rejects "
        "the call.",
    bad='export class Log extends DurableObject {\n  add(id: string, body: string) {\n'
        '    this.ctx.storage.sql.exec("DELETE FROM log WHERE id = ?; INSERT INTO log (id, body) VALUES (?, ?)", id, id, body);\n  }\n}',
    good='export class Log extends DurableObject {\n  add(id: string, body: string) {\n    this.ctx.storage.transactionSync(() => {\n'
         '      this.ctx.storage.sql.exec("DELETE FROM log WHERE id = ?", id);\n'
         '      this.ctx.storage.sql.exec("INSERT INTO log (id, body) VALUES (?, ?)", id, body);\n    });\n  }\n}',
    fix="Run each parameterised statement in its own exec() call (wrap them in transactionSync() if they must be "
        "atomic); keep multi-statement strings for parameter-free DDL.",
    docs=("sqlite-storage#multiple-statements-in-one-exec-call", "sqlite-storage#sqlexec-and-bindings"),
    check=check,
)
