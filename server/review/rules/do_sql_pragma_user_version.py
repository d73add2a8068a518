"""do-sql-pragma-user-version: schema versioning through an unsupported PRAGMA."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..fixes import edit_bytes, original_text
from ..parse import call_args, literal_text, member_name
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
                                  "statement fails with 'not authorized'.", edits=_edits(ctx, src, node),
                                  fix_safety="unsafe")


# The version moves into a one-row table. Each replacement creates the table first (a multi-statement exec() runs
# every statement and returns the cursor of the last; only the last may take bindings), so a read before any write
# gives 0, as the PRAGMA would on a fresh database, and the result column keeps the name `user_version`.
# tests/corpus/runtime/test/sql-statements.test.ts runs these exact statements in workerd.
VERSION_TABLE = "CREATE TABLE IF NOT EXISTS _user_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
READ_SQL = VERSION_TABLE + "; SELECT COALESCE(MAX(version), 0) AS user_version FROM _user_version"
WRITE_SQL = VERSION_TABLE + ("; INSERT INTO _user_version (id, version) VALUES (1, ?) "
                             "ON CONFLICT (id) DO UPDATE SET version = excluded.version")
_READ = re.compile(r"pragma\s+(main\.)?user_version(\s*;)?", re.I)  # matched on the stripped text
_WRITE = re.compile(r"pragma\s+(main\.)?user_version\s*=\s*(\d{1,18}|\?)(\s*;)?", re.I)


def _edits(ctx: ReviewContext, src, node) -> tuple:
    """The PRAGMA literal, as the whole first argument of ``ctx.storage.sql.exec()`` (not a const other code may
    share, not part of a longer script), replaced by the read or write of the version table. A written value
    becomes a binding: an integer literal or a single `${expr}` substitution moves into the call's arguments.
    Unsafe: objects that already exist start from version 0 in the new table, so code that ran its migrations
    while the PRAGMA threw (a try/catch fallback) runs them again once."""
    call = node.parent.parent if node.parent is not None and node.parent.type == "arguments" else None
    if call is None or call.type != "call_expression" or ctx.storage_call(src, call) != ("sql", "exec"):
        return ()
    args = call_args(call)
    if not args or args[0].id != node.id or len(args) != 1:
        return ()
    subs = [c for c in node.named_children if c.type == "template_substitution"]
    text = (literal_text(src, node) or "").strip()
    quote = "`" if node.type == "template_string" else original_text(src, node.start_byte, node.start_byte + 1)
    if not subs and _READ.fullmatch(text):
        return (edit_bytes(src, node.start_byte, node.end_byte, quote + READ_SQL + quote),)
    m = _WRITE.fullmatch(text.replace(" ? ", "?").strip()) if len(subs) <= 1 else None
    if m is None or (m.group(2) == "?") != bool(subs):
        return ()
    value = m.group(2) if not subs else original_text(src, subs[0].start_byte + 2, subs[0].end_byte - 1).strip()
    if not value or "\n" in value:
        return ()
    return (edit_bytes(src, node.start_byte, node.end_byte, f"{quote}{WRITE_SQL}{quote}, {value}"),)


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
        "and run the missing ones in the constructor. The offered edit (unsafe) keeps your code's shape: it moves the "
        "number into a one-row `_user_version` table, read and written by the same exec() calls (a read before any "
        "write gives 0). Existing objects start at 0 there, so migrations that ran while the PRAGMA failed run once "
        "more: make them idempotent first.",
    docs=("sql-statements#why-pragma-user_version-is-not-supported", "sql-statements#schema-versioning-with-a-_sql_schema_migrations-table"),
    check=check,
    fixable=True,
)
