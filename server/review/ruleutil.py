"""Small queries several rules share (kept out of ``rules/`` so the registry sees only rule modules)."""

from __future__ import annotations

import re

import tree_sitter as ts

from .context import DOClass, ReviewContext
from .parse import SourceFile, ancestors, call_args, callee, enclosing_function, literal_text, member_name, receiver

CONDITIONAL_TYPES = frozenset({"if_statement", "ternary_expression", "switch_case", "switch_default", "for_statement",
                               "for_in_statement", "while_statement", "do_statement", "catch_clause", "else_clause"})
WRITE_SQL_RE = re.compile(r"^\s*(insert|update|delete|replace|upsert)\b", re.I)
READ_SQL_RE = re.compile(r"^\s*(select|with)\b", re.I)
KV_WRITES = {"put", "delete"}


def storage_calls(ctx: ReviewContext, src: SourceFile, within: ts.Node | None, kinds: set[str],
                  methods: set[str]) -> list[ts.Node]:
    out = []
    for c in ctx.calls_named(src, *methods, within=within):
        sc = ctx.storage_call(src, c)
        if sc and sc[0] in kinds and sc[1] in methods:
            out.append(c)
    return out


def class_uses(ctx: ReviewContext, cls: DOClass, kinds: set[str], methods: set[str]) -> list[ts.Node]:
    return storage_calls(ctx, cls.src, cls.node, kinds, methods)


def is_conditional(node: ts.Node, stop: ts.Node) -> bool:
    """True when ``node`` runs only on some paths within ``stop``: under if/else/switch/loop/catch/ternary, or
    the right side of ``&&``/``||``/``??``."""
    prev = node
    for a in ancestors(node):
        if a == stop:
            return False
        if a.type in CONDITIONAL_TYPES:
            return True
        if a.type == "binary_expression":
            op = a.child_by_field_name("operator")
            if op is not None and op.type in ("&&", "||", "??") and a.child_by_field_name("right") == prev:
                return True
        prev = a
    return False


def _storage_op(ctx: ReviewContext, src: SourceFile, call: ts.Node, kv_methods, sql_re) -> bool:
    """A storage call that is a KV call named in ``kv_methods`` or an exec whose SQL matches ``sql_re``."""
    sc = ctx.storage_call(src, call)
    if not sc:
        args = call.child_by_field_name("arguments")
        if args is not None and args.type == "template_string" and src.ntext(callee(call)) == "this.sql":
            sql = literal_text(src, args)  # the Agents SDK's this.sql`...` helper runs sql.exec with bindings
            return bool(sql and sql_re.match(sql))
        return False
    kind, method = sc
    if kind in ("storage", "kv") and method in kv_methods:
        return True
    if kind == "sql" and method == "exec":
        sql = ctx.sql_text(src, call)
        return bool(sql and sql_re.match(sql))
    return False


def is_write(ctx: ReviewContext, src: SourceFile, call: ts.Node) -> bool:
    """A storage write: KV put/delete (async or sync) or an exec whose SQL is known to write."""
    return _storage_op(ctx, src, call, KV_WRITES, WRITE_SQL_RE)


def is_read(ctx: ReviewContext, src: SourceFile, call: ts.Node) -> bool:
    """A storage read: KV get/list or an exec whose SQL is known to read."""
    return _storage_op(ctx, src, call, ("get", "list"), READ_SQL_RE)


def in_transaction_callback(ctx: ReviewContext, src: SourceFile, node: ts.Node) -> bool:
    """Inside the callback of ``transaction()``/``transactionSync()``/``blockConcurrencyWhile()``."""
    for a in ancestors(node):
        if a.type == "arguments" and a.parent is not None and a.parent.type == "call_expression":
            sc = ctx.storage_call(src, a.parent)
            if sc and sc[1] in ("transaction", "transactionSync", "blockConcurrencyWhile"):
                return True
    return False


def is_external_io_call(ctx: ReviewContext, src: SourceFile, call: ts.Node) -> bool:
    """A call that leaves the object: ``fetch()``, a binding on ``env`` (KV, R2, D1, queues, services), or a stub.
    Namespace calls that only build ids or stubs (``idFromName``, ``get``, ``getByName``) are not I/O."""
    name = member_name(src, call)
    rec = receiver(call)
    if rec is None:
        return name == "fetch"
    if ctx.kind(src, rec):
        return False
    if ctx.is_stub_expr(src, rec):
        return True
    if ctx.is_namespace_expr(src, rec):
        return name not in ("idFromName", "idFromString", "newUniqueId", "get", "getByName", "jurisdiction") or (
            name == "get" and call.parent is not None and call.parent.type == "await_expression")
    return name == "fetch" and src.ntext(rec) not in ("this", "super")


def does_external_io(ctx: ReviewContext, src: SourceFile, call: ts.Node) -> bool:
    """``is_external_io_call``, or a call of an in-module function or method (``this.poll()``) that does I/O
    somewhere down its calls (followed through the analysis layer's call graph, a few levels deep)."""
    if is_external_io_call(ctx, src, call):
        return True
    flow = ctx.analysis.flow
    fn = enclosing_function(call)
    if fn is None:
        return False
    for target in flow.callees_of_call(src, call):
        if flow.reaches(src, target, lambda f: any(is_external_io_call(ctx, src, c) for c in src.calls(f)),
                        fact="external-io"):
            return True
    return False


def awaited_external_io(ctx: ReviewContext, src: SourceFile, fn: ts.Node) -> list[ts.Node]:
    """``await`` expressions directly in ``fn`` whose operand does external I/O (directly or in a called helper)."""
    cache = ctx.__dict__.setdefault("_awaits_by_fn", {})
    by_fn = cache.get(src.path)
    if by_fn is None:  # one pass per file: awaits grouped by their nearest function
        by_fn = cache[src.path] = {}
        for aw in src.nodes("await_expression"):
            owner = enclosing_function(aw)
            if owner is not None:
                by_fn.setdefault(owner.id, []).append(aw)
    return [aw for aw in by_fn.get(fn.id, ()) if any(does_external_io(ctx, src, c) for c in src.calls(aw))]


def first_arg(call: ts.Node) -> ts.Node | None:
    args = call_args(call)
    return args[0] if args else None
