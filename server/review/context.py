"""The shared, parsed view of one review: sources, configs, Durable Object classes and storage provenance.

Rules ask this context questions ("is this expression the SQL API?", "which classes are DOs?") instead of
matching identifier names, because name-only matching is the main false-positive source of other DO linters
(flarelint, regex hooks): an R2 ``put`` or a ``RegExp.exec`` must never look like a storage call.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import tree_sitter as ts

from .analysis.classes import classify_classes
from .analysis.testcode import is_test_path
from .config import ParsedConfig
from .parse import (SourceFile, call_args, callee, enclosing_class, member_name, receiver, string_value)

# Expressions that are the DurableObjectState itself, before aliases are added.
_STATE_RE = re.compile(r"^(this\.)?(ctx|state|_ctx|_state|durableObjectState|doState)$")
_STATE_TYPES = ("DurableObjectState",)
_STORAGE_TYPES = ("DurableObjectStorage",)
_SQL_TYPES = ("SqlStorage",)

# Compatibility dates (see references: lifecycle-and-config, websockets, sqlite-storage).
RPC_DATE = "2024-04-03"
DELETE_ALL_ALARM_DATE = "2026-02-24"
WS_AUTO_CLOSE_DATE = "2026-04-07"

# Helpers from the ecosystem that return a DO stub: agents, partyserver, @cloudflare/actors.
STUB_HELPERS = frozenset({"getAgentByName", "getServerByName", "getActor"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def valid_date(d: str | None) -> bool:
    if not d or not _DATE_RE.match(d):
        return False
    try:
        date.fromisoformat(d)
        return True
    except ValueError:
        return False


@dataclass
class Hit:
    """What a rule reports; the engine adds the rule's id, severity, fix and docs."""

    path: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0
    message: str = ""
    confidence: str = ""  # "" = the rule's default confidence
    edits: tuple = ()  # models.TextEdit values that fix it, only where the fix is mechanical
    fix_safety: str = ""  # "safe" | "unsafe" when there are edits


@dataclass
class DOClass:
    src: SourceFile
    node: ts.Node
    name: str
    extends: str  # text of the extends clause value ("DurableObject", "Base", "")
    implements_do: bool
    methods: dict[str, ts.Node] = field(default_factory=dict)
    kind: str = "DurableObject"  # "DurableObject" | "framework" (ecosystem or local DO base) | "legacy"

    @property
    def extends_do(self) -> bool:
        """Extends DurableObject itself (also under an import alias)."""
        return self.kind == "DurableObject" or self.extends.split("<")[0] == "DurableObject"

    @property
    def body(self) -> ts.Node:
        return self.node.child_by_field_name("body") or self.node


