"""do-binding-without-migration: a bound class that no migration or exports entry creates."""

from __future__ import annotations

from dataclasses import replace

from ..configfix import declare_class
from ..context import ReviewContext
from ..rule import Rule


def check(ctx: ReviewContext):
    for cfg in ctx.configs:
        if ctx.analysis.tests.config(cfg):
            continue  # a test-harness config (vitest pool): it is never deployed, and binds facet classes on purpose
        for env, b in cfg.all_bindings():
            if b.script_name or not b.class_name or b.class_name in cfg.created_classes(env):
                continue
            how = "an `exports` entry" if cfg.model.exports else "a migration (`new_sqlite_classes`) or an `exports` entry"
            hit = ctx.config_hit(cfg, cfg.binding_line(b.class_name, env),
                                 f"`{b.class_name}` is bound{' in env ' + env if env else ''} but never created: add {how}.",
                                 b.class_name)
            # unsafe: the edit picks SQLite storage, which is fixed for good at the first deploy, and a new tag;
            # a class the deployed Worker already has (created by a step since removed) needs a person to decide
            edits = declare_class(cfg, b.class_name, env)
            yield replace(hit, edits=edits, fix_safety="unsafe" if edits else "")


RULE = Rule(
    id="do-binding-without-migration",
    severity="error",
    summary="A Durable Object binding's class is not created by any migration or exports entry.",
    why="Binding a class does not create its namespace. Wrangler creates it from a `migrations` entry "
        "(`new_sqlite_classes`) or, since 2026-06, a declarative `exports` entry. Without one, deploy fails (or the "
        "class is never provisioned) and every call to the binding errors. Configs used only by tests (in a test "
        "folder, or named by a Cloudflare vitest config from another folder) are skipped: they are never deployed.",
    bad='{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
        '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] }\n}',
    good='{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
         '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },\n'
         '  "exports": { "Counter": { "type": "durable-object", "storage": "sqlite" } }\n}',
    fix="Declare the class: `\"exports\": {\"Counter\": {\"type\": \"durable-object\", \"storage\": \"sqlite\"}}`, or in a "
        "project on migrations add `{\"tag\": \"vN\", \"new_sqlite_classes\": [\"Counter\"]}`. The offered edit "
        "(unsafe) adds a `new_sqlite_classes` step in a project on migrations, else an `exports` entry: check that this is a new class (a class "
        "the deployed Worker already has keeps its storage) and that SQLite is the backend you want, since it cannot "
        "change after the first deploy.",
    docs=("lifecycle-and-config#declaring-classes-exports-or-migrations", "lifecycle-and-config#create-a-class-with-exports", "lifecycle-and-config#migration-directives"),
    check=check,
    fixable=True,
    example_path="wrangler.jsonc",
    example_files={"src/index.ts": 'import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject {}\n\n'
                   'export default { async fetch() { return new Response("ok"); } };\n'},
)
