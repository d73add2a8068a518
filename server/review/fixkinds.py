"""Edits for fixes that change a class's shape or restructure statements; the rules that find the problems call
these. Each returns ``()`` when the code is not in a shape the edit can handle mechanically: a fix is offered only
where it is sure to produce valid code that does what the finding asks."""

from __future__ import annotations

import re

import tree_sitter as ts

from ..models import TextEdit
from .fixes import edit_bytes, original_text
from .parse import SourceFile, call_args, enclosing_function, receiver

_JS = (".js", ".mjs", ".cjs", ".jsx")
_INDENT_RE = re.compile(r"[ \t]*")


def _indent_of(src: SourceFile, node: ts.Node) -> str:
    return _INDENT_RE.match(src.line(node.start_point[0] + 1)).group(0)


def _is_js(src: SourceFile) -> bool:
    return src.path.lower().endswith(_JS)


def add_method(src: SourceFile, cls_node: ts.Node, ts_text: str, js_text: str) -> tuple[TextEdit, ...]:
    """A method appended at the end of the class body, indented like the class's members. ``*_text`` is the
    method with lines relative to the member indent (TypeScript, or plain JavaScript for .js files)."""
    body = cls_node.child_by_field_name("body")
    if body is None or body.type != "class_body" or not body.children or body.children[-1].type != "}":
        return ()
    members = [c for c in body.named_children if c.type != "comment"]
    indent = _indent_of(src, members[0]) if members and members[0].start_point[0] != cls_node.start_point[0] \
        else _indent_of(src, cls_node) + "  "
    text = js_text if _is_js(src) else ts_text
    method = "\n".join(indent + ln if ln else "" for ln in text.split("\n"))
    last = body.children[-2]  # the last member, or `{` for an empty body
    if last.end_point[0] == body.children[-1].start_point[0]:  # `{ }` or `foo() {} }` on one line
        close = body.children[-1]
        return (edit_bytes(src, last.end_byte, close.start_byte, "\n" + method + "\n" + _indent_of(src, cls_node)),)
    sep = "\n" if last.type == "{" else "\n\n"
    return (edit_bytes(src, last.end_byte, last.end_byte, sep + method),)


ALARM_STUB = ("async alarm(): Promise<void> {\n"
              "  // TODO: do the work scheduled with setAlarm(); call setAlarm() again here if more remains\n}")
ALARM_STUB_JS = ALARM_STUB.replace(": Promise<void>", "")
WS_STUB = ("async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {\n"
           "  // TODO: handle one message from a hibernatable WebSocket (reply with _ws.send(...))\n}")
WS_STUB_JS = "async webSocketMessage(_ws, _message) {\n" + WS_STUB.split("\n", 1)[1]


def _storage_of(ctx, src: SourceFile, call: ts.Node) -> str | None:
    """``this.ctx.storage`` for ``this.ctx.storage.sql.exec(...)``: the storage expression a transactionSync call
    needs, when the exec's receiver spells it out, or is a const of the same function that does
    (``const sql = this.ctx.storage.sql``)."""
    rec = receiver(call)
    if rec is not None and rec.type == "identifier":
        init = ctx.const_init(src, src.text_of(rec), rec)
        if init is None or enclosing_function(init) != enclosing_function(call):
            return None
        rec = init
    text = original_text(src, rec.start_byte, rec.end_byte) if rec is not None else ""
    if text.endswith(".sql") and "\n" not in text and "(" not in text:
        return text[: -len(".sql")]
    return None


_TXN_BEGIN = re.compile(r"^\s*begin(\s+(deferred|immediate|exclusive))?(\s+transaction)?\s*;?\s*$", re.I)
_TXN_COMMIT = re.compile(r"^\s*(commit|end)(\s+transaction)?\s*;?\s*$", re.I)
_UNSAFE_INSIDE = ("return_statement", "await_expression", "lexical_declaration", "variable_declaration",
                  "break_statement", "continue_statement", "yield_expression", "function_declaration",
                  "class_declaration")


def transaction_block(ctx, src: SourceFile, call: ts.Node) -> tuple[TextEdit, ...]:
    """``exec("BEGIN"); ...; exec("COMMIT");`` as sibling statements of one block becomes
    ``storage.transactionSync(() => { ...; });``. Offered only when the statements between are plain synchronous
    statements: no await (the callback is synchronous), no return/break (they would leave the callback instead of
    the function), no declarations (they would become invisible after the block), no ROLLBACK."""
    stmt = call.parent
    if stmt is None or stmt.type != "expression_statement" or stmt.parent is None:
        return ()
    block = stmt.parent
    siblings = [c for c in block.named_children]
    idx = next((i for i, c in enumerate(siblings) if c.id == stmt.id), None)
    if idx is None:
        return ()
    sql = ctx.sql_text(src, call) or ""
    if _TXN_BEGIN.match(sql):
        begin_i = idx
        end_i = next((j for j in range(idx + 1, len(siblings)) if _is_exec_matching(ctx, src, siblings[j], _TXN_COMMIT)), None)
    elif _TXN_COMMIT.match(sql):
        end_i = idx
        begin_i = next((j for j in range(idx - 1, -1, -1) if _is_exec_matching(ctx, src, siblings[j], _TXN_BEGIN)), None)
    else:
        return ()
    if begin_i is None or end_i is None:
        return ()
    begin, end = siblings[begin_i], siblings[end_i]
    storage = _storage_of(ctx, src, begin.named_children[0])
    inner = siblings[begin_i + 1:end_i]
    if storage is None or not inner:
        return ()
    for s in inner:
        if s.type != "expression_statement" and s.type != "comment" and s.type != "if_statement":
            return ()
        if _contains(s, _UNSAFE_INSIDE) or "rollback" in src.text_of(s).lower() or "begin" in src.text_of(s).lower():
            return ()
    indent = _indent_of(src, begin)
    body = original_text(src, inner[0].start_byte, inner[-1].end_byte)
    body_lines = body.split("\n")
    # the first line starts at the statement (no leading indent); later lines keep theirs, one level deeper
    shifted = [indent + "  " + body_lines[0]] + [("  " + ln if ln.strip() else ln) for ln in body_lines[1:]]
    text = f"{storage}.transactionSync(() => {{\n" + "\n".join(shifted) + f"\n{indent}}});"
    return (edit_bytes(src, begin.start_byte, end.end_byte, text),)


