"""Mutation operators for fixes_wild.py: inject, mechanically, the patterns the review's fixes repair into real
Durable Object code that type-checks, so the fixes can be judged on real code that has something to fix.

Each operator is the inverse of one fix and rewrites every site it finds in one file:

- ``strip-if-not-exists`` (inverse of do-sql-create-not-idempotent's fix): ``IF NOT EXISTS`` removed from the
  CREATE statements of a ``sql.exec`` literal;
- ``bindings-to-array`` (do-sql-bindings-array): ``exec(q, a, b)`` -> ``exec(q, [a, b])``;
- ``transaction-to-begin`` (do-sql-transaction-stmt): ``S.transactionSync(() => { ... });`` as a statement, its
  callback plain statements and ifs -> ``S.sql.exec("BEGIN"); ...; S.sql.exec("COMMIT");``;
- ``unexport-class`` (do-class-not-exported): ``export`` dropped before a bound class in the main module, when no
  other file imports it;
- ``drop-await`` (do-unawaited-rpc, an unsafe fix): ``await stub.m(...);`` -> ``stub.m(...);`` for a statement on
  a const assigned from ``get``/``getByName``.

A mutant is only kept when tsc still accepts it (the caller checks), so every mutation is valid code.
tests/review/test_review_fix_mutations.py checks that mutating the fix cases' fixed code and fixing it again gives
that code back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.review.parse import SourceFile, call_args, member_name, receiver

_INE = re.compile(r"\bif\s+not\s+exists\s+", re.I)
_STUB_CONST = re.compile(r"\bconst\s+(\w+)\s*=\s*[^;\n]*\.(?:get|getByName)\(")

OPERATORS = ("strip-if-not-exists", "bindings-to-array", "transaction-to-begin", "unexport-class", "drop-await")
SAFE_RULE = {"strip-if-not-exists": "do-sql-create-not-idempotent", "bindings-to-array": "do-sql-bindings-array",
             "transaction-to-begin": "do-sql-transaction-stmt", "unexport-class": "do-class-not-exported",
             "drop-await": "do-unawaited-rpc"}


@dataclass(frozen=True)
class Site:
    operator: str
    start: int  # byte range in the file
    end: int
    text: str


def _sql_exec_calls(src: SourceFile):
    for call in src.calls():
        if member_name(src, call) == "exec":
            rec = receiver(call)
            if rec is not None and src.text_of(rec).endswith("sql"):
                yield call


def strip_if_not_exists(src: SourceFile) -> list[Site]:
    out = []
    for call in _sql_exec_calls(src):
        args = call_args(call)
        if not args or args[0].type not in ("string", "template_string"):
            continue
        lit = src.text_of(args[0])
        new = _INE.sub("", lit)
        if new != lit and "create" in lit.lower():
            out.append(Site("strip-if-not-exists", args[0].start_byte, args[0].end_byte, new))
    return out


def bindings_to_array(src: SourceFile) -> list[Site]:
    out = []
    for call in _sql_exec_calls(src):
        args = call_args(call)
        if len(args) < 2 or any(a.type in ("spread_element", "comment") for a in args[1:]):
            continue
        inner = src.data[args[1].start_byte:args[-1].end_byte].decode("utf-8", "replace")
        out.append(Site("bindings-to-array", args[1].start_byte, args[-1].end_byte, f"[{inner}]"))
    return out


def transaction_to_begin(src: SourceFile) -> list[Site]:
    out = []
    for call in src.calls():
        if member_name(src, call) != "transactionSync" or call.parent is None or call.parent.type != "expression_statement":
            continue
        storage = receiver(call)
        args = call_args(call)
        if storage is None or len(args) != 1 or args[0].type != "arrow_function":
            continue
        body = args[0].child_by_field_name("body")
        stmts = [c for c in body.named_children] if body is not None and body.type == "statement_block" else []
        if not stmts or any(s.type not in ("expression_statement", "if_statement") for s in stmts):
            continue
        stmt = call.parent
        line_start = src.data.rfind(b"\n", 0, stmt.start_byte) + 1
        indent = src.data[line_start:stmt.start_byte].decode()
        if indent.strip():
            continue
        s = src.text_of(storage)
        lines = [f'{s}.sql.exec("BEGIN");']
        lines += [src.text_of(x).replace("\n  ", "\n") for x in stmts]
        lines.append(f'{s}.sql.exec("COMMIT");')
        out.append(Site("transaction-to-begin", stmt.start_byte, stmt.end_byte, ("\n" + indent).join(lines)))
    return out


def unexport_class(src: SourceFile, bound: set[str], imported_elsewhere: set[str]) -> list[Site]:
    out = []
    for stmt in src.root.named_children:
        decl = stmt.child_by_field_name("declaration") if stmt.type == "export_statement" else None
        if decl is None or decl.type != "class_declaration" or src.text_of(stmt).startswith("export default"):
            continue
        name = src.text_of(decl.child_by_field_name("name"))
        if name in bound and name not in imported_elsewhere:
            out.append(Site("unexport-class", stmt.start_byte, decl.start_byte, ""))
    return out


def drop_await(src: SourceFile) -> list[Site]:
    stubs = set(_STUB_CONST.findall(src.text))
    out = []
    for node in src.nodes("await_expression"):
        if node.parent is None or node.parent.type != "expression_statement" or not node.named_children:
            continue
        call = node.named_children[0]
        rec = receiver(call) if call.type == "call_expression" else None
        if rec is not None and rec.type == "identifier" and src.text_of(rec) in stubs:
            out.append(Site("drop-await", node.start_byte, call.start_byte, ""))
    return out


def mutate(src: SourceFile, bound: set[str], imported_elsewhere: set[str], is_main: bool) -> tuple[str, list[Site]]:
    """The file with every site of every operator rewritten (overlapping sites: the first wins), and the sites."""
    sites = strip_if_not_exists(src) + bindings_to_array(src) + transaction_to_begin(src) + drop_await(src)
    if is_main:
        sites += unexport_class(src, bound, imported_elsewhere)
    sites.sort(key=lambda s: (s.start, s.end))
    kept: list[Site] = []
    for s in sites:
        if kept and s.start < kept[-1].end:
            continue
        kept.append(s)
    data = src.data
    for s in reversed(kept):
        data = data[:s.start] + s.text.encode() + data[s.end:]
    return data.decode("utf-8", "replace"), kept
