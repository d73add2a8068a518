"""Fixes that edit the wrangler config (do-binding-without-migration declares the class), before/after for JSONC
and TOML, the shapes where no edit is offered, and the PRAGMA user_version fix's runtime proof."""

from __future__ import annotations

from pathlib import Path

import pytest

from fix_cases import PRAGMA_READ, PRAGMA_WRITE
from server.review import review_files
from server.review.config import ParsedConfig
from server.review.fixes import fix_loop, fix_texts
from server.review.jsonc import append_member, bracket_end, key_open

RULE = "do-binding-without-migration"
SRC = ('import { DurableObject } from "cloudflare:workers";\nexport class Counter extends DurableObject {}\n'
       'export class Room extends DurableObject {}\n'
       'export default { async fetch() { return new Response("ok"); } };\n')
ROOM = '{ "name": "ROOM", "class_name": "Room" }'

CONFIG_CASES = {
    # multi-line migrations with a comment after the last step: the comment stays on that step's line
    "jsonc-migrations-multiline": (
        "wrangler.jsonc",
        '{\n  // the counter worker\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-01-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }},\n  "migrations": [\n    {{\n      "tag": "v1",\n'
        '      "new_sqlite_classes": ["Counter"]\n    } // first deploy\n  ]\n}\n',
        '{\n  // the counter worker\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-01-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }},\n  "migrations": [\n    {{\n      "tag": "v1",\n'
        '      "new_sqlite_classes": ["Counter"]\n    }, // first deploy\n'
        '    { "tag": "v2", "new_sqlite_classes": ["Room"] }\n  ]\n}\n'),
    # one-line array with a trailing comma; tags that are not vN get v<count+1>
    "jsonc-migrations-inline-trailing-comma": (
        "wrangler.jsonc",
        f'{{\n  "name": "c", "main": "src/index.ts", "compatibility_date": "2026-01-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM},] }},\n'
        '  "migrations": [{ "tag": "initial", "new_sqlite_classes": ["Counter"] },],\n}\n',
        f'{{\n  "name": "c", "main": "src/index.ts", "compatibility_date": "2026-01-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM},] }},\n'
        '  "migrations": [{ "tag": "initial", "new_sqlite_classes": ["Counter"] }, '
        '{ "tag": "v2", "new_sqlite_classes": ["Room"] }],\n}\n'),
    # nothing declared yet (a new Worker): an `exports` map is created as the last key
    "jsonc-nothing-declared": (
        "wrangler.json",
        f'{{\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-07-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }}\n}}\n',
        f'{{\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-07-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }},\n'
        '  "exports": { "Room": { "type": "durable-object", "storage": "sqlite" } }\n}\n'),
    # the declarative form: a new exports entry, not a migration
    "jsonc-exports": (
        "wrangler.jsonc",
        f'{{\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-07-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }},\n  "exports": {{\n'
        '    "Counter": { "type": "durable-object", "storage": "sqlite" }, // v1\n  },\n}\n',
        f'{{\n  "name": "c",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-07-01",\n'
        f'  "durable_objects": {{ "bindings": [{ROOM}] }},\n  "exports": {{\n'
        '    "Counter": { "type": "durable-object", "storage": "sqlite" }, // v1\n'
        '    "Room": { "type": "durable-object", "storage": "sqlite" },\n  },\n}\n'),
    # TOML: the new [[migrations]] table goes right after the last one, before the next table
    "toml-migrations": (
        "wrangler.toml",
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\n\n[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n\n'
        '[[migrations]]\ntag = "v3" # renumbered\nnew_sqlite_classes = ["Counter"]\n\n[env.staging]\nname = "c-staging"\n',
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\n\n[[durable_objects.bindings]]\nname = "ROOM"\nclass_name = "Room"\n\n'
        '[[migrations]]\ntag = "v3" # renumbered\nnew_sqlite_classes = ["Counter"]\n\n'
        '[[migrations]]\ntag = "v4"\nnew_sqlite_classes = ["Room"]\n\n[env.staging]\nname = "c-staging"\n'),
    "toml-nothing-declared": (
        "wrangler.toml",
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\ndurable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]',
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\ndurable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]\n\n'
        '[exports.Room]\ntype = "durable-object"\nstorage = "sqlite"\n'),
    "toml-exports": (
        "wrangler.toml",
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\ndurable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]\n\n'
        '[exports]\nCounter = { type = "durable-object", storage = "sqlite" }\n',
        'name = "c"\nmain = "src/index.ts"\ncompatibility_date = "2026-07-01"\ndurable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]\n\n'
        '[exports]\nCounter = { type = "durable-object", storage = "sqlite" }\n\n'
        '[exports.Room]\ntype = "durable-object"\nstorage = "sqlite"\n'),
}


@pytest.mark.parametrize("case", sorted(CONFIG_CASES))
def test_binding_without_migration_fix_before_after(case):
    path, before, after = CONFIG_CASES[case]
    files = {"src/index.ts": SRC, path: before}
    found = [f for f in review_files(list(files.items())).findings if f.rule == RULE]
    assert len(found) == 1 and found[0].fix_safety == "unsafe" and found[0].edits, found
    assert {e.path for e in found[0].edits} == {path}
    assert fix_texts(files, found, unsafe=False) == ({}, [])  # unsafe: --fix alone leaves it
    changed, applied = fix_texts(files, found, unsafe=True)
    assert changed == {path: after} and applied == found
    back = ParsedConfig(path, after)
    assert back.error is None and back.created_classes()["Room"] == "sqlite"
    again = review_files(list({**files, **changed}.items())).findings
    assert not [f for f in again if f.rule in (RULE, "do-migration-integrity", "do-config-invalid")], again


