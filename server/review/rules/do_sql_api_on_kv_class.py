"""do-sql-api-on-kv-class: SQLite-only APIs in a class the config created as KV-backed."""

from __future__ import annotations

from ..context import DOClass, ReviewContext
from ..rule import Rule

SQLITE_ONLY_METHODS = {"transactionSync", "getCurrentBookmark", "getBookmarkForTime", "onNextSessionRestoreBookmark"}


def sqlite_only_use(ctx: ReviewContext, cls: DOClass):
    """First node in the class that touches storage.sql, storage.kv or a SQLite-only method, else None."""
    src = cls.src
    for n in src.nodes("member_expression", cls.node):
        prop = src.text_of(n.child_by_field_name("property"))
        if prop in ("sql", "kv") and ctx.kind(src, n) in ("sql", "kv"):
            return n
        if prop in SQLITE_ONLY_METHODS and ctx.kind(src, n.child_by_field_name("object")) == "storage":
            return n
    return None


def check(ctx: ReviewContext):
    for cfg in ctx.configs:
        kv_classes = {name for name, backend in cfg.created_classes().items() if backend == "kv"}
        for cls in ctx.do_classes:
            if cls.name not in kv_classes or ctx.config_for(cls.src) not in (cfg, None):
                continue
            node = sqlite_only_use(ctx, cls)
            if node is not None:
                yield ctx.hit(cls.src, node, f"`{cls.name}` is KV-backed (created with `new_classes` in "
                              f"{cfg.path}), so `{cls.src.text_of(node)}` throws: the class is not backed by SQLite.")


RULE = Rule(
    id="do-sql-api-on-kv-class",
    severity="error",
    summary="SQL, synchronous KV or PITR APIs used in a class created as KV-backed (`new_classes`).",
    why="Only SQLite-backed classes have `ctx.storage.sql`, `ctx.storage.kv`, transactionSync() and the PITR "
        "bookmark APIs. A class created with `new_classes` (or exports storage `legacy-kv`) is KV-backed: these "
        "calls throw at run time, and the backend cannot be changed in place after deploy.",
    bad='import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject {\n'
        '  get() {\n    return this.ctx.storage.sql.exec("SELECT 1 AS one").one().one;\n  }\n}',
    good='import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject {\n'
         '  async get() {\n    return (await this.ctx.storage.get<number>("n")) ?? 0;\n  }\n}',
    fix="If the class was never deployed, create it with `new_sqlite_classes` (or exports `storage: \"sqlite\"`). If "
        "it was, keep to the async KV API, or create a new SQLite-backed class and migrate the data.",
    docs=("errors#sql-api-on-a-kv-backed-class", "sqlite-storage#which-storage-apis-a-sqlite-backed-class-has", "lifecycle-and-config#kv-backed-vs-sqlite-backed-classes"),
    check=check,
    example_files={"wrangler.jsonc": '{\n  "name": "counter",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
                   '  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },\n'
                   '  "migrations": [{ "tag": "v1", "new_classes": ["Counter"] }]\n}\n'},
)
