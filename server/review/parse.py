"""TypeScript/TSX parsing with tree-sitter, plus the small AST vocabulary every rule shares.

Rules never walk the whole tree themselves: one tree-sitter query (run in C) captures every node type a rule may
ask for, sorted by position, so "all calls inside this method" is a bisect over a list instead of a Python walk.
That keeps a review within a small factor of tree-sitter's bare parse time (see benchmarks/review_bench.py).
"""

from __future__ import annotations

import bisect
import re
from functools import cached_property
from typing import Iterator

import tree_sitter as ts
import tree_sitter_typescript as tst

from .recover import recover

TS_LANGUAGE = ts.Language(tst.language_typescript())
TSX_LANGUAGE = ts.Language(tst.language_tsx())

# Node types rules query by position. Adding a type here is the only cost of a new rule needing it.
INDEXED_TYPES = (
    "call_expression",
    "new_expression",
    "await_expression",
    "class_declaration",
    "abstract_class_declaration",
    "class",
    "method_definition",
    "public_field_definition",
    "member_expression",
    "assignment_expression",
    "augmented_assignment_expression",
    "update_expression",
    "variable_declarator",
    "string",
    "template_string",
    "export_statement",
    "expression_statement",
    "if_statement",
    "switch_statement",
    "return_statement",
    "throw_statement",
    "function_declaration",
    "arrow_function",
    "function_expression",
    "ERROR",
)

FUNCTION_TYPES = frozenset(
    {"method_definition", "function_declaration", "arrow_function", "function_expression", "generator_function",
     "generator_function_declaration"}
)
CLASS_TYPES = frozenset({"class_declaration", "abstract_class_declaration", "class"})

_QUERIES: dict[int, ts.Query] = {}

# Past these, tree-sitter's query captures and the rules' ancestor walks go super-linear (50k nested ifs took 36 s,
# a 160k-long member chain minutes) and tree-sitter drops nodes beyond depth 32,768. Real code is far below both:
# a 2.8 MB bundle of our templates nests 48 deep and has ~920k nodes.
MAX_DEPTH = 1000
MAX_NODES = 1_500_000


class InputTooComplex(Exception):
    """The file is deeper or larger than the review analyses; the engine reports it as ``do-input-skipped``."""


def _check_limits(tree: ts.Tree) -> None:
    nodes = tree.root_node.descendant_count
    if nodes > MAX_NODES:
        raise InputTooComplex(f"it has {nodes:,} syntax nodes, more than the {MAX_NODES:,} reviewed per file")
    # A subtree of n nodes is at most n deep, so only subtrees larger than the depth still allowed are entered:
    # ordinary code is settled at the top few levels, a hostile chain costs MAX_DEPTH steps. (A walk over every
    # node cost a fifth of the parse.)
    stack = [(tree.root_node, 0)]
    while stack:
        node, depth = stack.pop()
        if node.descendant_count <= MAX_DEPTH - depth:
            continue
        if depth >= MAX_DEPTH:
            raise InputTooComplex(f"it nests more than {MAX_DEPTH} levels deep (generated or hostile code?)")
        stack.extend((child, depth + 1) for child in node.children)


def _query_for(language: ts.Language) -> ts.Query:
    key = id(language)
    if key not in _QUERIES:
        _QUERIES[key] = ts.Query(language, " ".join(f"({t}) @{t.replace('_', '-')}" for t in INDEXED_TYPES))
    return _QUERIES[key]


_WS = re.compile(r"\s+")


def norm(text: str) -> str:
    """Canonical form of an expression for matching: no whitespace, optional chaining and non-null assertions
    folded away, so ``this.ctx?.storage!.sql`` and ``this.ctx.storage.sql`` compare equal."""
    return _WS.sub("", text).replace("?.", ".").replace("!.", ".").replace("!(", "(")


