"""do-sql-pragma-user-version: schema versioning through an unsupported PRAGMA."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import literal_text, member_name
from ..rule import Rule

_PRAGMA = re.compile(r"\bpragma\s+(main\.)?user_version\b", re.I)


_SQL_CALLS = {"exec", "prepare", "query", "run", "all", "raw", "first", "batch"}


def _not_sql(src, node) -> bool:
    """The text is an argument of a call that is not a SQL API (a test title, a log line, an error message)."""
    p = node.parent
    if p is not None and p.type == "arguments" and p.parent is not None and p.parent.type == "call_expression":
        return member_name(src, p.parent) not in _SQL_CALLS
    return False


def check(ctx: ReviewContext):
    for src in ctx.sources:
        if "user_version" not in src.text.lower():
            continue  # cheap pre-check: most files never mention it
        for t in ("string", "template_string"):
            for node in src.nodes(t):
                if node.parent is not None and node.parent.type == "template_string":
                    continue
                text = literal_text(src, node)
                if text and _PRAGMA.search(text) and not _not_sql(src, node):
                    yield ctx.hit(src, node, "PRAGMA user_version is not allowed in Durable Object SQLite; the "
                                  "statement fails with 'not authorized'.")


RULE = Rule(
    id="do-sql-pragma-user-version",
    severity="error",
    summary="PRAGMA user_version used for schema versioning; Durable Object SQLite rejects it.",
    why="Durable Object SQLite allows only a short list of PRAGMAs; user_version is not on it, so reading or "
        "setting it throws. Older community guides recommend it anyway.",
    bad='export class Db extends DurableObject {\n  migrate() {\n'
        '    const v = this.ctx.storage.sql.exec("PRAGMA user_version").one().user_version as number;\n    return v;\n  }\n}',
    good='export class Db extends DurableObject {\n  migrate() {\n'
         '    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS _sql_schema_migrations (id INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");\n'
         '    return this.ctx.storage.sql.exec("SELECT COALESCE(MAX(id), 0) AS v FROM _sql_schema_migrations").one().v as number;\n  }\n}',
    fix="Track applied migrations in a table, e.g. `_sql_schema_migrations(id INTEGER PRIMARY KEY, applied_at)`, "
        "and run the missing ones in the constructor.",
    docs=("sql-statements#why-pragma-user_version-is-not-supported", "sql-statements#schema-versioning-with-a-_sql_schema_migrations-table"),
    check=check,
)
