"""do-prefer-sqlite-backend: a class created with the legacy KV backend."""

from __future__ import annotations

from ..context import ReviewContext
from ..rule import Rule
from .do_sql_api_on_kv_class import sqlite_only_use


def check(ctx: ReviewContext):
    for cfg in ctx.configs:
        for mig in cfg.model.migrations:
            for cls in mig.new_classes:
                if any(sqlite_only_use(ctx, c) is not None for c in ctx.classes_named(cls)):
                    continue  # do-sql-api-on-kv-class reports the harder failure
                yield ctx.config_hit(cfg, cfg.find_line("new_classes", cls),
                                     f"`{cls}` is created with `new_classes` (legacy KV storage): no SQL, no PITR, "
                                     "smaller values. New classes should use `new_sqlite_classes`.", cls)


RULE = Rule(
    id="do-prefer-sqlite-backend",
    severity="warning",
    summary="Class created with `new_classes` (legacy KV backend) instead of SQLite.",
    why="`new_classes` creates a KV-backed Durable Object: no SQL API, no point-in-time recovery, no synchronous "
        "KV, and 128 KiB values. SQLite-backed objects are the recommended default (and the only kind on the Free "
        "plan). The backend cannot be changed after the first deploy.",
    bad='{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
        '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },\n'
        '  "migrations": [{ "tag": "v1", "new_classes": ["Counter"] }]\n}',
    good='{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
         '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },\n'
         '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]\n}',
    fix="For a class that was never deployed, use `new_sqlite_classes` (or exports `storage: \"sqlite\"`). A deployed "
        "KV-backed class cannot be converted; create a new SQLite class and move the data.",
    docs=("rules#prefer-the-sqlite-storage-backend", "lifecycle-and-config#kv-backed-vs-sqlite-backed-classes", "lifecycle-and-config#why-a-class-cannot-move-from-kv-backed-to-sqlite"),
    check=check,
    example_path="wrangler.jsonc",
    example_files={"src/index.ts": 'import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject {\n'
                   '  async get() {\n    return (await this.ctx.storage.get<number>("n")) ?? 0;\n  }\n}\n'},
)
