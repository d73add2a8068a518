"""do-sql-bindings-array: an array passed where sql.exec() expects spread bindings."""

from __future__ import annotations

from ..context import ReviewContext
from ..fixes import edit_bytes, original_text
from ..parse import call_args
from ..rule import Rule


def _is_array(ctx, src, node) -> bool:
    if node.type == "array":
        return True
    if node.type == "identifier":
        init = ctx.const_init(src, src.text_of(node), node)
        return init is not None and init.type == "array"
    return False


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            args = call_args(call)
            if len(args) != 2 or not _is_array(ctx, src, args[1]):
                continue
            sql = ctx.sql_text(src, call)
            if sql is not None and "?" not in sql:
                continue
            yield ctx.hit(src, args[1], "sql.exec() takes bindings as separate arguments; this array is bound as one "
                          "value. Spread it: `...values`.", edits=_edits(src, args[1]), fix_safety="safe")


def _edits(src, arr) -> tuple:
    """``[a, b]`` -> ``a, b``; a const array ``values`` -> ``...values``. Safe: today the call throws (too few
    bindings for its placeholders), and the fix passes the values the author listed, in order."""
    if arr.type == "identifier":
        return (edit_bytes(src, arr.start_byte, arr.start_byte, "..."),)
    inner = [c for c in arr.named_children]
    if not inner or any(c.type == "comment" for c in inner):
        return ()  # `[]` or comments between elements: the spread form is clearer written by hand
    return (edit_bytes(src, arr.start_byte, arr.end_byte, original_text(src, inner[0].start_byte, inner[-1].end_byte)),)


RULE = Rule(
    id="do-sql-bindings-array",
    severity="error",
    summary="Bindings passed to sql.exec() as one array instead of separate arguments.",
    why="`sql.exec(query, ...bindings)` is variadic. An array argument is one binding, so the statement gets a "
        "single (unsupported) array value for the first `?` and too few values for the rest, and it throws at run "
        "time.",
    bad='export class Notes extends DurableObject {\n  add(id: string, body: string) {\n'
        '    this.ctx.storage.sql.exec("INSERT INTO notes (id, body) VALUES (?, ?)", [id, body]);\n  }\n}',
    good='export class Notes extends DurableObject {\n  add(id: string, body: string) {\n'
         '    this.ctx.storage.sql.exec("INSERT INTO notes (id, body) VALUES (?, ?)", id, body);\n  }\n}',
    fix="Pass each binding as its own argument, or spread an array: `sql.exec(q, ...values)`.",
    docs=("sqlite-storage#sqlexec-and-bindings",),
    check=check,
    fixable=True,
)
