"""do-sql-interpolation: values spliced into SQL text instead of bound."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import FUNCTION_TYPES, SourceFile, ancestors, call_args, enclosing_class, string_value
from ..rule import Rule

_CONST_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _constant(ctx: ReviewContext, src: SourceFile, node, depth: int = 0) -> bool:
    """Literal provenance: literals, ALL_CAPS names, and consts initialised with constants are not user input."""
    if node is None or depth > 4:
        return False
    t = node.type
    if t in ("number", "string", "true", "false", "null"):
        return True
    if t == "template_string":
        return all(_constant(ctx, src, s.named_children[0] if s.named_children else None, depth + 1)
                   for s in node.named_children if s.type == "template_substitution")
    if t in ("parenthesized_expression", "as_expression", "non_null_expression") and node.named_children:
        return _constant(ctx, src, node.named_children[0], depth + 1)
    if t == "identifier":
        name = src.text_of(node)
        if _CONST_NAME.match(name) or _safe_param(src, node, name):
            return True
        init = ctx.const_init(src, name, node)
        return init is not None and _constant(ctx, src, init, depth + 1)
    if t == "member_expression":
        prop = src.text_of(node.child_by_field_name("property"))
        if _CONST_NAME.match(prop):
            return True
        return src.ntext(node.child_by_field_name("object")) == "this" and _literal_field(ctx, src, node, prop)
    if t == "binary_expression":
        return all(_constant(ctx, src, c, depth + 1) for c in node.named_children)
    if t == "ternary_expression":
        return all(_constant(ctx, src, node.child_by_field_name(f), depth + 1) for f in ("consequence", "alternative"))
    if t == "call_expression":  # placeholders built from a count: `ids.map(() => "?").join(",")`
        text = src.ntext(node)
        return bool(re.search(r"""\.map\(\(?\w*\)?=>["'`]\?["'`]\)\.join\(""", text) or
                    re.match(r"""^["'`]\?,?["'`]\.repeat\(""", text) or _ARRAY_FILL.search(text))
    return False


# `Array(n).fill("?")` with at most one level of parentheses inside: bounded and unambiguous, so linear (the old
# `Array\(.*\)` rescanned the line from every `Array(`, quadratic on a long chain).
_ARRAY_FILL = re.compile(r"""Array\((?:[^()\n]|\([^()\n]{0,200}\)){0,200}\)\.fill\(["'`]\?["'`]\)""")
_SAFE_TYPE = re.compile(r"""^:\s*(number|bigint|boolean|(["'][^"'`$]*["']|\d+)(\s*\|\s*(["'][^"'`$]*["']|\d+))*)\s*$""")


def _safe_param(src: SourceFile, node, name: str) -> bool:
    """A parameter typed `number` or as a union of string literals (`"asc" | "desc"`) cannot carry SQL text; the
    same assumption semgrep makes for numbers (taint_assume_safe_numbers)."""
    for a in ancestors(node):
        if a.type in FUNCTION_TYPES:
            params = a.child_by_field_name("parameters")
            for p in params.named_children if params is not None else ():
                pattern = p.child_by_field_name("pattern")
                if pattern is not None and src.text_of(pattern) == name:
                    ann = p.child_by_field_name("type")
                    return ann is not None and bool(_SAFE_TYPE.match(src.text_of(ann)))
    return False


def _literal_field(ctx: ReviewContext, src: SourceFile, node, prop: str) -> bool:
    """`this.table` whose every initializer and assignment in the class is a string literal."""
    cls = enclosing_class(node)
    if cls is None:
        return False
    values = []
    for f in src.nodes("public_field_definition", cls):
        if src.text_of(f.child_by_field_name("name")) == prop:
            values.append(f.child_by_field_name("value"))
    for a in src.nodes("assignment_expression", cls):
        if src.ntext(a.child_by_field_name("left")) == f"this.{prop}":
            values.append(a.child_by_field_name("right"))
    return bool(values) and all(v is not None and v.type == "string" for v in values)


def _dynamic(ctx: ReviewContext, src: SourceFile, q, depth: int = 0):
    """The first non-constant piece spliced into the query expression, or None."""
    if q is None or depth > 3:
        return None
    if q.type == "template_string":
        for s in q.named_children:
            if s.type == "template_substitution":
                inner = s.named_children[0] if s.named_children else None
                if not _constant(ctx, src, inner):
                    return inner or s
        return None
    if q.type == "binary_expression" and src.text_of(q.child_by_field_name("operator")) == "+":
        for c in (q.child_by_field_name("left"), q.child_by_field_name("right")):
            hit = _dynamic(ctx, src, c, depth + 1) if c is not None and c.type in ("template_string", "binary_expression") \
                else (None if _constant(ctx, src, c) else c)
            if hit is not None:
                return hit
        return None
    if q.type == "identifier":
        init = ctx.const_init(src, src.text_of(q), q)
        if init is not None and init.type in ("template_string", "binary_expression"):
            return _dynamic(ctx, src, init, depth + 1)
    return None


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            args = call_args(call)
            if not args or string_value(src, args[0]) is not None:
                continue
            piece = _dynamic(ctx, src, args[0])
            if piece is not None:
                yield ctx.hit(src, call, f"`{src.text_of(piece)[:40]}` is spliced into the SQL text; pass it as a `?` "
                              "binding so it cannot change the statement.")


RULE = Rule(
    id="do-sql-interpolation",
    severity="error",
    summary="A value is interpolated into sql.exec() text instead of bound with `?`.",
    why="Building SQL with `${value}` or `+` lets any value that reaches it change the statement (SQL injection), "
        "and breaks on quotes in ordinary data. Bindings keep values out of the SQL text. Constants (table names "
        "in ALL_CAPS consts, literal fragments, `?` placeholder lists) are fine.",
    bad='export class Users extends DurableObject {\n  find(email: string) {\n'
        '    return this.ctx.storage.sql.exec(`SELECT * FROM users WHERE email = \'${email}\'`).toArray();\n  }\n}',
    good='export class Users extends DurableObject {\n  find(email: string) {\n'
         '    return this.ctx.storage.sql.exec("SELECT * FROM users WHERE email = ?", email).toArray();\n  }\n}',
    fix="Put `?` in the SQL text and pass the values as extra arguments: `sql.exec(\"... WHERE id = ?\", id)`. "
        "For IN lists, build only the placeholders: `ids.map(() => \"?\").join(\",\")` and spread `...ids`.",
    docs=("sqlite-storage#sqlexec-and-bindings", "sql-statements"),
    check=check,
)
