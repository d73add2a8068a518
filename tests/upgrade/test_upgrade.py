"""upgrade_project: the date bump and the flags it crosses, migrations -> exports, pool-workers -> vitest-plugin,
the MCP tool and the CLI (which writes only with --write)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import anyio
import pytest
from mcp import Client

from server.app import mcp
from server.cli import main
from server.errors import InvalidInputError
from server.review.config import ParsedConfig
from server.review.fixes import apply_edits
from server.upgrade import upgrade_project
from server.upgrade.flags import FLAGS, crossed
from server.upgrade.vitest import upgrade_test_file, upgrade_vitest_config

FIXTURE = Path(__file__).parent / "fixtures" / "old-counter"


def _apply(files: dict[str, str], result) -> dict[str, str]:
    out = dict(files)
    by: dict[str, list] = {}
    for e in result.edits:
        by.setdefault(e.path, []).append(e)
    for path, edits in by.items():
        out[path], left = apply_edits(files.get(path, ""), edits)
        assert not left
    return out


def _config(migrations: str, date: str = "2025-01-01", extra: str = "") -> str:
    return ('{\n  // keep me\n  "name": "w",\n  "main": "src/index.ts",\n  "compatibility_date": "' + date + '",\n'
            + extra + '  "migrations": ' + migrations + "\n}\n")


# -- compatibility date and crossed flags ----------------------------------------------------------------------------

def test_crossed_flags_follow_the_dates_and_the_projects_own_flags():
    names = lambda fs: [f.name for f in fs]
    assert names(crossed("2026-02-23", "2026-02-24", set())) == ["delete_all_deletes_alarm"]
    assert names(crossed("2026-02-24", "2026-11-01", set()))[0] == "websocket_standard_binary_type"
    assert "delete_all_deletes_alarm" not in names(crossed("2026-01-01", "2026-11-01", {"delete_all_preserves_alarm"}))
    assert "rpc" not in names(crossed("2024-01-01", "2026-11-01", {"rpc"}))
    assert crossed("2026-11-01", "2026-11-01", set()) == []


def test_every_flag_points_at_a_reference_section_that_exists():
    from server.search.engine import SearchEngine

    res = SearchEngine().read([f.doc for f in FLAGS])
    assert not res.missing, res.missing


def test_date_bump_lists_crossed_flags_with_affected_lines():
    files = {"wrangler.jsonc": '{ "name": "w", "main": "src/index.ts", "compatibility_date": "2026-01-01",\n'
                               '  "compatibility_flags": ["web_socket_manual_reply_to_close"] }\n',
             "src/index.ts": "export class A {\n  async wipe() {\n    await this.ctx.storage.deleteAll();\n  }\n"
                             "  webSocketClose(ws: WebSocket) { ws.close(); }\n}\n",
             "test/a.test.ts": "await this.ctx.storage.deleteAll();\n"}
    res = upgrade_project(list(files.items()), "2026-03-01")
    flags = {c.flag: c for c in res.crossed}
    assert set(flags) == {"rpc_params_dup_stubs", "delete_all_deletes_alarm"}  # the opt-out keeps 04-07 off
    assert [(a.path, a.line) for a in flags["delete_all_deletes_alarm"].affected] == [("src/index.ts", 3)]
    out = _apply(files, res)
    assert ParsedConfig("wrangler.jsonc", out["wrangler.jsonc"]).raw["compatibility_date"] == "2026-03-01"
    assert "web_socket_manual_reply_to_close" in out["wrangler.jsonc"]


def test_toml_date_bump_and_no_downgrade():
    files = {"wrangler.toml": 'name = "w"\nmain = "src/index.ts"\ncompatibility_date = "2025-05-05"\n'}
    out = _apply(files, upgrade_project(list(files.items()), "2026-11-01"))
    assert 'compatibility_date = "2026-11-01"' in out["wrangler.toml"]
    newer = {"wrangler.toml": files["wrangler.toml"].replace("2025-05-05", "2026-12-01")}
    res = upgrade_project(list(newer.items()), "2026-11-01")
    assert res.edits == [] and res.crossed == []


def test_bad_date_is_a_clear_error():
    with pytest.raises(InvalidInputError):
        upgrade_project([("wrangler.jsonc", "{}")], "next week")


# -- migrations -> exports -------------------------------------------------------------------------------------------

def test_migrations_history_becomes_exports_and_comments_survive():
    cfg = _config('[\n    { "tag": "v1", "new_sqlite_classes": ["A", "Gone"] },\n'
                  '    { "tag": "v2", "renamed_classes": [{ "from": "A", "to": "B" }] }, // renamed\n'
                  '    { "tag": "v3", "deleted_classes": ["Gone"] }\n  ]', date="2026-11-01")
    res = upgrade_project([("wrangler.jsonc", cfg)])
    out = _apply({"wrangler.jsonc": cfg}, res)["wrangler.jsonc"]
    raw = ParsedConfig("wrangler.jsonc", out).raw
    assert "migrations" not in raw and "// keep me" in out
    assert raw["exports"] == {"B": {"type": "durable-object", "storage": "sqlite"}}


@pytest.mark.parametrize("spec, raised", [("^4.0.0", True), ("3.99.0", True), ("^4.164.0", False), ("^4.200.1", False)])
def test_exports_raises_an_older_wrangler(spec, raised):
    cfg = _config('[{ "tag": "v1", "new_sqlite_classes": ["A"] }]', date="2026-11-01")
    pkg = json.dumps({"name": "w", "devDependencies": {"wrangler": spec}}, indent=2) + "\n"
    out = _apply({"wrangler.jsonc": cfg, "package.json": pkg}, upgrade_project([("wrangler.jsonc", cfg), ("package.json", pkg)]))
    assert json.loads(out["package.json"])["devDependencies"]["wrangler"] == ("^4.164.0" if raised else spec)


# -- KV-backed classes: a SQLite successor, a copy over RPC, a test ---------------------------------------------------

KV_FIXTURE = Path(__file__).parent / "fixtures" / "kv-notes"


def _kv_files() -> dict[str, str]:
    return {p.relative_to(KV_FIXTURE).as_posix(): p.read_text() for p in sorted(KV_FIXTURE.rglob("*")) if p.is_file()}


def test_kv_class_keeps_migrations_and_gets_a_sqlite_successor_with_copy_code_and_a_test():
    files = _kv_files()
    res = upgrade_project(list(files.items()))
    out = _apply(files, res)
    raw = ParsedConfig("wrangler.jsonc", out["wrangler.jsonc"]).raw
    assert "exports" not in raw  # a KV-backed class keeps the `migrations` path
    assert raw["migrations"] == [{"tag": "v1", "new_classes": ["Notes"]}, {"tag": "v2", "new_sqlite_classes": ["NotesSqlite"]}]
    assert {"name": "NOTES_SQLITE", "class_name": "NotesSqlite"} in raw["durable_objects"]["bindings"]
    assert "do-expert-ignore do-prefer-sqlite-backend" in out["wrangler.jsonc"]
    code = out["src/index.ts"]
    # exportPage inside the old class (before the class's closing brace), the new class after it
    old_class = code[code.index("export class Notes extends"):code.index("export default")]
    assert "async exportPage(startAfter: string | null, limit: number): Promise<NotesCopyPage>" in old_class
    assert "storage.list(startAfter === null ? { limit } : { startAfter, limit })" in old_class
    assert "export class NotesSqlite extends Notes {" in code and "NOTES_SQLITE: DurableObjectNamespace<NotesSqlite>;" in code
    assert "this.ctx.storage.transactionSync(" in code and "this.ctx.storage.kv.put(key, value)" in code
    assert 'from "./index"' in out["src/notes-copy.ts"] and "export async function copyNotesToSqlite(" in out["src/notes-copy.ts"]
    test = out["test/notes-copy.test.ts"]
    assert 'from "../src/notes-copy"' in test and "expect(await state.storage.getAlarm()).toBe(alarm)" in test  # alarm()
    new_files = {e.path for e in res.edits if e.path not in files}
    assert new_files == {"src/notes-copy.ts", "test/notes-copy.test.ts"}
    assert any("Notes is KV-backed" in p and "copyNotesToSqlite()" in p for p in res.plan)
    # a second run sees the copy in place: nothing more to generate
    again = upgrade_project(list(out.items()))
    assert again.edits == [] and any("NotesSqlite already exists" in p for p in again.plan), again.plan


def test_kv_class_not_found_or_unbound_gets_a_plan_only():
    cfg = _config('[{ "tag": "v1", "new_classes": ["Ghost"] }]', date="2026-11-01")
    res = upgrade_project([("wrangler.jsonc", cfg), ("src/index.ts", "export default {};\n")])
    assert res.edits == [] and any("Ghost is KV-backed" in p and "not found" in p for p in res.plan), res.plan


def test_too_deep_sources_are_left_to_a_person_not_a_crash():
    deep = "const x = " + "(" * 5000 + "1" + ")" * 5000 + ";\nexport class Ghost {}\n"
    cfg = _config('[{ "tag": "v1", "new_classes": ["Ghost"] }]', date="2026-11-01",
                  extra='  "durable_objects": { "bindings": [{ "name": "G", "class_name": "Ghost" }] },\n')
    res = upgrade_project([("wrangler.jsonc", cfg), ("src/index.ts", deep),
                           ("vitest.config.ts", 'import "@cloudflare/vitest-pool-workers";\n' + deep)])
    assert res.edits == []
    assert any("Ghost is KV-backed" in p for p in res.plan) and any("deeper or larger" in p for p in res.plan)
    assert res.plan[-1] == "No edits: the steps above are left to a person."


def test_kv_class_in_another_module_is_exported_from_main_and_legacy_shape_is_flagged():
    cfg = ('{ "name": "w", "main": "src/index.ts", "compatibility_date": "2026-11-01",\n'
           '  "durable_objects": { "bindings": [{ "name": "STORE", "class_name": "Store" }] },\n'
           '  "migrations": [{ "tag": "v1", "new_classes": ["Store"] }] }\n')
    files = {"wrangler.jsonc": cfg, "src/index.ts": 'export { Store } from "./store";\nexport default {};\n',
             "src/store.ts": "export class Store implements DurableObject {\n  async fetch() { return new Response(); }\n}\n"}
    res = upgrade_project(list(files.items()))
    out = _apply(files, res)
    assert out["src/index.ts"].endswith('export { StoreSqlite } from "./store";\n')
    assert "export class StoreSqlite extends Store" in out["src/store.ts"] and "src/store-copy.ts" in out
    assert any("do-legacy-class-shape" in p for p in res.plan)
    raw = ParsedConfig("wrangler.jsonc", out["wrangler.jsonc"]).raw
    assert raw["migrations"][-1] == {"tag": "v2", "new_sqlite_classes": ["StoreSqlite"]}


@pytest.mark.parametrize("migrations, extra, why", [
    ('[{ "tag": "v1", "transferred_classes": [{ "from": "A", "from_script": "x", "to": "A" }] }]', "", "transferred_classes"),
    ('[{ "tag": "v1", "renamed_classes": [{ "from": "Nope", "to": "B" }] }]', "", "no earlier step created"),
    ('[{ "tag": "v1", "new_sqlite_classes": ["A"] }]', '  "exports": { "A": { "type": "durable-object", "storage": "sqlite" } },\n',
     "both `migrations` and `exports`"),
])
def test_migrations_kept_when_the_history_cannot_be_converted(migrations, extra, why):
    cfg = _config(migrations, date="2026-11-01", extra=extra)
    res = upgrade_project([("wrangler.jsonc", cfg)])
    assert res.edits == [] and any(why in p for p in res.plan), res.plan


def test_toml_migrations_get_a_plan_not_an_edit():
    cfg = ('name = "w"\ncompatibility_date = "2026-11-01"\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["A"]\n')
    res = upgrade_project([("wrangler.toml", cfg)])
    assert res.edits == [] and any('A = { type = "durable-object", storage = "sqlite" }' in p for p in res.plan)


# -- vitest-pool-workers -> vitest-plugin ----------------------------------------------------------------------------

def test_vitest_config_keeps_other_test_options():
    old = ('import { defineWorkersConfig } from "@cloudflare/vitest-pool-workers/config";\n'
           'export default defineWorkersConfig({\n  test: {\n    include: ["test/**/*.test.ts"],\n'
           '    poolOptions: { workers: { isolatedStorage: false, main: "./src/index.ts", wrangler: { configPath: "./wrangler.toml" } } },\n'
           '  },\n});\n')
    new, why = upgrade_vitest_config("vitest.config.ts", old)
    assert why == "" and "@cloudflare/vitest-pool-workers" not in new
    assert 'plugins: [cloudflareTest({ main: "./src/index.ts", wrangler: { configPath: "./wrangler.toml" } })]' in new
    assert 'test: { include: ["test/**/*.test.ts"] },' in new and "isolatedStorage" not in new
    new, why = upgrade_vitest_config("vitest.config.ts", old.replace("defineWorkersConfig({", "defineWorkersConfig(make({"))
    assert new is None and why


def test_test_helpers_move_and_other_helpers_stay():
    src = ('import { env, SELF, runInDurableObject } from "cloudflare:test";\n'
           'const r = await SELF.fetch("https://x/");\n')
    out = upgrade_test_file(src)
    assert out.startswith('import { env, exports } from "cloudflare:workers";\n'
                          'import { runInDurableObject } from "cloudflare:test";\n')
    assert "exports.default.fetch(" in out and "SELF" not in out
    odd = 'import { SELF } from "cloudflare:test";\nconst f = SELF;\n'
    assert upgrade_test_file(odd) == odd  # SELF used as a value: left to a person


# -- adapters --------------------------------------------------------------------------------------------------------

def _fixture_files() -> list[tuple[str, str]]:
    return [(p.relative_to(FIXTURE).as_posix(), p.read_text()) for p in sorted(FIXTURE.rglob("*")) if p.is_file()]


def test_mcp_upgrade_project_returns_edits_plan_and_crossed():
    async def go():
        async with Client(mcp) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert tools["upgrade_project"].annotations.read_only_hint
            res = await client.call_tool("upgrade_project", {"files": [{"path": p, "content": c} for p, c in _fixture_files()],
                                                             "to_date": "2026-11-01"})
            out = res.structured_content
            assert {e["path"] for e in out["edits"]} == {"wrangler.jsonc", "package.json", "vitest.config.ts",
                                                         "tsconfig.json", "test/index.test.ts", "test/env.d.ts"}
            assert "delete_all_deletes_alarm" in {c["flag"] for c in out["crossed"]}
            kv = await client.call_tool("upgrade_project", {"files": [{"path": p, "content": c} for p, c in _kv_files().items()]})
            kv_out = kv.structured_content  # new files come back as edits at 1:1 of an empty file; nothing is written
            assert {e["path"] for e in kv_out["edits"] if e["line"] == 1 and e["column"] == 1 and e["end_line"] == 1} >= \
                {"src/notes-copy.ts", "test/notes-copy.test.ts"}
            assert not (KV_FIXTURE / "src" / "notes-copy.ts").exists()
            bad = await client.call_tool("upgrade_project", {"files": [{"path": "wrangler.jsonc", "content": "{}"}],
                                                             "to_date": "soon"})
            assert bad.is_error

    anyio.run(go)


def test_cli_upgrade_shows_a_diff_and_writes_only_with_write(tmp_path, capsys):
    project = tmp_path / "p"
    shutil.copytree(FIXTURE, project)
    before = {p: p.read_text() for p in project.rglob("*") if p.is_file()}
    assert main(["upgrade", str(project)]) == 0
    out, err = capsys.readouterr()
    assert "+++ b/wrangler.jsonc" in out and "crossed 2026-02-24 delete_all_deletes_alarm" in out
    assert "--write" in err and {p: p.read_text() for p in project.rglob("*") if p.is_file()} == before
    assert main(["upgrade", str(project), "--write", "--json"]) == 0
    json.loads(capsys.readouterr().out)
    assert (project / "test" / "env.d.ts").exists() and '"exports"' in (project / "wrangler.jsonc").read_text()
    assert main(["upgrade", str(project), "--json"]) == 0  # a second run has nothing left to edit
    assert json.loads(capsys.readouterr().out)["edits"] == []


def test_workers_types_is_raised_with_wrangler():
    """wrangler 4.164 names @cloudflare/workers-types ^5 as a peer: `npm install` fails (ERESOLVE) on a package.json
    that keeps 4.x beside it, which the upgrade proof found with a real install."""
    import json

    from server.upgrade.vitest import raise_wrangler

    old = json.dumps({"devDependencies": {"@cloudflare/workers-types": "^4.20250401.0", "wrangler": "^4.0.0"}})
    text, note = raise_wrangler(old)
    deps = json.loads(text)["devDependencies"]
    assert deps == {"@cloudflare/workers-types": "^5.20261117.1", "wrangler": "^4.164.0"}
    assert "ERESOLVE" not in note and "peer" in note
    current = json.dumps({"devDependencies": {"@cloudflare/workers-types": "^4.20250401.0", "wrangler": "^4.170.0"}})
    assert raise_wrangler(current) == (current, "")  # wrangler new enough: nothing raised, types left alone