class SourceFile:
    """One parsed TS/TSX/JS file. ``path`` is the path as the caller gave it."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.data = text.encode("utf-8", "surrogatepass")
        lang = TSX_LANGUAGE if path.lower().endswith((".tsx", ".jsx")) else TS_LANGUAGE
        parser = ts.Parser(lang)
        self.tree = parser.parse(self.data)
        _check_limits(self.tree)  # before recovery, which re-parses: a hostile tree is refused first
        # Constructs valid in TypeScript that the grammar misparses (see recover.py). ``data`` may be rewritten
        # (same length, same lines); ``text`` stays what the user wrote.
        self.recovered: list[str] = []
        if self.tree.root_node.has_error or b">`" in self.data:
            self.data, self.tree, self.recovered = recover(self.data, parser.parse, self.tree)
        self.root = self.tree.root_node
        captures = ts.QueryCursor(_query_for(lang)).captures(self.root)
        self._index: dict[str, list[ts.Node]] = {}
        self._starts: dict[str, list[int]] = {}
        for t in INDEXED_TYPES:
            nodes = captures.get(t.replace("_", "-"), [])
            starts = [n.start_byte for n in nodes]
            # Captures come in tree order (an outer node before the nodes it contains), which is the order wanted;
            # sort only if that ever stops holding.
            if any(a > b for a, b in zip(starts, starts[1:])):
                nodes = sorted(nodes, key=lambda n: (n.start_byte, -n.end_byte))
                starts = [n.start_byte for n in nodes]
            self._index[t] = nodes
            self._starts[t] = starts
        self.line_starts = [0]
        for m in re.finditer(b"\n", self.data):
            self.line_starts.append(m.end())

    # -- text and positions -------------------------------------------------------------------------------------
    def text_of(self, node: ts.Node | None) -> str:
        if node is None:
            return ""
        return self.data[node.start_byte:node.end_byte].decode("utf-8", "replace")

    def ntext(self, node: ts.Node | None) -> str:
        return norm(self.text_of(node))

    def column(self, row: int, byte_col: int) -> int:
        """1-based character column (tree-sitter counts bytes; editors count characters)."""
        start = self.line_starts[row] if row < len(self.line_starts) else 0
        return len(self.data[start:start + byte_col].decode("utf-8", "replace")) + 1

    def span(self, node: ts.Node) -> tuple[int, int, int, int]:
        (sr, sc), (er, ec) = node.start_point, node.end_point
        if er > sr:  # report multi-line nodes on their first line so the marker line is unambiguous
            er, ec = sr, len(self.line(sr + 1).encode("utf-8"))
        return sr + 1, self.column(sr, sc), er + 1, self.column(er, ec)

    def line(self, lineno: int) -> str:
        lines = self.lines
        return lines[lineno - 1] if 0 < lineno <= len(lines) else ""

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")

    # -- indexed node access --------------------------------------------------------------------------------------
    def nodes(self, type_: str, within: ts.Node | None = None) -> list[ts.Node]:
        nodes = self._index[type_]
        if within is None:
            return nodes
        starts = self._starts[type_]
        lo = bisect.bisect_left(starts, within.start_byte)
        hi = bisect.bisect_left(starts, within.end_byte)
        return [n for n in nodes[lo:hi] if n.end_byte <= within.end_byte]

    def calls(self, within: ts.Node | None = None) -> list[ts.Node]:
        return self.nodes("call_expression", within)

    @cached_property
    def classes(self) -> list[ts.Node]:
        return sorted(self.nodes("class_declaration") + self.nodes("abstract_class_declaration") + self.nodes("class"),
                      key=lambda n: n.start_byte)

    @cached_property
    def has_errors(self) -> bool:
        return self.root.has_error


# -- free helpers over nodes ---------------------------------------------------------------------------------------

def ancestors(node: ts.Node) -> Iterator[ts.Node]:
    cur = node.parent
    while cur is not None:
        yield cur
        cur = cur.parent


def enclosing(node: ts.Node, types: frozenset[str] | set[str] | tuple[str, ...]) -> ts.Node | None:
    for a in ancestors(node):
        if a.type in types:
            return a
    return None


def enclosing_function(node: ts.Node) -> ts.Node | None:
    return enclosing(node, FUNCTION_TYPES)


def enclosing_class(node: ts.Node) -> ts.Node | None:
    return enclosing(node, CLASS_TYPES)


def method_name(src: SourceFile, method: ts.Node | None) -> str:
    if method is None or method.type != "method_definition":
        return ""
    return src.text_of(method.child_by_field_name("name"))


def enclosing_method(node: ts.Node) -> ts.Node | None:
    """The class method that lexically contains ``node`` (through nested arrow functions and callbacks)."""
    return enclosing(node, ("method_definition",))


def callee(call: ts.Node) -> ts.Node | None:
    fn = call.child_by_field_name("function")
    # tree-sitter-typescript parses `await a.get<T>(x)` as a call whose function is `await a.get`: look through it
    if fn is not None and fn.type == "await_expression" and fn.named_children:
        fn = fn.named_children[-1]
    return fn


def call_args(call: ts.Node) -> list[ts.Node]:
    args = call.child_by_field_name("arguments")
    if args is None or args.type != "arguments":
        return []
    return [c for c in args.named_children if c.type != "comment"]


def member_name(src: SourceFile, call: ts.Node) -> str:
    """``exec`` for ``a.b.exec(...)``; the identifier for a bare call."""
    fn = callee(call)
    if fn is None:
        return ""
    if fn.type == "member_expression":
        return src.text_of(fn.child_by_field_name("property"))
    if fn.type == "identifier":
        return src.text_of(fn)
    return ""


def receiver(call: ts.Node) -> ts.Node | None:
    fn = callee(call)
    if fn is not None and fn.type == "member_expression":
        return fn.child_by_field_name("object")
    return None


def is_async(fn: ts.Node) -> bool:
    return any(c.type == "async" for c in fn.children)


def string_value(src: SourceFile, node: ts.Node | None) -> str | None:
    """The value of a string literal or a template literal without substitutions, else None."""
    while node is not None and node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node is None:
        return None
    if node.type == "string":
        return "".join(src.text_of(c) for c in node.named_children)
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return src.text_of(node)[1:-1]
    return None


def literal_text(src: SourceFile, node: ts.Node | None) -> str | None:
    """Text of a string or template literal with substitutions blanked out: enough to read SQL keywords."""
    if node is None:
        return None
    if node.type == "template_string":
        return "".join(src.text_of(c) if c.type == "string_fragment" else " ? "
                       for c in node.named_children if c.type in ("string_fragment", "template_substitution"))
    return string_value(src, node)


def inside(node: ts.Node, container: ts.Node) -> bool:
    return container.start_byte <= node.start_byte and node.end_byte <= container.end_byte


def same_function(node: ts.Node, fn: ts.Node) -> bool:
    """True when ``node``'s nearest enclosing function is ``fn`` (not a nested callback)."""
    return enclosing_function(node) == fn
