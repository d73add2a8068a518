"""do-sql-interpolation: values spliced into SQL text instead of bound."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import SourceFile, call_args, string_value
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
        if _CONST_NAME.match(name):
            return True
        init = ctx.const_init(src, name, node)
        return init is not None and _constant(ctx, src, init, depth + 1)
    if t == "member_expression":
        prop = src.text_of(node.child_by_field_name("property"))
        return bool(_CONST_NAME.match(prop))
    if t == "binary_expression":
        return all(_constant(ctx, src, c, depth + 1) for c in node.named_children)
    if t == "ternary_expression":
        return all(_constant(ctx, src, node.child_by_field_name(f), depth + 1) for f in ("consequence", "alternative"))
    if t == "call_expression":  # placeholders built from a count: `ids.map(() => "?").join(",")`
        text = src.ntext(node)
        return bool(re.search(r"""\.map\(\(?\w*\)?=>["'`]\?["'`]\)\.join\(""", text) or
                    re.match(r"""^["'`]\?,?["'`]\.repeat\(""", text) or re.search(r"""Array\(.*\)\.fill\(["'`]\?["'`]\)""", text))
    return False


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