def test_two_undeclared_classes_take_two_passes_with_distinct_tags():
    cfg = ('{\n  "name": "c",\n  "main": "src/index.ts",\n  "durable_objects": { "bindings": [\n'
           '    { "name": "A", "class_name": "Counter" },\n    { "name": "B", "class_name": "Room" }\n  ] },\n'
           '  "migrations": [{ "tag": "v1", "new_sqlite_classes": [] }]\n}\n')
    run = fix_loop([("src/index.ts", SRC), ("wrangler.jsonc", cfg)], unsafe=True)
    assert run.passes == 2 and not [f for f in run.result.findings if f.rule == RULE]
    steps = ParsedConfig("wrangler.jsonc", run.texts["wrangler.jsonc"]).raw["migrations"]
    assert [s["tag"] for s in steps] == ["v1", "v2", "v3"]
    assert sorted(s["new_sqlite_classes"][0] for s in steps[1:]) == ["Counter", "Room"]


NO_EDIT = {
    # the class was deleted once: declaring it again is a decision about its data
    "deleted-before": ("wrangler.jsonc", f'{{ "main": "src/index.ts", "durable_objects": {{ "bindings": [{ROOM}] }},\n'
                       '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Room"] }, '
                       '{ "tag": "v2", "deleted_classes": ["Room"] }] }\n'),
    # an environment with its own migrations (wrangler ignores them; do-migration-integrity says so)
    "env-migrations": ("wrangler.jsonc", '{ "main": "src/index.ts", "env": { "staging": { "durable_objects": '
                       f'{{ "bindings": [{ROOM}] }}, "migrations": [] }} }} }}\n'),
    # TOML with migrations as an inline array: a [[migrations]] table after it would not parse
    "toml-inline-array": ("wrangler.toml", 'main = "src/index.ts"\nmigrations = [{ tag = "v1", new_sqlite_classes = '
                          '["Counter"] }]\ndurable_objects.bindings = [{ name = "ROOM", class_name = "Room" }]\n'),
    # `migrations` spelled twice (an environment copy): the text match would be ambiguous
    "jsonc-two-migrations-keys": ("wrangler.jsonc", f'{{ "main": "src/index.ts", "durable_objects": {{ "bindings": [{ROOM}] }},\n'
                                  '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }],\n'
                                  '  "env": { "x": { "vars": { "migrations": [] } } } }\n'),
}


@pytest.mark.parametrize("case", sorted(NO_EDIT))
def test_no_config_edit_where_it_is_not_mechanical(case):
    path, cfg = NO_EDIT[case]
    found = [f for f in review_files([("src/index.ts", SRC), (path, cfg)]).findings if f.rule == RULE]
    assert found and all(not f.edits and f.fix_safety is None for f in found), found


def test_append_member_layouts():
    assert append_member("[]", 0, "1") == "[1]"
    assert append_member("[\n  // none yet\n]", 0, "1") == "[\n  1\n  // none yet\n]"
    assert append_member('["a" ]', 0, '"b"') == '["a", "b" ]'
    assert append_member('["a]" /* x */, ]', 0, '"b"') == '["a]" /* x */, "b" ]'
    assert append_member("[1", 0, "2") is None
    text = '{ "a": "]", "m": [1, 2] }'
    assert bracket_end(text, key_open(text, "m")) == text.index("]", 12) + 1


# -- PRAGMA user_version: the replacement SQL is proven in workerd ---------------------------------------------------

def test_pragma_fix_sql_is_the_sql_the_runtime_test_runs():
    """tests/corpus/runtime runs READ/WRITE in workerd (fresh read 0, write, read back, one row); the fix must
    write the same text, and PRAGMA user_version itself is shown to be refused there."""
    from server.review.rules.do_sql_pragma_user_version import READ_SQL, WRITE_SQL

    runtime = (Path(__file__).resolve().parents[1] / "corpus" / "runtime" / "test" / "sql-statements.test.ts").read_text()
    assert (READ_SQL, WRITE_SQL) == (PRAGMA_READ, PRAGMA_WRITE)
    assert f'const READ = "{READ_SQL}";' in runtime and f'const WRITE = "{WRITE_SQL}";' in runtime
    assert 'exec("PRAGMA user_version")' in runtime and "not authorized" in runtime


def test_pragma_without_a_mechanical_edit():
    imp = 'import { DurableObject } from "cloudflare:workers";\n'
    code = (imp + "export class C extends DurableObject {\n  f(db: D1Database, n: number) {\n"
            '    this.ctx.storage.sql.exec("PRAGMA user_version; SELECT 1");\n'  # part of a longer script
            '    this.ctx.storage.sql.exec(`PRAGMA user_version = ${n} + ${n}`);\n'  # two substitutions
            '    this.ctx.storage.sql.exec("PRAGMA user_version = ?", n);\n'  # already has arguments
            '    db.prepare("PRAGMA user_version");\n  }\n}\n')  # D1, not Durable Object SQLite
    found = [f for f in review_files([("src/index.ts", code)]).findings if f.rule == "do-sql-pragma-user-version"]
    assert len(found) == 4 and not any(f.edits for f in found), found
