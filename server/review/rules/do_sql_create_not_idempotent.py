"""do-sql-create-not-idempotent: CREATE without IF NOT EXISTS, run on every start."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..fixes import edit_bytes, original_text
from ..parse import ancestors, call_args, enclosing_class, enclosing_function, enclosing_method
from ..rule import Rule
from ..ruleutil import is_conditional

_CREATE = re.compile(r"\bcreate\s+(unique\s+)?(virtual\s+)?(table|index|trigger|view)\s+(?!\s|if\s+not\s+exists)", re.I)
# (the `\s` in the lookahead stops `\s+` backtracking to one of two spaces and then matching before `IF NOT EXISTS`)


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            sql = ctx.sql_text(src, call)
            if not sql or not _CREATE.search(sql):
                continue
            # a migration runner guards its CREATEs (if/loop over pending migrations); only unguarded ones rerun.
            # Migration steps are defined outside the class or as entries of a list, and rebuild steps
            # (CREATE x_new; copy; DROP x; ALTER x_new RENAME) are one-shot by construction: all are left alone.
            if enclosing_class(call) is None or _in_migration_list(call):
                continue
            fn = enclosing_function(call)
            if fn is not None and _REBUILD.search(src.text_of(fn)):
                continue
            scope = enclosing_method(call) or fn
            if scope is not None and is_conditional(call, scope):
                continue
            if any(a.type == "try_statement" for a in _up_to(call, scope)):
                continue
            yield ctx.hit(src, call, "This CREATE has no IF NOT EXISTS and runs unconditionally: the second time the "
                          "object starts (every wake after eviction) it throws 'already exists'.",
                          edits=_edits(ctx, src, call), fix_safety="safe")


def _edits(ctx, src, call) -> tuple:
    """``IF NOT EXISTS`` inserted after each plain CREATE in the SQL literal (the call's own argument, or the const
    it names). Safe: the first run behaves as before, and later runs stop throwing."""
    args = call_args(call)
    lit = args[0] if args else None
    if lit is not None and lit.type == "identifier":
        lit = ctx.const_init(src, src.text_of(lit), lit)
    if lit is None or lit.type not in ("string", "template_string"):
        return ()
    raw = original_text(src, lit.start_byte, lit.end_byte)
    out = []
    for m in _CREATE.finditer(raw):
        at = lit.start_byte + len(raw[:m.end()].encode("utf-8", "surrogatepass"))
        out.append(edit_bytes(src, at, at, "IF NOT EXISTS "))
    return tuple(out)


_REBUILD = re.compile(r"\b(drop\s+table|alter\s+table\s+\S+\s+rename)\b", re.I)


def _in_migration_list(node) -> bool:
    """Inside a function that is an element of an array literal: `MIGRATIONS = [(sql) => sql.exec("CREATE ...")]`."""
    for a in ancestors(node):
        if a.type in ("arrow_function", "function_expression") and a.parent is not None and a.parent.type == "array":
            return True
    return False


def _up_to(node, stop):
    cur = node.parent
    while cur is not None and cur != stop:
        yield cur
        cur = cur.parent


RULE = Rule(
    id="do-sql-create-not-idempotent",
    severity="warning",
    summary="CREATE TABLE/INDEX without IF NOT EXISTS runs again on every wake and throws.",
    why="The constructor (and any unguarded init code) runs every time the object is loaded: after eviction, a "
        "restart or a deploy. A plain `CREATE TABLE` succeeds the first time and throws 'table already exists' "
        "every time after, which breaks the object.",
    bad='export class Chat extends DurableObject {\n  constructor(ctx: DurableObjectState, env: Env) {\n    super(ctx, env);\n'
        '    ctx.storage.sql.exec("CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT)");\n  }\n}',
    good='export class Chat extends DurableObject {\n  constructor(ctx: DurableObjectState, env: Env) {\n    super(ctx, env);\n'
         '    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, body TEXT)");\n  }\n}',
    fix="Add IF NOT EXISTS, or run schema changes through a migration table (`_sql_schema_migrations`) so each "
        "runs once.",
    docs=("sql-statements#create-table-if-not-exists-and-idempotent-ddl", "sql-statements#schema-versioning-with-a-_sql_schema_migrations-table"),
    check=check,
    fixable=True,
)
