"""Recover valid TypeScript that tree-sitter-typescript 0.23.2 misparses.

TypeScript's own parser accepts these; the grammar does not (each seen in Cloudflare's public DO code):

- a tagged template with type arguments, ``this.sql<Row>`SELECT ...` `` (the Agents SDK idiom);
- an import type used as a qualified or indexed type, ``import("./env").Env["KEY"]``;
- a bare ``&`` in JSX text or a JSX attribute string (``<b>Fetch & Pay</b>``, ``href="?a=1&b=2"``);
- ``typeof import("x")`` as a type argument, ``export type * from``, and ``using`` as a plain name.

Each rewrite keeps every byte offset and line break (the construct is blanked or replaced by characters of the
same length), so positions in findings stay right. A rewrite is kept only when it lowers the number of syntax
errors; rules then read the rewritten text, which differs only inside type arguments, import types and JSX text,
where no rule looks. What stays unparsed is reported by the engine as a partly-reviewed info finding when it is
one of these constructs, and as a syntax error otherwise.
"""

from __future__ import annotations

import re
from typing import Callable

import tree_sitter as ts

# `import("x")` directly followed by `.Name` (an import type in a qualified or indexed type position). Linear: one
# character class between fixed delimiters.
_IMPORT_TYPE = re.compile(rb"""\bimport\(\s*(["'])[^"'\n]{0,300}\1\s*\)(?=\s*\.)""")
_TYPEOF_IMPORT = re.compile(rb"""\btypeof\s+(import\(\s*(["'])[^"'\n]{0,300}\2\s*\))""")
_EXPORT_TYPE_STAR = re.compile(rb"\bexport\s+(type)\s+\*")
# `using` as a plain name (`const using = ...`, `using(x)`): TypeScript 5.2 made it a declaration keyword only
# before an identifier, the grammar treats it as one everywhere.
_USING_NAME = re.compile(rb"(?<![\w$.])using(?=\s*[=(),;:])")
_IDENT_TAIL = re.compile(rb"[A-Za-z0-9_$\])?!]")
_MAX_TYPE_ARGS = 2000  # a type argument list longer than this is not one we recover
MAX_SPANS = 200  # error spans looked at per rewrite
MAX_RECOVER_BYTES = 1_000_000  # each rewrite costs a full reparse; larger files are generated, not hand-written


def _blank(data: bytearray, start: int, end: int, fill: int = 0x20) -> None:
    """Overwrite data[start:end] with ``fill``, keeping line breaks (so rows and columns stay put)."""
    for i in range(start, end):
        if data[i] not in (0x0A, 0x0D):
            data[i] = fill


def _tagged_template_type_args(data: bytearray, template_starts: list[int]) -> int:
    """Blank ``<...>`` between an expression and a template literal: ``sql<Row>`...` `` -> ``sql     `...` ``.
    Only opening backticks (where the first parse saw a template literal start) are considered, so markup inside
    a template (`` `<p>hi</p>` ``) is never touched."""
    changed = 0
    for pos in template_starts:
        j = pos - 1
        while j >= 0 and data[j] in b" \t\r\n":
            j -= 1
        if j > 0 and data[j] == ord(">") and data[j - 1] != ord("="):  # not an arrow `=> `...``
            depth, k, limit = 0, j, max(0, j - _MAX_TYPE_ARGS)
            while k >= limit:
                c = data[k]
                if c == ord(">") and data[k - 1] == ord("="):
                    pass  # `=>` in a function type is not a bracket
                elif c == ord(">"):
                    depth += 1
                elif c == ord("<"):
                    depth -= 1
                    if depth == 0:
                        break
                elif c == ord("`"):
                    k = -1
                    break
                k -= 1
            if k >= limit and k > 0 and depth == 0:
                b = k - 1
                while b >= 0 and data[b] in b" \t":
                    b -= 1
                if b >= 0 and _IDENT_TAIL.match(bytes(data[b:b + 1])):
                    _blank(data, k, j + 1)
                    changed += 1
    return changed


def _import_types(data: bytearray) -> int:
    """``import("./x").Env`` -> ``_____________.Env``: an identifier of the same length takes the import's place."""
    raw = bytes(data)
    spans = [(m.start(), m.end()) for m in _IMPORT_TYPE.finditer(raw)]
    spans += [(m.start(1), m.end(1)) for m in _TYPEOF_IMPORT.finditer(raw)]
    for start, end in spans:
        _blank(data, start, end, fill=ord("_"))
    return len(spans)


