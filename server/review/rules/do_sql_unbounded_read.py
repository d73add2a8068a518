"""do-sql-unbounded-read: a SELECT without LIMIT or WHERE that loads every row on a hot path."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import ancestors, callee, enclosing_method, literal_text, method_name
from ..rule import Rule

# Where a full-table read runs on every wake or every event.
HOT_METHODS = frozenset({"constructor", "onStart", "fetch", "onRequest", "webSocketMessage", "onMessage", "onConnect"})
_SELECT = re.compile(r"^\s*select\b", re.I)
_BOUNDED = re.compile(r"\b(limit|where|group\s+by)\b|\b(count|sum|min|max|avg|total)\s*\(|\bsqlite_master\b|\bpragma_", re.I)
_FROM = re.compile(r"\bfrom\s+[\"`\[]?(\w+)", re.I)


def _query(ctx: ReviewContext, src, call) -> str | None:
    """SQL text of ``sql.exec("...")`` or of a ``this.sql`...` `` tagged template (the Agents SDK helper)."""
    if ctx.storage_call(src, call) == ("sql", "exec"):
        return ctx.sql_text(src, call)
    fn = callee(call)
    args = call.child_by_field_name("arguments")
    if fn is not None and args is not None and args.type == "template_string" and src.ntext(fn) in ("this.sql", "sql"):
        return literal_text(src, args)
    return None


def _unbounded(ctx: ReviewContext, src, call) -> str | None:
    """The SQL text when the call runs a SELECT with no LIMIT, WHERE, GROUP BY or aggregate."""
    cache = ctx.__dict__.setdefault("_unbounded_sql", {})
    key = (src.path, call.id)
    if key not in cache:
        sql = _query(ctx, src, call)
        cache[key] = sql if sql and _SELECT.match(sql) and not _BOUNDED.search(sql) else None
    return cache[key]


def _kept_in_field(src, call, fn, cls_node) -> str | None:
    """The field the whole result is kept in: ``this.messages = sql.exec(...).toArray()``, or a helper whose
    result the class assigns to a field (``this.messages = this.loadMessages()``)."""
    for a in ancestors(call):
        if a == fn:
            break
        if a.type == "assignment_expression" and src.ntext(a.child_by_field_name("left")).startswith("this."):
            return src.ntext(a.child_by_field_name("left"))
    if fn.type == "method_definition":
        name = method_name(src, fn)
        for a in src.nodes("assignment_expression", cls_node):
            left, right = src.ntext(a.child_by_field_name("left")), a.child_by_field_name("right")
            while right is not None and right.type in ("await_expression", "parenthesized_expression") and right.named_children:
                right = right.named_children[-1]
            if left.startswith("this.") and right is not None and right.type == "call_expression" \
                    and src.ntext(callee(right)) == f"this.{name}":
                return left  # the loader's whole result is kept, not a value derived from it
    return None


def check(ctx: ReviewContext):
    flow = ctx.analysis.flow
    files_with_reads: dict[str, bool] = {}
    for cls in ctx.do_classes:
        src = cls.src
        if ctx.is_test(src):
            continue
        # cheap first: does the file hold any whole-table SELECT at all? (once per file)
        if src.path not in files_with_reads:
            files_with_reads[src.path] = any(_unbounded(ctx, src, c) for c in ctx.calls_named(src, "exec", "sql"))
        if not files_with_reads[src.path]:
            continue
        hot = [m for name, m in flow.class_methods(src, cls.node).items() if name in HOT_METHODS]
        seen: set[int] = set()
        for method in hot:
            for fn in flow.reachable(src, method, depth=2):
                for call in ctx.calls_named(src, "exec", "sql", within=fn):  # sql.exec(...) and this.sql`...`
                    if call.id in seen:
                        continue
                    seen.add(call.id)
                    sql = _unbounded(ctx, src, call)
                    if not sql:
                        continue
                    field = _kept_in_field(src, call, fn, cls.node)
                    if field is None:
                        continue  # read into a local for one computation: cost, not memory held for the object's life
                    table = _FROM.search(sql)
                    where = method_name(src, enclosing_method(call)) or method_name(src, method)
                    yield ctx.hit(src, call, f"`{sql.strip()[:50]}` reads every row of "
                                  f"`{table.group(1) if table else 'the table'}` into `{field}` in {where or 'a hot path'}, "
                                  "which runs on every wake or event. This is real when the table grows without bound "
                                  "(messages, events, history); for a small settings table it is fine.",
                                  confidence="low")


RULE = Rule(
    id="do-sql-unbounded-read",
    severity="warning",
    summary="A SELECT with no LIMIT or WHERE loads every row into a field in the constructor, onStart, fetch or a "
            "WebSocket handler.",
    why="The constructor and onStart run on every wake, and fetch and WebSocket handlers on every event. A query "
        "that reads a whole ever-growing table there (chat history, an event log) costs rows read on every wake, "
        "slows each event as the table grows, and can exhaust the object's 128 MB of memory once the rows are "
        "kept in a field. Only whole-table reads kept in a field (directly or through a loader method) are "
        "reported: that memory is held for the object's life. The rule cannot see how big the table gets, so its findings have "
        "low confidence. Test code is skipped.",
    bad='export class Chat extends DurableObject {\n  messages: unknown[];\n  constructor(ctx: DurableObjectState, env: Env) {\n'
        '    super(ctx, env);\n    this.messages = ctx.storage.sql.exec("SELECT * FROM messages ORDER BY id").toArray();\n  }\n}',
    good='export class Chat extends DurableObject {\n  messages: unknown[];\n  constructor(ctx: DurableObjectState, env: Env) {\n'
         '    super(ctx, env);\n    this.messages = ctx.storage.sql\n'
         '      .exec("SELECT * FROM messages ORDER BY id DESC LIMIT 100")\n      .toArray();\n  }\n}',
    fix="Read a page (`ORDER BY id DESC LIMIT 100`) or only what the event needs (`WHERE ...`), aggregate in SQL "
        "(`COUNT(*)`), and trim old rows in an alarm.",
    docs=("sqlite-storage#sqlexec-and-bindings", "limits"),
    check=check,
)
