"""Proof of the upgrade on old-style projects, one fixture per path (tests/upgrade/fixtures/*): after
`do-expert upgrade --write` and `do-expert review --fix` (`--unsafe-fixes` where UNSAFE_FIXES says) each reviews
clean (--strict), type-checks, passes its tests in workerd and builds with `wrangler deploy --dry-run`.

Each upgraded package.json is installed for real with `npm install --prefer-offline` (the pinned toolchain's install,
tests/toolchain.py, filled the npm cache), and tsc, vitest and wrangler then run from the project's own
node_modules: the proof runs what a user of the upgraded project would get. Without npm the proof skips, saying so.

Each fixture also has a check of what it is there for (the plan line, the crossed flags, the fix applied), so a
fixture that stops exercising its path fails instead of passing trivially."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from server.cli import main
from server.review.config import ParsedConfig

FIXTURES = Path(__file__).parent / "fixtures"
PINNED = json.loads((Path(__file__).parents[1] / "toolchain" / "package.json").read_text())["devDependencies"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# `review --fix` applies the safe fixes; these fixtures also need an unsafe one (do-legacy-class-shape changes the
# class's base; do-sql-pragma-user-version moves the version into a table, so existing objects start at 0) and run
# `review --unsafe-fixes`
UNSAFE_FIXES = {"legacy-shape", "old-counter", "pragma-user-version"}
TESTS_PASSED = {"kv-notes": 2, "pool-workers": 2}  # vitest tests each fixture has after the upgrade (default 1)


def _config(project: Path) -> dict:
    return ParsedConfig("wrangler.jsonc", (project / "wrangler.jsonc").read_text()).raw


def _check_old_counter(project: Path, result: dict, fixed: str) -> None:
    config = _config(project)
    assert "migrations" not in config and config["exports"] == {"Counter": {"type": "durable-object", "storage": "sqlite"}}
    assert config["compatibility_date"] == "2026-11-01"
    pkg = json.loads((project / "package.json").read_text())["devDependencies"]
    assert "@cloudflare/vitest-pool-workers" not in pkg
    for name in ("@cloudflare/vitest-plugin", "vitest"):
        assert pkg[name] == PINNED[name], name  # what `npm install` would fetch is what the toolchain runs
    assert pkg["wrangler"] == "^" + PINNED["wrangler"]  # `exports` needs a wrangler that knows it
    for rule in ("do-legacy-class-shape", "do-sql-transaction-stmt", "do-sql-bindings-array", "do-sql-create-not-idempotent"):
        assert rule in fixed, rule


def _check_kv_notes(project: Path, result: dict, fixed: str) -> None:
    steps = _config(project)["migrations"]
    assert steps[-1] == {"tag": "v2", "new_sqlite_classes": ["NotesSqlite"]} and "exports" not in _config(project)
    assert {(b["name"], b["class_name"]) for b in _config(project)["durable_objects"]["bindings"]} == \
        {("NOTES", "Notes"), ("NOTES_SQLITE", "NotesSqlite")}
    assert (project / "src" / "notes-copy.ts").is_file() and (project / "test" / "notes-copy.test.ts").is_file()
    assert "export class NotesSqlite extends Notes" in (project / "src" / "index.ts").read_text()
    assert any("`migrations` kept (a KV-backed class lives" in p for p in result["plan"])


def _check_exports_history(project: Path, result: dict, fixed: str) -> None:
    config = _config(project)  # Room renamed to ChatRoom, Lobby deleted: one live class
    assert "migrations" not in config and config["exports"] == {"ChatRoom": {"type": "durable-object", "storage": "sqlite"}}


def _check_exports_transferred(project: Path, result: dict, fixed: str) -> None:
    assert result["edits"] == [] and "exports" not in _config(project)
    assert any("`migrations` kept" in p and "transferred_classes" in p for p in result["plan"]), result["plan"]


def _check_pool_workers(project: Path, result: dict, fixed: str) -> None:
    texts = "".join(p.read_text() for p in project.rglob("*") if p.is_file() and "node_modules" not in p.parts)
    assert "vitest-pool-workers" not in texts and "ProvidedEnv" not in texts and "SELF" not in texts
    assert "cloudflareTest(" in (project / "vitest.config.ts").read_text()
    assert "runInDurableObject" in (project / "test" / "index.test.ts").read_text()  # other helpers stay


def _check_old_date(project: Path, result: dict, fixed: str) -> None:
    crossed = {c["flag"]: sorted(a["line"] for a in c["affected"]) for c in result["crossed"]}
    assert set(crossed) == {"enable_ctx_exports", "rpc_params_dup_stubs", "delete_all_deletes_alarm",
                            "websocket_standard_binary_type", "web_socket_auto_reply_to_close",
                            "durable_object_io_tasks_prevent_eviction"}
    src = (FIXTURES / "old-date" / "src" / "index.ts").read_text().split("\n")
    lines = lambda needle: [i for i, ln in enumerate(src, 1) if needle in ln]  # noqa: E731
    assert crossed["delete_all_deletes_alarm"] == lines(".deleteAll(")
    assert crossed["web_socket_auto_reply_to_close"] == lines("webSocketClose(")
    assert crossed["durable_object_io_tasks_prevent_eviction"] == lines("waitUntil(")
    assert _config(project)["compatibility_date"] == "2026-11-01"


def _check_legacy_shape(project: Path, result: dict, fixed: str) -> None:
    assert "do-legacy-class-shape" in fixed
    assert "extends DurableObject<Env>" in (project / "src" / "index.ts").read_text()


def _check_begin_commit(project: Path, result: dict, fixed: str) -> None:
    assert "do-sql-transaction-stmt" in fixed
    code = (project / "src" / "index.ts").read_text()
    assert "BEGIN" not in code and "transactionSync(" in code


def _check_pragma_user_version(project: Path, result: dict, fixed: str) -> None:
    assert "PRAGMA user_version" not in (project / "src" / "index.ts").read_text()


CHECKS = {
    "old-counter": _check_old_counter,
    "kv-notes": _check_kv_notes,
    "exports-history": _check_exports_history,
    "exports-transferred": _check_exports_transferred,
    "pool-workers": _check_pool_workers,
    "old-date": _check_old_date,
    "legacy-shape": _check_legacy_shape,
    "begin-commit": _check_begin_commit,
    "pragma-user-version": _check_pragma_user_version,
}


def test_every_fixture_has_a_check():
    assert sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()) == sorted(CHECKS)


def _review(project: Path, capsys) -> dict:
    main(["review", str(project), "--strict", "--format", "json"])
    return json.loads(capsys.readouterr().out)


def _npm_install(project: Path, tc) -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: the real `npm install` proof needs it")
    proc = subprocess.run([npm, "install", "--prefer-offline", "--no-audit", "--no-fund"], cwd=project,
                          env=tc.env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    installed = json.loads((project / "node_modules" / "@cloudflare" / "vitest-plugin" / "package.json").read_text())
    assert installed["version"] == PINNED["@cloudflare/vitest-plugin"]


@pytest.mark.parametrize("fixture", sorted(CHECKS))
def test_fixture_upgrades_fixes_and_passes_the_toolchain(fixture, tmp_path, node_toolchain, capsys):
    project = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, project)
    assert main(["upgrade", str(project), "--write", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    main(["review", str(project), "--unsafe-fixes" if fixture in UNSAFE_FIXES else "--fix"])
    fixed = capsys.readouterr().err
    review = _review(project, capsys)
    assert review["clean"] is True, review["findings"]
    CHECKS[fixture](project, result, fixed)

    _npm_install(project, node_toolchain)  # what the upgraded package.json names is what gets installed and run
    tool = lambda name: str(project / "node_modules" / ".bin" / name)  # noqa: E731
    try:
        tsc = node_toolchain.run([tool("tsc"), "--noEmit", "-p", "."], cwd=project, timeout=300)
        assert tsc.returncode == 0, tsc.stdout[-4000:] + tsc.stderr[-2000:]
        tests = node_toolchain.run([tool("vitest"), "run"], cwd=project, timeout=300)
        out = ANSI.sub("", tests.stdout + tests.stderr)
        assert tests.returncode == 0 and f"{TESTS_PASSED.get(fixture, 1)} passed" in out, out[-4000:]
        build = node_toolchain.run([tool("wrangler"), "deploy", "--dry-run", "--outdir", "dist"], cwd=project,
                                   timeout=180)
        assert build.returncode == 0, ANSI.sub("", build.stdout + build.stderr)[-3000:]
    finally:
        shutil.rmtree(project / "node_modules", ignore_errors=True)  # ~500 MB; pytest keeps the last runs' tmp dirs