def _is_exec_matching(ctx, src: SourceFile, stmt: ts.Node, pattern: re.Pattern) -> bool:
    if stmt.type != "expression_statement" or not stmt.named_children:
        return False
    expr = stmt.named_children[0]
    if expr.type != "call_expression" or ctx.storage_call(src, expr) != ("sql", "exec") or len(call_args(expr)) != 1:
        return False
    return bool(pattern.match(ctx.sql_text(src, expr) or ""))


def _contains(node: ts.Node, types: tuple[str, ...]) -> bool:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type in types:
            return True
        if n is not node and n.type in ("arrow_function", "function_expression"):
            continue  # a nested callback's own return/await is its own business
        stack.extend(n.children)
    return False


_DO_NAME_RE = re.compile(r"\bDurableObject\b")
_BASE_MEMBERS = ("ctx", "env")  # protected in DurableObject: a private parameter property of that name clashes


def extend_durable_object(src: SourceFile, cls_node: ts.Node) -> tuple[TextEdit, ...]:
    """The legacy shape (``implements DurableObject``, or a ``(state, env)`` constructor) rewritten to ``extends
    DurableObject<Env>``: the heritage clause, ``super(state, env)`` as the constructor's first statement, no
    ``private`` on a parameter named ``env``/``ctx`` (the base class declares them), and the import. Offered for a
    constructor of exactly two plain parameters, or none."""
    name = cls_node.child_by_field_name("name")
    body = cls_node.child_by_field_name("body")
    heritage = next((c for c in cls_node.children if c.type == "class_heritage"), None)
    if name is None or body is None:
        return ()
    edits: list[TextEdit] = []
    ctor = next((m for m in body.named_children if m.type == "method_definition"
                 and src.text_of(m.child_by_field_name("name")) == "constructor"), None)
    for m in body.named_children:
        if m.type in ("public_field_definition", "field_definition") and \
                src.text_of(m.child_by_field_name("name")) in _BASE_MEMBERS:
            return ()  # a field named ctx/env would clash with the base class's: leave the rewrite to a person
    env_type = ""
    if ctor is not None:
        params = [p for p in ctor.child_by_field_name("parameters").named_children if p.type != "comment"]
        block = ctor.child_by_field_name("body")
        if len(params) != 2 or block is None or "super" in src.text_of(block):
            return ()
        names = []
        for p in params:
            ident = p.child_by_field_name("pattern")
            if p.type != "required_parameter" or ident is None or ident.type != "identifier":
                return ()
            names.append(src.text_of(ident))
            mods = [c for c in p.children if c.type in ("accessibility_modifier", "readonly")]
            if mods and names[-1] in _BASE_MEMBERS:
                edits.append(edit_bytes(src, mods[0].start_byte, ident.start_byte, ""))
        ann = params[1].child_by_field_name("type")
        if ann is not None:
            env_type = original_text(src, ann.start_byte, ann.end_byte).lstrip(":").strip()
        first = block.children[0]
        indent = _indent_of(src, ctor) + "  "
        call = f"super({names[0]}, {names[1]});"
        if block.end_point[0] == block.start_point[0]:  # `{}` or `{ stmt }` on the constructor's line
            inner = original_text(src, first.end_byte, block.children[-1].start_byte).strip()
            rest = f"\n{indent}{inner}" if inner else ""
            edits.append(edit_bytes(src, first.end_byte, block.end_byte,
                                    f"\n{indent}{call}{rest}\n{_indent_of(src, ctor)}}}"))
        else:
            edits.append(edit_bytes(src, first.end_byte, first.end_byte, f"\n{indent}{call}"))
    type_args = f"<{env_type}>" if env_type and not _is_js(src) and "\n" not in env_type else ""
    clause = f"extends DurableObject{type_args}"
    if heritage is not None:
        impl = next((c for c in heritage.named_children if c.type == "implements_clause"), None)
        if any(c.type == "extends_clause" for c in heritage.named_children) or impl is None:
            return ()
        types = [c for c in impl.named_children if c.type != "comment"]
        if len(types) != 1 or src.text_of(types[0]) != "DurableObject":
            return ()
        edits.append(edit_bytes(src, impl.start_byte, impl.end_byte, clause))
    else:
        after = cls_node.child_by_field_name("type_parameters") or name
        edits.append(edit_bytes(src, after.end_byte, after.end_byte, " " + clause))
    if not _imports_durable_object(src):
        edits.append(edit_bytes(src, 0, 0, 'import { DurableObject } from "cloudflare:workers";\n'))
    return tuple(edits)


def _imports_durable_object(src: SourceFile) -> bool:
    for stmt in src.root.named_children:
        if stmt.type == "import_statement" and "cloudflare:workers" in src.text_of(stmt) and \
                _DO_NAME_RE.search(src.text_of(stmt)) and not src.text_of(stmt).startswith("import type"):
            return True
    return False
