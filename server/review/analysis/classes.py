"""Which classes are Durable Objects.

A class is a DO when it extends ``DurableObject``; extends a DO base from the ecosystem (``Agent`` and its
subclasses from ``agents``, ``Server`` from ``partyserver``, ``Actor`` from ``@cloudflare/actors``); extends a local
class that is a DO; is bound in a wrangler config; or has the legacy shape (``implements DurableObject``, or a
``(state: DurableObjectState, env)`` constructor plus a handler such as ``fetch()``, when no config says otherwise).
A helper class that merely takes a ``DurableObjectState`` is not a DO.
"""

from __future__ import annotations

import re

import tree_sitter as ts

from ..parse import SourceFile

# module (prefix) -> base class names it exports; a name ending in "Agent" from these modules is a DO base too
DO_BASE_MODULES: dict[str, frozenset[str]] = {
    "cloudflare:workers": frozenset({"DurableObject"}),
    "agents": frozenset({"Agent", "AIChatAgent", "McpAgent"}),
    "@cloudflare/ai-chat": frozenset({"AIChatAgent"}),
    "@cloudflare/think": frozenset({"Think"}),
    "@cloudflare/voice": frozenset(),
    "partyserver": frozenset({"Server"}),
    "partykit": frozenset({"Server"}),
    "@cloudflare/actors": frozenset({"Actor"}),
}
# Names distinctive enough to count without seeing the import (single-file reviews, snippets).
UNIMPORTED_BASES = frozenset({"DurableObject", "Agent", "AIChatAgent", "McpAgent"})
HANDLERS = ("fetch", "alarm", "webSocketMessage", "webSocketClose", "webSocketError")
_IMPORT_RE = re.compile(r"""import\s+(?:type\s+)?\{([^}]{0,2000})\}\s*from\s*["']([^"']{1,200})["']""")


def _imports(src: SourceFile) -> dict[str, str]:
    """Local name -> module for named imports (``import { Agent as A } from "agents"`` -> {"A": "agents"})."""
    out: dict[str, str] = {}
    for m in _IMPORT_RE.finditer(src.text):
        for part in m.group(1).split(","):
            bits = part.replace("type ", "").split(" as ")
            name = bits[0].strip()
            local = bits[-1].strip()
            if name:
                out[local] = m.group(2) + "\0" + name
    return out


def _module_base(module: str, name: str) -> bool:
    for prefix, names in DO_BASE_MODULES.items():
        if module == prefix or module.startswith(prefix + "/"):
            if name in names or (prefix != "cloudflare:workers" and name.endswith("Agent")):
                return True
    return False


def base_name(extends: str) -> str:
    """``Agent<Env, State>`` -> ``Agent``; ``mod.Base`` -> ``Base``."""
    return extends.split("<")[0].split(".")[-1].strip()


def classify_classes(sources: list[SourceFile], bound: set[str], have_configs: bool):
    """Yield ``(src, node, name, extends, implements_do, methods, kind)`` for every DO class; ``kind`` is
    "DurableObject" (extends it directly), "framework" (an ecosystem base or a local DO class) or "legacy"."""
    infos = []
    for src in sources:
        imports = None
        for node in src.classes:
            name = src.text_of(node.child_by_field_name("name"))
            extends, implements = "", False
            for ch in node.children:
                if ch.type == "class_heritage":
                    for clause in ch.named_children:
                        if clause.type == "extends_clause":
                            extends = src.ntext(clause.child_by_field_name("value"))
                        elif clause.type == "implements_clause":
                            implements = any(src.ntext(t).split("<")[0] == "DurableObject" for t in clause.named_children)
            methods: dict[str, ts.Node] = {}
            body = node.child_by_field_name("body")
            if body is not None:
                for m in body.named_children:
                    if m.type == "method_definition":
                        methods.setdefault(src.text_of(m.child_by_field_name("name")), m)
            base = base_name(extends)
            direct = False
            if base:
                if imports is None:
                    imports = _imports(src)
                origin = imports.get(base)
                if origin is not None:
                    module, original = origin.split("\0")
                    direct = _module_base(module, original)
                    if direct and original == "DurableObject":
                        base = "DurableObject"  # `import { DurableObject as DO }`: still the plain base
                else:
                    direct = base in UNIMPORTED_BASES
            infos.append([src, node, name, extends, implements, methods, base, direct])
    do_names = {i[2] for i in infos if i[7]}
    changed = True
    while changed:  # local subclasses of DO classes, to a fixpoint (class C extends B extends Agent)
        changed = False
        for i in infos:
            if not i[7] and i[6] and i[6] in do_names and i[6] != i[2]:
                i[7] = True
                do_names.add(i[2])
                changed = True
    for src, node, name, extends, implements, methods, base, direct in infos:
        if direct:
            kind = "DurableObject" if base == "DurableObject" else "framework"
        elif implements:
            kind = "legacy"
        elif name and name in bound:
            kind = "legacy" if not extends else "framework"
        elif not extends and _legacy_shape(src, methods) and not (have_configs and bound):
            kind = "legacy"
        else:
            continue
        yield src, node, name, extends, implements, methods, kind


def _legacy_shape(src: SourceFile, methods: dict[str, ts.Node]) -> bool:
    """``constructor(state: DurableObjectState, env)`` and a DO handler: an old-style DO, not a helper."""
    ctor = methods.get("constructor")
    if ctor is None or not any(h in methods for h in HANDLERS):
        return False
    params = ctor.child_by_field_name("parameters")
    ps = [p for p in params.named_children if p.type in ("required_parameter", "optional_parameter")] if params else []
    if not ps or "DurableObjectState" not in src.text_of(ps[0]) or "|" in src.text_of(ps[0]):
        return False  # `ctx: DurableObjectState | undefined` is a helper that may run without an object
    # the runtime passes (state, env): a second parameter that is something else (a parent object) marks a helper
    return len(ps) == 1 or "env" in src.text_of(ps[1]).lower()
