"""do-sql-interpolation: values spliced into SQL text instead of bound."""

from __future__ import annotations

import re

from ..analysis.taint import identifiers
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


def _dynamic(ctx: ReviewContext, src: SourceFile, q, depth: int = 0) -> list:
    """Every non-constant piece spliced into the query expression (template substitutions, `+` operands, through
    a local const holding the query)."""
    if q is None or depth > 3:
        return []
    if q.type == "template_string":
        out = []
        for s in q.named_children:
            if s.type == "template_substitution":
                inner = s.named_children[0] if s.named_children else None
                if not _constant(ctx, src, inner):
                    out.append(inner or s)
        return out
    if q.type == "binary_expression" and src.text_of(q.child_by_field_name("operator")) == "+":
        out = []
        for c in (q.child_by_field_name("left"), q.child_by_field_name("right")):
            if c is not None and c.type in ("template_string", "binary_expression"):
                out.extend(_dynamic(ctx, src, c, depth + 1))
            elif not _constant(ctx, src, c):
                out.append(c)
        return out
    if q.type == "identifier":
        init = ctx.const_init(src, src.text_of(q), q)
        if init is not None and init.type in ("template_string", "binary_expression"):
            return _dynamic(ctx, src, init, depth + 1)
    return []


def _is_param(src: SourceFile, node) -> bool:
    """The piece reads a parameter of an enclosing function: where it comes from is up to the callers."""
    names = set(identifiers(src, node))
    for a in ancestors(node):
        if a.type in FUNCTION_TYPES:
            params = a.child_by_field_name("parameters")
            for p in params.named_children if params is not None else ():
                pattern = p.child_by_field_name("pattern")
                if pattern is not None and src.text_of(pattern) in names:
                    return True
    return False


_PRAGMA_FN = re.compile(r"\bpragma\s+(table_info|table_xinfo|index_list|index_info|foreign_key_list)\s*[(=]\s*$", re.I)
_IDENT_POS = re.compile(r"\b(from|into|update|table|join|exists|index|by)\s*[\"`\[]?$", re.I)


def _advice(ctx: ReviewContext, src: SourceFile, call, piece) -> str:
    """The fix for this case: a pragma function with a bound argument, an allow-list for identifiers, else `?`."""
    before = src.data[call.start_byte:piece.start_byte].decode("utf-8", "replace")
    before = before[:-2] if before.endswith("${") else before  # the literal text right before `${piece}`
    before = before.rstrip("'\"+ ")  # `'...' + piece` and `'${piece}'` quote or concatenate it
    m = _PRAGMA_FN.search(before)
    if m:
        return (f"use the table-valued form with a binding: `sql.exec(\"SELECT * FROM pragma_{m.group(1).lower()}(?)\", "
                f"{src.text_of(piece)[:30]})`.")
    if _IDENT_POS.search(before):
        return ("names (tables, columns, sort keys) cannot be bound: check it against a constant allow-list "
                "(`if (!TABLES.includes(name)) throw ...`) before using it.")
    return "pass it as a `?` binding so it cannot change the statement."


def check(ctx: ReviewContext):
    taint = ctx.analysis.taint
    for src in ctx.sources:
        for call in ctx.sql_execs(src):
            args = call_args(call)
            if not args or string_value(src, args[0]) is not None:
                continue
            pieces = _dynamic(ctx, src, args[0])
            tainted = next((p for p in pieces if taint.is_tainted(src, p)), None)
            if tainted is not None:
                yield ctx.hit(src, call, f"`{src.text_of(tainted)[:40]}` comes from the client (request, WebSocket "
                              f"message or RPC argument) and is spliced into the SQL text: "
                              f"{_advice(ctx, src, call, tainted)}")
                continue
            param = next((p for p in pieces if _is_param(src, p) and not taint.is_sanitized(src, p)), None)
            if param is not None:
                yield ctx.hit(src, call, f"`{src.text_of(param)[:40]}` is spliced into the SQL text; it is a real "
                              "injection if any caller passes client input. "
                              f"{_advice(ctx, src, call, param).capitalize()}", confidence="medium")


RULE = Rule(
    id="do-sql-interpolation",
    severity="error",
    summary="A value is interpolated into sql.exec() text instead of bound with `?`.",
    why="Building SQL with `${value}` or `+` lets any value that reaches it change the statement (SQL injection), "
        "and breaks on quotes in ordinary data; `sql.exec` runs several statements in one string, so an injected "
        "`; DROP TABLE` runs too. Bindings keep values out of the SQL text. Findings follow taint: request bodies, "
        "URL parts, headers, WebSocket messages and RPC arguments are sources, through locals, templates, "
        "concatenation and type assertions (`as keyof T` is not a check). A name checked against a constant "
        "allow-list is safe; constants (ALL_CAPS consts, literal fragments, `?` placeholder lists) are fine. A "
        "spliced parameter of a helper whose callers are not visible is reported with medium confidence.",
    bad='export class Users extends DurableObject {\n  find(email: string) {\n'
        '    return this.ctx.storage.sql.exec(`SELECT * FROM users WHERE email = \'${email}\'`).toArray();\n  }\n}',
    good='export class Users extends DurableObject {\n  find(email: string) {\n'
         '    return this.ctx.storage.sql.exec("SELECT * FROM users WHERE email = ?", email).toArray();\n  }\n}',
    fix="Put `?` in the SQL text and pass the values as extra arguments: `sql.exec(\"... WHERE id = ?\", id)`. "
        "For IN lists, build only the placeholders: `ids.map(() => \"?\").join(\",\")` and spread `...ids`. "
        "Identifiers cannot be bound: check them against a constant allow-list. For `PRAGMA table_info(${t})` use "
        "`SELECT * FROM pragma_table_info(?)` with `t` bound.",
    docs=("sqlite-storage#sqlexec-and-bindings", "sql-statements"),
    check=check,
)