class ReviewContext:
    def __init__(self, sources: list[SourceFile], configs: list[ParsedConfig],
                 compatibility_date: str | None = None) -> None:
        self.sources = sources
        self.configs = [c for c in configs if c.error is None]
        self.all_configs = configs
        self.compatibility_date = compatibility_date
        self._aliases: dict[str, dict[str, str]] = {}
        self._consts: dict[str, dict[str, list]] = {}
        self._calls: dict[tuple[str, int], tuple[str, str] | None] = {}
        self._by_name: dict[str, dict[str, list[ts.Node]]] = {}
        self._by_name_starts: dict[str, dict[str, list[int]]] = {}
        self._kinds: dict[tuple[str, str], str | None] = {}
        self._kinds_frozen: dict[str, bool] = {}
        self._sql_texts: dict[tuple[str, int], str | None] = {}

    # -- positions ---------------------------------------------------------------------------------------------
    @staticmethod
    def hit(src: SourceFile, node: ts.Node, message: str, confidence: str = "", edits: tuple = (),
            fix_safety: str = "") -> Hit:
        line, col, end_line, end_col = src.span(node)
        return Hit(src.path, line, col, end_line, end_col, message, confidence, tuple(edits),
                   fix_safety if edits else "")

    @staticmethod
    def config_hit(cfg: ParsedConfig, line: int, message: str, needle: str | None = None) -> Hit:
        text = cfg.lines[line - 1] if 0 < line <= len(cfg.lines) else ""
        col = text.find(f'"{needle}"') + 1 if needle and f'"{needle}"' in text else len(text) - len(text.lstrip()) + 1
        end = col + len(needle) + 2 if needle and f'"{needle}"' in text else len(text) + 1
        return Hit(cfg.path, line, max(col, 1), line, max(end, col), message)

    # -- configs and dates ---------------------------------------------------------------------------------------
    def config_for(self, src: SourceFile) -> ParsedConfig | None:
        """The nearest config in an ancestor folder of the file; the only config when there is exactly one."""
        d = posixpath.dirname(src.path.replace("\\", "/"))
        best: ParsedConfig | None = None
        for cfg in self.configs:
            cd = cfg.dir
            if cd == "" or d == cd or d.startswith(cd + "/"):
                if best is None or len(cd) > len(best.dir):
                    best = cfg
        if best is None and len(self.configs) == 1:
            best = self.configs[0]
        return best

    def sources_for(self, cfg: ParsedConfig) -> list[SourceFile]:
        return [s for s in self.sources if self.config_for(s) is cfg]

    def compat(self, src: SourceFile | None = None, cfg: ParsedConfig | None = None) -> tuple[str | None, set[str]]:
        """``(compatibility_date, flags)``. The tool argument wins over the config: it is the explicit answer to
        "judge this code as of which date"; the config is the fallback. Unknown date -> None."""
        if cfg is None and src is not None:
            cfg = self.config_for(src)
        flags = set(cfg.model.compatibility_flags) if cfg else set()
        d = self.compatibility_date or (cfg.model.compatibility_date if cfg else None)
        return (d if valid_date(d) else None), flags

    def before(self, cutoff: str, flag: str, src: SourceFile | None = None, cfg: ParsedConfig | None = None) -> bool:
        """True only when the date is known, earlier than ``cutoff`` and ``flag`` is not set: unknown dates are
        judged as current, because new code is written against a current date."""
        d, flags = self.compat(src, cfg)
        return d is not None and d < cutoff and flag not in flags

    # -- Durable Object classes ----------------------------------------------------------------------------------
    @cached_property
    def bound_class_names(self) -> set[str]:
        return {b.class_name for cfg in self.configs for _, b in cfg.all_bindings() if b.class_name and not b.script_name}

    @cached_property
    def do_classes(self) -> list[DOClass]:
        """DO classes as the analysis layer classifies them (see analysis/classes.py): helper classes that merely
        take a DurableObjectState are not among them."""
        have_configs = any(True for cfg in self.configs for _ in cfg.all_bindings())
        return [DOClass(src, node, name, extends, implements, methods, kind)
                for src, node, name, extends, implements, methods, kind
                in classify_classes(self.sources, self.bound_class_names, have_configs)]

    @cached_property
    def analysis(self) -> "Analysis":
        """The shared flow facts (test code, call graph, branches, taint); built on first use."""
        from .analysis import Analysis

        return Analysis(self)

    def is_test(self, src: SourceFile) -> bool:
        return self.analysis.tests.source(src)

    def do_class_of(self, src: SourceFile, node: ts.Node) -> DOClass | None:
        cls = enclosing_class(node)
        if cls is None:
            return None
        for c in self.do_classes:
            if c.node == cls and c.src is src:
                return c
        return None

    def do_classes_in(self, src: SourceFile) -> list[DOClass]:
        return [c for c in self.do_classes if c.src is src]

    def classes_named(self, name: str) -> list[DOClass]:
        return [c for c in self.do_classes if c.name == name]

    # -- storage provenance -------------------------------------------------------------------------------------
    def aliases(self, src: SourceFile) -> dict[str, str]:
        """Normalised expression -> "state" | "storage" | "sql" | "kv" for names that hold those objects."""
        if src.path in self._aliases:
            return self._aliases[src.path]
        al: dict[str, str] = {}
        self._aliases[src.path] = al
        for t in ("public_field_definition", "variable_declarator"):
            for n in src.nodes(t):
                ann = n.child_by_field_name("type")
                if ann is not None:
                    kind = _kind_from_type(src.text_of(ann))
                    name = n.child_by_field_name("name")
                    if kind and name is not None:
                        prefix = "this." if t == "public_field_definition" else ""
                        al[prefix + src.ntext(name)] = kind
        for n in _param_nodes(src):
            ann = n.child_by_field_name("type")
            name = n.child_by_field_name("pattern")
            if ann is not None and name is not None and name.type == "identifier":
                kind = _kind_from_type(src.text_of(ann))
                if kind:
                    al[src.ntext(name)] = kind
        for _ in range(3):  # aliases of aliases (const s = this.ctx.storage; const sql = s.sql)
            before = dict(al)
            for n in src.nodes("variable_declarator"):
                name, value = n.child_by_field_name("name"), n.child_by_field_name("value")
                if name is None or value is None:
                    continue
                kind = self.kind(src, value)
                if name.type == "identifier" and kind:
                    al[src.ntext(name)] = kind
                elif name.type == "object_pattern":
                    base = self.kind(src, value)
                    for p in name.named_children:
                        if p.type == "pair_pattern":
                            key, target = src.ntext(p.child_by_field_name("key")), p.child_by_field_name("value")
                        else:  # shorthand_property_identifier_pattern: `const { storage } = this.ctx`
                            key, target = src.ntext(p), p
                        sub = _member_kind(base, key)
                        if sub and target is not None:
                            al[src.ntext(target)] = sub
            for n in src.nodes("assignment_expression") + src.nodes("public_field_definition"):
                left = n.child_by_field_name("left") or n.child_by_field_name("name")
                right = n.child_by_field_name("right") or n.child_by_field_name("value")
                if left is None or right is None:
                    continue
                kind = self.kind(src, right)
                if kind:
                    lt = src.ntext(left)
                    al[("this." + lt) if n.type == "public_field_definition" and not lt.startswith("this.") else lt] = kind
            if al == before:
                break  # a fixed point: another pass would find nothing new
        self._kinds_frozen[src.path] = True  # aliases are final: kinds of expressions can be cached from now on
        return al

    def kind(self, src: SourceFile, node: ts.Node | None) -> str | None:
        """Which DO object an expression evaluates to: "state", "storage", "sql", "kv", or None."""
        while node is not None and node.type in ("parenthesized_expression", "non_null_expression",
                                                 "as_expression") and node.named_children:
            node = node.named_children[0]  # a loop, not recursion: `((((x))))` can be thousands deep
        if node is None:
            return None
        return self.kind_of_text(src, src.ntext(node))

    def kind_of_text(self, src: SourceFile, t: str) -> str | None:
        al = self._aliases.get(src.path)
        if al is None:
            al = self.aliases(src)
        key = (src.path, t)
        if key in self._kinds and self._kinds_frozen.get(src.path):
            return self._kinds[key]
        out = self._kind_of_text(src, t, al)
        if self._kinds_frozen.get(src.path):
            self._kinds[key] = out
        return out

    def _kind_of_text(self, src: SourceFile, t: str, al: dict[str, str]) -> str | None:
        """Walk a member chain left to right (iteratively: generated code can chain thousands of members)."""
        if t in al:
            return al[t]
        if len(t) > 2000:
            return None  # no storage expression is this long
        parts = t.split(".")
        prefix = parts[0]
        kind = al.get(prefix) or ("state" if _STATE_RE.match(prefix) else None)
        for i, prop in enumerate(parts[1:], 1):
            prefix = prefix + "." + prop
            if prefix in al:
                kind = al[prefix]
            elif _STATE_RE.match(prefix):
                kind = "state"
            else:
                kind = _member_kind(kind, prop)
            if kind is None and i < len(parts) - 1 and not any(k.startswith(prefix + ".") for k in al):
                return None
        return kind

    def storage_call(self, src: SourceFile, call: ts.Node) -> tuple[str, str] | None:
        """``(receiver kind, method)`` when ``call`` is a method of state/storage/sql/kv, e.g. ("sql", "exec")."""
        key = (src.path, call.id)
        if key in self._calls:
            return self._calls[key]
        rec = receiver(call)
        kind = self.kind(src, rec) if rec is not None else None
        out = (kind, member_name(src, call)) if kind else None
        self._calls[key] = out
        return out

    def calls_named(self, src: SourceFile, *names: str, within: ts.Node | None = None) -> list[ts.Node]:
        """Calls whose method (or bare function) name is one of ``names``, in source order. Indexed once per file,
        so rules looking for `exec` or `setAlarm` do not each walk every call of a large file."""
        index = self._by_name.get(src.path)
        if index is None:
            index = {}
            for c in src.calls():
                index.setdefault(member_name(src, c), []).append(c)
            self._by_name[src.path] = index
            self._by_name_starts[src.path] = {k: [c.start_byte for c in v] for k, v in index.items()}
        starts = self._by_name_starts[src.path]
        out: list[ts.Node] = []
        for n in names:
            calls = index.get(n, ())
            if within is None:
                out.extend(calls)
            elif calls:
                lo = bisect.bisect_left(starts[n], within.start_byte)
                hi = bisect.bisect_left(starts[n], within.end_byte)
                out.extend(c for c in calls[lo:hi] if c.end_byte <= within.end_byte)
        if len(names) > 1:
            out.sort(key=lambda c: c.start_byte)
        return out

    def sql_execs(self, src: SourceFile, within: ts.Node | None = None) -> list[ts.Node]:
        return [c for c in self.calls_named(src, "exec", within=within) if self.storage_call(src, c) == ("sql", "exec")]

    def sql_text(self, src: SourceFile, call: ts.Node) -> str | None:
        """Statically known SQL text of an exec call (literal, or a const initialised with one), else None."""
        key = (src.path, call.id)
        if key in self._sql_texts:  # several rules ask for the same call's SQL
            return self._sql_texts[key]
        args = call_args(call)
        out = self.resolve_string(src, args[0]) if args else None
        self._sql_texts[key] = out
        return out

    def resolve_string(self, src: SourceFile, node: ts.Node) -> str | None:
        v = string_value(src, node)
        if v is not None or node.type != "identifier":
            return v
        decl = self.const_init(src, src.text_of(node), node)
        return string_value(src, decl) if decl is not None else None

    def const_init(self, src: SourceFile, name: str, at: ts.Node | None = None) -> ts.Node | None:
        """Initializer of the nearest preceding ``const name = ...`` in the file (a cheap, scope-blind lookup).
        Indexed once per file: rules call this for every identifier they resolve, so a scan would be quadratic."""
        index = self._consts.get(src.path)
        if index is None:
            index = {}
            for n in src.nodes("variable_declarator"):
                nm = n.child_by_field_name("name")
                parent = n.parent
                if (nm is not None and nm.type == "identifier" and parent is not None
                        and parent.type == "lexical_declaration" and src.text_of(parent).startswith("const")):
                    index.setdefault(src.text_of(nm), []).append((n.start_byte, n.child_by_field_name("value")))
            self._consts[src.path] = index
        entries = index.get(name)
        if not entries:
            return None
        if at is None:
            return entries[-1][1]
        before = [v for start, v in entries if start < at.start_byte]
        return before[-1] if before else entries[0][1]

    # -- stubs --------------------------------------------------------------------------------------------------
    def is_namespace_expr(self, src: SourceFile, node: ts.Node | None) -> bool:
        """``env.ROOMS``, ``this.env.ROOMS``, ``c.env.ROOMS``: a binding on an env object."""
        if node is None or node.type != "member_expression":
            return False
        obj = src.ntext(node.child_by_field_name("object"))
        return obj == "env" or obj.endswith(".env") or obj == "this.env" or obj.endswith("exports")

    def is_stub_expr(self, src: SourceFile, node: ts.Node | None) -> bool:
        """A stub: ``ns.get(id)``/``ns.getByName(n)`` on a namespace, ``getAgentByName(ns, n)`` (and the other
        STUB_HELPERS), or a const initialised with one."""
        while node is not None and node.type in ("parenthesized_expression", "await_expression",
                                                 "non_null_expression") and node.named_children:
            node = node.named_children[-1]
        if node is None:
            return False
        if node.type == "call_expression":
            name = member_name(src, node)
            if name in STUB_HELPERS and receiver(node) is None:  # getAgentByName(env.AGENT, "name") and friends
                return True
            return name in ("get", "getByName") and self.is_namespace_expr(src, receiver(node))
        if node.type == "identifier":
            init = self.const_init(src, src.text_of(node), node)
            return init is not None and init.type != "identifier" and self.is_stub_expr(src, init)
        return False


def _param_nodes(src: SourceFile) -> list[ts.Node]:
    out = []
    for fn_type in ("method_definition", "function_declaration", "arrow_function", "function_expression"):
        for fn in src.nodes(fn_type):
            params = fn.child_by_field_name("parameters")
            if params is not None:
                out.extend(p for p in params.named_children if p.type in ("required_parameter", "optional_parameter"))
    return out


def _kind_from_type(t: str) -> str | None:
    t = t.lstrip(":").strip()
    if t.startswith(_STATE_TYPES):
        return "state"
    if t.startswith(_STORAGE_TYPES):
        return "storage"
    if t.startswith(_SQL_TYPES):
        return "sql"
    return None


def _member_kind(base: str | None, prop: str) -> str | None:
    if base == "state" and prop == "storage":
        return "storage"
    if base == "storage" and prop == "sql":
        return "sql"
    if base == "storage" and prop == "kv":
        return "kv"
    return None


__all__ = ["ReviewContext", "DOClass", "Hit", "valid_date", "is_test_path", "RPC_DATE", "DELETE_ALL_ALARM_DATE", "WS_AUTO_CLOSE_DATE",
           "callee"]