def _newer_syntax(data: bytearray) -> int:
    """TypeScript 5.x forms the grammar predates: ``export type * from``, and ``using`` as a plain name."""
    raw = bytes(data)
    n = 0
    for m in _EXPORT_TYPE_STAR.finditer(raw):
        _blank(data, m.start(1), m.end(1))
        n += 1
    for m in _USING_NAME.finditer(raw):
        data[m.end() - 1] = ord("_")  # `using` -> `usin_`: an ordinary identifier of the same length
        n += 1
    return n


def _jsx_ampersands(data: bytearray, errors: list[tuple[int, int]]) -> int:
    """A lone ``&`` on a line where tree-sitter failed becomes a space (JSX text and attribute strings only)."""
    changed = 0
    for start, end in errors[:MAX_SPANS]:
        # the line around the error, at most a few hundred bytes either side (minified files are one long line)
        line_start = max(data.rfind(b"\n", 0, start) + 1, start - 300)
        line_end = data.find(b"\n", end)
        line_end = min(len(data) if line_end == -1 else line_end, end + 300)
        for i in range(max(line_start, 1), line_end):
            if data[i] == ord("&") and data[i - 1:i] != b"&" and data[i + 1:i + 2] not in (b"&", b"="):
                data[i] = 0x20
                changed += 1
    return changed


def error_spans(root: ts.Node, budget: int = 200_000) -> list[tuple[int, int]]:
    """Byte spans of ERROR and MISSING nodes (bounded: stop looking after ``budget`` nodes)."""
    out: list[tuple[int, int]] = []
    stack = [root]
    while stack and budget:
        budget -= 1
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            out.append((n.start_byte, n.end_byte))
            continue
        if n.has_error:
            stack.extend(n.children)
    return out


TAGGED_TEMPLATE = "a tagged template with type arguments (sql<Row>`...`)"
IMPORT_TYPE = 'an import type used as a qualified type (import("./x").T)'
JSX_AMPERSAND = "a bare `&` in JSX text"
NEWER_SYNTAX = "TypeScript 5 syntax (`export type *`, `using` as a name)"
KNOWN_GAPS = (TAGGED_TEMPLATE, IMPORT_TYPE, JSX_AMPERSAND, NEWER_SYNTAX)
_TEMPLATE_QUERIES: dict[int, ts.Query] = {}


def _template_starts(tree: ts.Tree) -> list[int]:
    lang = tree.language
    q = _TEMPLATE_QUERIES.get(id(lang))
    if q is None:
        q = _TEMPLATE_QUERIES[id(lang)] = ts.Query(lang, "(template_string) @t")
    return sorted(n.start_byte for n in ts.QueryCursor(q).captures(tree.root_node).get("t", []))


def recover(data: bytes, parse: Callable[[bytes], ts.Tree], tree: ts.Tree) -> tuple[bytes, ts.Tree, list[str]]:
    """Try each rewrite on a tree with errors; keep those that lower the error count. Returns the (possibly
    rewritten) bytes, its tree, and the names of the constructs that were recovered."""
    recovered: list[str] = []
    if len(data) > MAX_RECOVER_BYTES:
        return data, tree, recovered
    spans = error_spans(tree.root_node)
    for name in KNOWN_GAPS:
        # `sql<Row>`...`` on one line parses without error as `(sql < Row) > `...``: a comparison no one writes.
        # TypeScript reads a tagged template, and rules must see one, so that rewrite runs even on clean trees.
        if not spans and not (name == TAGGED_TEMPLATE and b">`" in data):
            continue
        candidate = bytearray(data)
        if name == TAGGED_TEMPLATE:
            changed = _tagged_template_type_args(candidate, _template_starts(tree))
        elif name == IMPORT_TYPE:
            changed = _import_types(candidate)
        elif name == NEWER_SYNTAX:
            changed = _newer_syntax(candidate)
        else:
            changed = _jsx_ampersands(candidate, spans)
        if not changed:
            continue
        new_tree = parse(bytes(candidate))
        new_spans = error_spans(new_tree.root_node)
        if len(new_spans) < len(spans) or not new_tree.root_node.has_error or (not spans and not new_spans):
            data, tree, spans = bytes(candidate), new_tree, new_spans
            recovered.append(name)
    return data, tree, recovered
