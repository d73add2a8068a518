"""Taint for SQL: which values come from clients.

Sources, in Durable Object classes: the request of ``fetch()``/``onRequest()`` (body, URL parts, headers), the
message of ``webSocketMessage()``/``onMessage()``, and the arguments of public methods (RPC, ``@callable``). Values
flow through local variables (``const``/``let``, destructuring, assignments), type assertions (``x as keyof T`` is
not a sanitizer), template literals, concatenation, fields (``this.table = name``) and calls of the class's own
methods. A name is sanitized when the function checks it against a constant allow-list (``LIST.includes(x)``,
``SET.has(x)``, ``x in MAP``, ``switch (x)``, ``x === "..."``, ``/^\\w+$/.test(x)``) or converts it to a number.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from ..parse import FUNCTION_TYPES, SourceFile, ancestors, callee, call_args, enclosing_class, method_name

REQUEST_HANDLERS = {"fetch": 0, "onRequest": 0}
MESSAGE_HANDLERS = {"webSocketMessage": 1, "onMessage": 1}
NOT_RPC = frozenset({"constructor", "alarm", "webSocketClose", "webSocketError", "onStart", "onConnect", "onClose",
                     "onError", "onAlarm", "onStateUpdate", "onStateChanged", "validateStateChange", "shouldSendProtocolMessages"})
_NUMERIC_WRAP = re.compile(r"^(Number|parseInt|parseFloat|Math\.\w+|BigInt)\(")
_MAX_EXPR = 4000


def identifiers(src: SourceFile, node: ts.Node) -> list[str]:
    """Identifier and ``this.x`` names used in an expression (a bounded walk: expressions are small)."""
    out: list[str] = []
    stack, budget = [node], 2000
    while stack and budget:
        budget -= 1
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier"):
            out.append(src.text_of(n))
        elif n.type == "member_expression" and src.ntext(n.child_by_field_name("object")) == "this":
            out.append("this." + src.text_of(n.child_by_field_name("property")))
        elif n.type == "call_expression" and _NUMERIC_WRAP.match(src.ntext(n)):
            continue  # Number(x) cannot carry SQL text
        elif n.type in FUNCTION_TYPES:
            continue
        else:
            stack.extend(n.named_children)
    return out


def _pattern_names(src: SourceFile, pattern: ts.Node | None) -> list[str]:
    if pattern is None:
        return []
    if pattern.type == "identifier":
        return [src.text_of(pattern)]
    out: list[str] = []
    stack, budget = [pattern], 500
    while stack and budget:
        budget -= 1
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            out.append(src.text_of(n))
        elif n.type == "pair_pattern":
            stack.append(n.child_by_field_name("value"))
        else:
            stack.extend(c for c in n.named_children if c.type != "property_identifier")
    return out


def _params(fn: ts.Node) -> list[ts.Node]:
    params = fn.child_by_field_name("parameters")
    return [p for p in params.named_children if p.type in ("required_parameter", "optional_parameter")] if params else []


class Taint:
    def __init__(self, ctx, flow) -> None:
        self.ctx = ctx
        self.flow = flow
        self._fn: dict[tuple[str, int], tuple[set[str], set[str]]] = {}
        self._fields: dict[tuple[str, int], set[str]] = {}

    # -- sources -----------------------------------------------------------------------------------------------
    def source_params(self, src: SourceFile, fn: ts.Node) -> set[str]:
        """Names of ``fn``'s parameters that carry client data (only DO handler and RPC methods have them)."""
        if fn.type != "method_definition" or self.ctx.do_class_of(src, fn) is None:
            return set()
        name = method_name(src, fn)
        params = _params(fn)
        text = src.text_of(fn)[:200]
        if name in REQUEST_HANDLERS or name in MESSAGE_HANDLERS:
            i = REQUEST_HANDLERS.get(name, MESSAGE_HANDLERS.get(name))
            return set(_pattern_names(src, params[i].child_by_field_name("pattern"))) if len(params) > i else set()
        private = name.startswith(("_", "#")) or any(c.type == "accessibility_modifier" and src.text_of(c) != "public"
                                                     for c in fn.children) or text.lstrip().startswith("static")
        if name in NOT_RPC or private:
            return set()
        out: set[str] = set()
        for p in params:
            out.update(_pattern_names(src, p.child_by_field_name("pattern")))
        return out

    # -- propagation -------------------------------------------------------------------------------------------
    def _tainted_in(self, src: SourceFile, fn: ts.Node, seeds: set[str]) -> tuple[set[str], set[str]]:
        """(tainted names, sanitized names) inside ``fn``, given tainted names from outside."""
        key = (src.path, fn.id)
        if key in self._fn and not seeds:
            return self._fn[key]
        tainted = set(seeds) | self.source_params(src, fn)
        sanitized = self._sanitized(src, fn)
        decls = [d for d in src.nodes("variable_declarator", fn)]
        assigns = [a for a in src.nodes("assignment_expression", fn)]
        for _ in range(3):  # chains of locals: a -> b -> c
            before = len(tainted)
            for d in decls:
                value = d.child_by_field_name("value")
                if value is not None and self._mentions(src, value, tainted, sanitized):
                    tainted.update(_pattern_names(src, d.child_by_field_name("name")))
            for a in assigns:
                left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
                if left is not None and right is not None and left.type == "identifier" \
                        and self._mentions(src, right, tainted, sanitized):
                    tainted.add(src.text_of(left))
            if len(tainted) == before:
                break
        out = (tainted, sanitized)
        if not seeds:
            self._fn[key] = out
        return out

    def _sanitized(self, src: SourceFile, fn: ts.Node) -> set[str]:
        out: set[str] = set()
        for call in src.calls(fn):
            f = callee(call)
            name = src.text_of(f.child_by_field_name("property")) if f is not None and f.type == "member_expression" else ""
            if name in ("includes", "has", "test", "hasOwn", "hasOwnProperty", "indexOf"):
                for arg in call_args(call):
                    while arg.type in ("as_expression", "non_null_expression", "parenthesized_expression") \
                            and arg.named_children:
                        arg = arg.named_children[0]
                    if arg.type == "identifier":
                        out.add(src.text_of(arg))
        for st in src.nodes("switch_statement", fn):
            v = st.child_by_field_name("value")
            if v is not None:
                out.update(n for n in identifiers(src, v))
        for b in src.nodes("if_statement", fn):
            cond = src.text_of(b.child_by_field_name("condition"))[:300]
            for m in re.finditer(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*(?:===|!==)\s*[\"'`]|(?<![\w$])([A-Za-z_$][\w$]*)\s+in\s+[A-Za-z_$]", cond):
                out.add(m.group(1) or m.group(2))
        return out

    def _mentions(self, src: SourceFile, node: ts.Node, tainted: set[str], sanitized: set[str]) -> bool:
        if node.end_byte - node.start_byte > _MAX_EXPR:
            return False
        for name in identifiers(src, node):
            if name in tainted and name not in sanitized:
                return True
        return False

    def tainted_fields(self, src: SourceFile, cls: ts.Node) -> set[str]:
        """``this.x`` fields a class assigns from client data anywhere in its methods."""
        key = (src.path, cls.id)
        if key in self._fields:
            return self._fields[key]
        self._fields[key] = set()
        out: set[str] = set()
        for a in src.nodes("assignment_expression", cls):
            left, right = a.child_by_field_name("left"), a.child_by_field_name("right")
            if left is None or right is None or not src.ntext(left).startswith("this."):
                continue
            fn = next((x for x in ancestors(a) if x.type == "method_definition"), None)
            if fn is None:
                continue
            tainted, sanitized = self._tainted_in(src, fn, self._param_seeds(src, fn))
            if self._mentions(src, right, tainted, sanitized):
                out.add(src.ntext(left))
        self._fields[key] = out
        return out

    def _param_seeds(self, src: SourceFile, fn: ts.Node) -> set[str]:
        """Parameters of a private helper method that some method of the class calls with client data."""
        if fn.type != "method_definition":
            return set()
        cls = enclosing_class(fn)
        name = method_name(src, fn)
        if cls is None or not name:
            return set()
        params = [_pattern_names(src, p.child_by_field_name("pattern")) for p in _params(fn)]
        out: set[str] = set()
        for call in src.calls(cls):
            f = callee(call)
            if f is None or f.type != "member_expression" or src.ntext(f.child_by_field_name("object")) != "this" \
                    or src.text_of(f.child_by_field_name("property")) != name:
                continue
            caller = next((x for x in ancestors(call) if x.type == "method_definition"), None)
            if caller is None or caller == fn:
                continue
            tainted, sanitized = self._tainted_in(src, caller, set())
            for i, arg in enumerate(call_args(call)):
                if i < len(params) and self._mentions(src, arg, tainted, sanitized):
                    out.update(params[i])
        return out

    def is_sanitized(self, src: SourceFile, expr: ts.Node) -> bool:
        """Every name ``expr`` reads is checked against an allow-list in an enclosing function."""
        names = set(identifiers(src, expr))
        checked: set[str] = set()
        for f in (a for a in ancestors(expr) if a.type in FUNCTION_TYPES):
            checked |= self._sanitized(src, f)
        return bool(names) and names <= checked

    # -- the query rules ask -------------------------------------------------------------------------------------
    def is_tainted(self, src: SourceFile, expr: ts.Node) -> bool:
        """Whether ``expr`` carries client data at this point."""
        fns = [a for a in ancestors(expr) if a.type in FUNCTION_TYPES]
        if not fns:
            return False
        method = next((f for f in fns if f.type == "method_definition"), None)
        names: set[str] = set()
        sanitized: set[str] = set()
        for f in reversed(fns):  # outer first: closures see the enclosing function's tainted locals
            t, s = self._tainted_in(src, f, self._param_seeds(src, f) | names)
            names |= t
            sanitized |= s
        cls = enclosing_class(method) if method is not None else None
        if cls is not None:
            names |= self.tainted_fields(src, cls)
        return self._mentions(src, expr, names, sanitized)
