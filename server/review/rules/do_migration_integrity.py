"""do-migration-integrity: migrations that wrangler or the platform rejects, or that destroy data."""

from __future__ import annotations

from ..config import ParsedConfig
from ..context import ReviewContext
from ..rule import Rule


def _check_config(ctx: ReviewContext, cfg: ParsedConfig):
    migs = cfg.model.migrations
    do_exports = {k for k, v in cfg.model.exports.items() if not v.type or v.type == "durable-object"}
    if migs and do_exports:
        yield ctx.config_hit(cfg, cfg.find_line("exports"), "`exports` and `migrations` both declare Durable Object "
                             "classes; they are mutually exclusive. Keep one (exports is the current form).")
    live: set[str] = set()
    ever: set[str] = set()
    tags: set[str] = set()
    pos = cfg.find_pos("migrations")
    pos = max(pos, 0)
    for i, mig in enumerate(migs):
        if mig.tag:
            tag_pos = cfg.find_pos("tag", mig.tag, pos)
        else:  # no tag: anchor on the migration's first directive value after the previous migration
            first = next(((k, v) for k, v in _directives(mig)), None)
            tag_pos = cfg.find_pos(first[0], first[1], pos) if first else -1
        start = tag_pos if tag_pos >= 0 else pos
        line = cfg.text.count("\n", 0, start) + 1 if start > 0 else cfg.find_line("migrations")
        end = start
        for k, v in _directives(mig):
            p = cfg.find_pos(k, v, start)
            end = max(end, p)

        def at(key: str, value: str) -> int:
            return cfg.find_line(key, value, start)

        if not mig.tag:
            yield ctx.config_hit(cfg, line, f"migration #{i + 1} has no `tag`; every migration needs a unique tag.")
        elif mig.tag in tags:
            yield ctx.config_hit(cfg, line, f"migration tag `{mig.tag}` is used twice; tags must be unique and a used "
                                 "tag is never applied again.", mig.tag)
        tags.add(mig.tag or "")
        for key, names in (("new_sqlite_classes", mig.new_sqlite_classes), ("new_classes", mig.new_classes)):
            for c in names:
                if c in live:
                    yield ctx.config_hit(cfg, at(key, c), f"`{c}` already exists from an earlier migration; `{key}` "
                                         "on an existing class fails (storage backends cannot be converted).", c)
                live.add(c)
                ever.add(c)
        for r in mig.renamed_classes:
            if r.from_ not in live:
                yield ctx.config_hit(cfg, at("from", r.from_), f"renamed_classes renames `{r.from_}`, which no earlier "
                                     "migration created.", r.from_)
            if r.to in live:
                yield ctx.config_hit(cfg, at("to", r.to), f"renamed_classes targets `{r.to}`, which already exists.", r.to)
            live.discard(r.from_)
            live.add(r.to)
            ever.add(r.to)
        for t in mig.transferred_classes:
            if t.to in live:
                yield ctx.config_hit(cfg, at("to", t.to), f"transferred_classes targets `{t.to}`, which already exists.", t.to)
            live.add(t.to)
        for c in mig.deleted_classes:
            if c not in live:
                yield ctx.config_hit(cfg, at("deleted_classes", c), f"deleted_classes deletes `{c}`, which no earlier "
                                     "migration created.", c)
            live.discard(c)
        pos = end + 1
    if migs:
        bound = {b.class_name for _, b in cfg.all_bindings() if not b.script_name}
        for mig in migs:
            for c in mig.deleted_classes:
                if c in bound and c not in live:
                    yield ctx.config_hit(cfg, cfg.find_line("deleted_classes", c), f"`{c}` is deleted (with all its "
                                         "data) but still bound; remove the binding first, or drop the delete.", c)


def _directives(mig):
    for k in ("new_sqlite_classes", "new_classes", "deleted_classes"):
        for v in getattr(mig, k):
            yield k, v
    for r in mig.renamed_classes:
        yield "from", r.from_
    for t in mig.transferred_classes:
        yield "from", t.from_


def check(ctx: ReviewContext):
    for cfg in ctx.configs:
        yield from _check_config(ctx, cfg)


RULE = Rule(
    id="do-migration-integrity",
    severity="error",
    summary="Inconsistent migrations: duplicate or missing tags, unknown or existing classes, deletes of bound classes.",
    why="Migrations are applied once each, in order, by tag. Wrangler or the platform rejects a list with a missing "
        "or repeated tag, a `new_*_classes` entry for a class that already exists, or a rename/delete of a class "
        "that was never created. Deleting a class that is still bound destroys its data while code still uses it.",
    bad='{\n  "name": "app",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
        '  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },\n  "migrations": [\n'
        '    { "tag": "v1", "new_sqlite_classes": ["Room"] },\n    { "tag": "v1", "new_sqlite_classes": ["Room"] }\n  ]\n}',
    good='{\n  "name": "app",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-09-01",\n'
         '  "durable_objects": { "bindings": [{ "name": "ROOM", "class_name": "Room" }] },\n  "migrations": [\n'
         '    { "tag": "v1", "new_sqlite_classes": ["Room"] }\n  ]\n}',
    fix="Never edit or reorder applied migrations: append a new entry with a new tag. Create a class once, rename "
        "or delete only classes that exist, and remove a binding before deleting its class.",
    docs=("lifecycle-and-config#legacy-migrations-array", "lifecycle-and-config#migration-directives"),
    check=check,
    example_path="wrangler.jsonc",
    example_files={"src/index.ts": 'import { DurableObject } from "cloudflare:workers";\n\nexport class Room extends DurableObject {}\n\n'
                   'export default { async fetch() { return new Response("ok"); } };\n'},
)
