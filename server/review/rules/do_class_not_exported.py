"""do-class-not-exported: a bound class that the Worker's main module does not export."""

from __future__ import annotations

import posixpath
from dataclasses import replace

from ..context import ReviewContext
from ..fixes import edit_bytes
from ..parse import SourceFile
from ..rule import Rule

_EXTS = ("", ".ts", ".tsx", ".mts", ".js", ".mjs", "/index.ts", "/index.js")


def exported_names(ctx: ReviewContext, src: SourceFile, depth: int = 0) -> set[str] | None:
    """Named exports of a module, following `export * from` into reviewed files; None when one cannot be followed."""
    names: set[str] = set()
    by_path = {posixpath.normpath(s.path): s for s in ctx.sources}
    for stmt in src.nodes("export_statement"):
        if stmt.parent is not None and stmt.parent.type != "program":
            continue
        text = src.text_of(stmt)
        if text.startswith("export default"):
            continue
        decl = stmt.child_by_field_name("declaration")
        if decl is not None:
            nm = decl.child_by_field_name("name")
            if nm is not None:
                names.add(src.text_of(nm))
            for d in decl.named_children:
                if d.type == "variable_declarator" and d.child_by_field_name("name") is not None:
                    names.add(src.text_of(d.child_by_field_name("name")))
            continue
        clause = next((c for c in stmt.named_children if c.type == "export_clause"), None)
        if clause is not None:
            for spec in clause.named_children:
                if spec.type == "export_specifier":
                    alias = spec.child_by_field_name("alias") or spec.child_by_field_name("name")
                    names.add(src.text_of(alias))
            continue
        if text.replace(" ", "").startswith("export*from") or text.replace(" ", "").startswith("export*as"):
            if "* as" in text:
                continue
            source = stmt.child_by_field_name("source")
            target = src.text_of(source).strip("'\"`") if source is not None else ""
            base = posixpath.normpath(posixpath.join(posixpath.dirname(src.path), target))
            found = next((by_path[base + e] for e in _EXTS if base + e in by_path), None)
            if found is None and target.endswith(".js"):
                found = by_path.get(base[:-3] + ".ts")
            if found is None or depth > 5:
                return None
            sub = exported_names(ctx, found, depth + 1)
            if sub is None:
                return None
            names |= sub
    return names


def check(ctx: ReviewContext):
    by_path = {posixpath.normpath(s.path): s for s in ctx.sources}
    for cfg in ctx.configs:
        main = cfg.main_path
        if not main:
            continue
        src = by_path.get(main) or (by_path.get(main[:-3] + ".ts") if main.endswith(".js") else None)
        if src is None:
            continue  # the entry module was not part of this review: nothing to compare against
        names = exported_names(ctx, src)
        if names is None:
            continue
        for env, b in cfg.all_bindings():
            if b.script_name or not b.class_name or b.class_name in names:
                continue
            line = cfg.binding_line(b.class_name, env)
            hit = ctx.config_hit(cfg, line, f"`{b.class_name}` is bound{' in env ' + env if env else ''} but "
                                 f"{cfg.model.main} does not export it; wrangler refuses to deploy.", b.class_name)
            edits = _export_edit(ctx, src, b.class_name)
            yield replace(hit, edits=edits, fix_safety="safe" if edits else "")


def _export_edit(ctx: ReviewContext, main: SourceFile, name: str) -> tuple:
    """``export`` before the class when the main module declares it; else ``export { X } from "./file"`` at the
    end of the main module when another reviewed file exports it. Safe: the runtime and wrangler need the export,
    and exporting a class changes nothing else."""
    for node in main.root.named_children:
        nm = node.child_by_field_name("name") if node.type in ("class_declaration", "abstract_class_declaration") else None
        if nm is not None and main.text_of(nm) == name:
            return (edit_bytes(main, node.start_byte, node.start_byte, "export "),)
    for other in ctx.sources:
        if other is main or ctx.is_test(other):
            continue
        names = exported_names(ctx, other)
        if names and name in names:
            rel = posixpath.relpath(posixpath.splitext(other.path)[0], posixpath.dirname(main.path) or ".")
            rel = rel if rel.startswith(".") else "./" + rel
            end = len(main.data)
            lead = "" if main.data.endswith(b"\n") or not main.data else "\n"
            return (edit_bytes(main, end, end, f'{lead}export {{ {name} }} from "{rel}";\n'),)
    return ()


RULE = Rule(
    id="do-class-not-exported",
    severity="error",
    summary="A Durable Object class bound in wrangler config is not exported from the main module.",
    why="The runtime finds a Durable Object class by its named export from the Worker's entry module. If the class "
        "named in `durable_objects.bindings[].class_name` is not exported there (a common slip when changing "
        "`export default`), wrangler stops the build: the Worker depends on an object it does not export.",
    bad='import { DurableObject } from "cloudflare:workers";\n\nclass Counter extends DurableObject {}\n\n'
        'export default {\n  async fetch() {\n    return new Response("ok");\n  },\n};',
    good='import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject {}\n\n'
         'export default {\n  async fetch() {\n    return new Response("ok");\n  },\n};',
    fix="Export the class from the main module: `export class Counter extends DurableObject {}` or "
        "`export { Counter } from \"./counter\"`.",
    docs=("lifecycle-and-config#declaring-classes-exports-or-migrations", "workers"),
    check=check,
    fixable=True,
    example_files={"wrangler.jsonc": '{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
                   '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },\n'
                   '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]\n}\n'},
)
