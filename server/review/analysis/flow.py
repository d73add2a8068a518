"""Control and call flow inside one module: which functions a function calls (``this.m()`` and local functions),
whether two statements can both run (exclusive branches, early exits), and whether a loop ends after a statement.

Bounded and cheap: the call graph is followed a few levels deep, and only on demand.
"""

from __future__ import annotations

from typing import Callable

import tree_sitter as ts

from ..parse import FUNCTION_TYPES, SourceFile, ancestors, callee, enclosing_class, enclosing_function

EXITS = frozenset({"return_statement", "throw_statement"})
LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
BRANCHES = frozenset({"if_statement", "switch_statement", "ternary_expression"})
MAX_DEPTH = 3


class Flow:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self._functions: dict[str, dict[str, ts.Node]] = {}
        # memos: rules ask the same questions of the same functions many times over (one review, one tree)
        self._methods: dict[tuple[str, int], dict[str, ts.Node]] = {}
        self._callees: dict[tuple[str, int], list[ts.Node]] = {}
        self._reachable: dict[tuple[str, int, int], list[ts.Node]] = {}
        self._facts: dict[tuple[str, str, int], bool] = {}
        self._class_names: dict[str, dict[str, ts.Node]] = {}

    # -- call graph ------------------------------------------------------------------------------------------
    def _module_functions(self, src: SourceFile) -> dict[str, ts.Node]:
        """Top-level ``function f`` and ``const f = () => ...`` by name."""
        out = self._functions.get(src.path)
        if out is None:
            out = {}
            for fn in src.nodes("function_declaration"):
                name = fn.child_by_field_name("name")
                if name is not None:
                    out.setdefault(src.text_of(name), fn)
            for d in src.nodes("variable_declarator"):
                value = d.child_by_field_name("value")
                name = d.child_by_field_name("name")
                if value is not None and name is not None and value.type in ("arrow_function", "function_expression"):
                    out.setdefault(src.text_of(name), value)
            self._functions[src.path] = out
        return out

    def callees_of_call(self, src: SourceFile, call: ts.Node) -> list[ts.Node]:
        """The in-module function(s) one call expression invokes (empty for anything else)."""
        f = callee(call)
        if f is None:
            return []
        if f.type == "member_expression" and src.ntext(f.child_by_field_name("object")) == "this":
            cls = enclosing_class(call)
            m = self.class_methods(src, cls).get(src.text_of(f.child_by_field_name("property"))) if cls else None
            return [m] if m is not None else []
        if f.type == "identifier":
            g = self._module_functions(src).get(src.text_of(f))
            return [g] if g is not None else []
        return []

    def callees(self, src: SourceFile, fn: ts.Node) -> list[ts.Node]:
        """Functions in this module that ``fn`` calls directly: ``this.m()``/``this.#m()`` (a method of the class or
        of a local base class) and calls of module-level functions by name."""
        key = (src.path, fn.id)
        if key in self._callees:
            return self._callees[key]
        out: list[ts.Node] = []
        self._callees[key] = out
        cls = enclosing_class(fn)
        methods = self.class_methods(src, cls) if cls is not None else {}
        funcs = self._module_functions(src)
        for call in src.calls(fn):
            f = callee(call)
            if f is None:
                continue
            if f.type == "member_expression" and src.ntext(f.child_by_field_name("object")) == "this":
                m = methods.get(src.text_of(f.child_by_field_name("property")))
                if m is not None and m != fn:
                    out.append(m)
            elif f.type == "identifier":
                g = funcs.get(src.text_of(f))
                if g is not None and g != fn:
                    out.append(g)
        return out

    def class_methods(self, src: SourceFile, cls: ts.Node) -> dict[str, ts.Node]:
        """Methods (and arrow-function fields) of a class and of its local base classes, nearest first."""
        key = (src.path, cls.id)
        if key in self._methods:
            return self._methods[key]
        out: dict[str, ts.Node] = {}
        self._methods[key] = out
        seen = 0
        while cls is not None and seen < 8:
            seen += 1
            body = cls.child_by_field_name("body")
            for m in body.named_children if body is not None else ():
                if m.type == "method_definition":
                    out.setdefault(src.text_of(m.child_by_field_name("name")), m)
                elif m.type == "public_field_definition":
                    v = m.child_by_field_name("value")
                    if v is not None and v.type in ("arrow_function", "function_expression"):
                        out.setdefault(src.text_of(m.child_by_field_name("name")), v)
            cls = self._local_base(src, cls)
        return out

    def _local_base(self, src: SourceFile, cls: ts.Node) -> ts.Node | None:
        for ch in cls.children:
            if ch.type == "class_heritage":
                for clause in ch.named_children:
                    if clause.type == "extends_clause":
                        base = src.ntext(clause.child_by_field_name("value")).split("<")[0]
                        other = self._classes_by_name(src).get(base)
                        return other if other is not None and other != cls else None
        return None

    def _classes_by_name(self, src: SourceFile) -> dict[str, ts.Node]:
        names = self._class_names.get(src.path)
        if names is None:
            names = self._class_names[src.path] = {}
            for c in src.classes:
                names.setdefault(src.text_of(c.child_by_field_name("name")), c)
        return names

    def reachable(self, src: SourceFile, fn: ts.Node, depth: int = MAX_DEPTH) -> list[ts.Node]:
        """``fn`` and every in-module function it calls, up to ``depth`` calls deep."""
        key = (src.path, fn.id, depth)
        if key in self._reachable:
            return self._reachable[key]
        out, frontier, seen = [fn], [fn], {fn.id}
        self._reachable[key] = out
        for _ in range(depth):
            nxt = []
            for f in frontier:
                for g in self.callees(src, f):
                    if g.id not in seen:
                        seen.add(g.id)
                        out.append(g)
                        nxt.append(g)
            frontier = nxt
        return out

    def reaches(self, src: SourceFile, fn: ts.Node, found: Callable[[ts.Node], bool], fact: str = "") -> bool:
        """True when ``found(f)`` holds for ``fn`` or a function it calls (within the module). Pass a ``fact``
        name to memoise the per-function answers of ``found`` (it must then depend on the function only)."""
        if not fact:
            return any(found(f) for f in self.reachable(src, fn))
        for f in self.reachable(src, fn):
            key = (src.path, fact, f.id)
            hit = self._facts.get(key)
            if hit is None:
                hit = self._facts[key] = bool(found(f))
            if hit:
                return True
        return False

    # -- branches and exits --------------------------------------------------------------------------------
    def exclusive(self, a: ts.Node, b: ts.Node) -> bool:
        """``a`` and ``b`` (``a`` first) never both run in one call: they sit in different arms of one if/switch/
        ternary, or ``a``'s path leaves the function (return/throw) before reaching ``b``."""
        a_chain = [a, *ancestors(a)]
        b_ids = {n.id for n in (b, *ancestors(b))}
        lca = next((n for n in a_chain if n.id in b_ids), None)
        if lca is None:
            return False
        if lca.type in BRANCHES:
            return self._arm(lca, a) != self._arm(lca, b)
        if lca.type in ("switch_body",):
            return True  # different cases (fall-through between writes is rare and would still be a jump)
        return self.exits_between(a, lca, b)

    @staticmethod
    def _arm(branch: ts.Node, node: ts.Node) -> int:
        for i, ch in enumerate(branch.children):
            if ch.start_byte <= node.start_byte and node.end_byte <= ch.end_byte:
                return i
        return -1

    @staticmethod
    def exits_between(a: ts.Node, stop: ts.Node, b: ts.Node) -> bool:
        """A return/throw that always runs after ``a`` in a block between ``a`` and ``stop``, before ``b``."""
        node = a
        for parent in ancestors(a):
            if parent == stop:
                return False
            if parent.type in FUNCTION_TYPES:
                return False
            if parent.type == "statement_block" or parent.type == "switch_case":
                after = False
                for st in parent.named_children:
                    if st == node:
                        after = True
                    elif after and st.type in EXITS and st.start_byte < b.start_byte:
                        return True
            node = parent
        return False

    @staticmethod
    def ends_loop_after(node: ts.Node) -> bool:
        """``node`` is in a loop body and a return/break at the same level follows it: the loop runs it once."""
        inner = node
        for parent in ancestors(node):
            if parent.type in FUNCTION_TYPES or parent.type in LOOPS:
                return False
            if parent.type == "statement_block":
                after = False
                for st in parent.named_children:
                    if st == inner:
                        after = True
                    elif after and st.type in ("return_statement", "break_statement", "throw_statement"):
                        return True
            inner = parent
        return False

    def same_function(self, node: ts.Node, fn: ts.Node) -> bool:
        return enclosing_function(node) == fn
