"""Runtime checks of what the references state, run inside workerd.

The vitest project in ``tests/corpus/runtime`` (three vitest projects: ``current`` with declarative ``exports`` at
compatibility date 2026-11-01, ``legacy`` with ``migrations`` at 2026-01-15, and ``miniflare`` for behaviour the
vitest plugin hides) is copied to a temporary folder, linked to the cached toolchain and run once per session with
``vitest run --reporter=json``. Every test title starts with ``[<doc-id>]``, the reference it verifies.

The same project is also type-checked with tsc and built with ``wrangler deploy --dry-run`` (which checks that
wrangler accepts the ``exports`` config without any environment flag).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

RUNTIME_DIR = Path(__file__).resolve().parent / "runtime"
REFERENCES_DIR = Path(__file__).resolve().parents[2] / "references"
MIN_TESTS = 45
IGNORE = shutil.ignore_patterns("node_modules", ".wrangler", ".vite-cache", "dist")
KNOWN_DOC_IDS = {
    "sqlite-storage", "pitr", "limits", "sql-statements", "json-functions", "foreign-keys", "namespace-and-stubs",
    "service-bindings", "workers", "rules", "concurrency", "patterns", "errors", "testing", "alarms", "websockets",
    "lifecycle-and-config",
}


@pytest.fixture(scope="module")
def runtime_project(tmp_path_factory, node_toolchain) -> Path:
    project = tmp_path_factory.mktemp("runtime") / "project"
    shutil.copytree(RUNTIME_DIR, project, ignore=IGNORE)
    node_toolchain.link_into(project)
    return project


@pytest.fixture(scope="module")
def vitest_report(runtime_project, node_toolchain) -> dict:
    out = runtime_project / "vitest-report.json"
    proc = node_toolchain.run(
        ["vitest", "run", "--reporter=json", f"--outputFile={out}"], cwd=runtime_project, timeout=600
    )
    if not out.exists():
        pytest.fail(
            f"vitest produced no report (exit {proc.returncode})\n--- stdout ---\n{proc.stdout[-6000:]}\n"
            f"--- stderr ---\n{proc.stderr[-6000:]}",
            pytrace=False,
        )
    report = json.loads(out.read_text())
    report["_exit"] = proc.returncode
    report["_stderr"] = proc.stderr
    return report


def _results(report: dict) -> list[dict]:
    rows = []
    for file in report.get("testResults", []):
        rel = Path(file.get("name", "")).name
        for a in file.get("assertionResults", []):
            rows.append(
                {
                    "file": rel,
                    "title": a.get("title", ""),
                    "full": a.get("fullName", a.get("title", "")),
                    "status": a.get("status"),
                    "messages": a.get("failureMessages") or [],
                    "ms": a.get("duration"),
                }
            )
        if not file.get("assertionResults") and file.get("message"):  # a file that failed to load
            rows.append({"file": rel, "title": "<file>", "full": rel, "status": "failed",
                         "messages": [file["message"]], "ms": None})
    return rows


def _summary(rows: list[dict]) -> str:
    lines = []
    for r in rows:
        mark = {"passed": "PASS", "failed": "FAIL"}.get(r["status"], str(r["status"]).upper())
        lines.append(f"{mark} {r['file']}: {r['full']}")
        for m in r["messages"]:
            first = "\n".join(m.splitlines()[:6])
            lines.append("      " + first.replace("\n", "\n      "))
    return "\n".join(lines)


def test_runtime_behaviour_matches_references(vitest_report):
    rows = _results(vitest_report)
    failed = [r for r in rows if r["status"] != "passed"]
    if failed or vitest_report["_exit"] != 0:
        pytest.fail(
            f"{len(failed)} of {len(rows)} runtime checks did not pass (vitest exit {vitest_report['_exit']}):\n"
            + _summary(rows)
            + ("\n--- stderr ---\n" + vitest_report["_stderr"][-4000:] if not failed else ""),
            pytrace=False,
        )
    assert len(rows) >= MIN_TESTS, f"only {len(rows)} runtime checks ran, expected at least {MIN_TESTS}"
    print(f"\n{len(rows)} runtime checks passed")


def test_every_runtime_check_names_a_reference_doc(vitest_report):
    bad = []
    for r in _results(vitest_report):
        m = re.match(r"\[([a-z0-9-]+)\] ", r["title"])
        if not m or m.group(1) not in KNOWN_DOC_IDS:
            bad.append(f"{r['file']}: {r['title']}")
        elif REFERENCES_DIR.is_dir() and any(REFERENCES_DIR.glob("*.md")):
            if not (REFERENCES_DIR / f"{m.group(1)}.md").exists():
                bad.append(f"{r['file']}: {r['title']} (no references/{m.group(1)}.md)")
    assert not bad, "runtime tests must start with [<doc-id>] of an existing reference:\n" + "\n".join(bad)


def test_runtime_project_typechecks(runtime_project, node_toolchain):
    proc = node_toolchain.run(["tsc", "--noEmit", "-p", "."], cwd=runtime_project, timeout=300)
    assert proc.returncode == 0, f"tsc failed on tests/corpus/runtime:\n{proc.stdout}\n{proc.stderr}"


def test_wrangler_accepts_exports_config(runtime_project, node_toolchain):
    proc = node_toolchain.run(
        ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=runtime_project, timeout=300,
        env={"X_DO_EXPORTS": ""},
    )
    assert proc.returncode == 0, f"wrangler deploy --dry-run failed:\n{proc.stdout}\n{proc.stderr}"
    assert "env.LAB (Lab)" in proc.stdout and "Durable Object" in proc.stdout, proc.stdout


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_BINDINGS = [{"name": "LAB", "class_name": "Lab"}, {"name": "NO_ALARM", "class_name": "NoAlarmHandler"},
             {"name": "CHAT", "class_name": "ChatRoom"}]
_LIVE = {c: {"type": "durable-object", "storage": "sqlite"} for c in ("Lab", "NoAlarmHandler", "ChatRoom")}

# [lifecycle-and-config] what wrangler 4.x validates locally about `exports` (config id -> (extra config, exit, text))
WRANGLER_CASES = {
    "exports-and-migrations-are-exclusive": (
        {"exports": _LIVE, "migrations": [{"tag": "v1", "new_sqlite_classes": ["Lab"]}]},
        1, "`migrations` and `exports` are mutually exclusive",
    ),
    "storage-forbidden-on-tombstone": (
        {"exports": {**_LIVE, "Old": {"type": "durable-object", "state": "deleted", "storage": "sqlite"}}},
        1, '"exports.Old.storage" is forbidden on state "deleted"',
    ),
    "storage-required-when-created": (
        {"exports": {**_LIVE, "Lab": {"type": "durable-object"}}},
        1, '"exports.Lab.storage" is required for state "created"',
    ),
    "type-required": (
        {"exports": {**_LIVE, "Lab": {"storage": "sqlite"}}},
        1, '"exports.Lab.type" must be "durable-object", "worker", or "workflow"',
    ),
    "bindings-without-exports-warn": (
        {}, 0, "but no live `exports` entry for them",
    ),
}


@pytest.mark.parametrize("case", sorted(WRANGLER_CASES))
def test_wrangler_validates_exports_config(case, runtime_project, node_toolchain, tmp_path):
    """[lifecycle-and-config] wrangler's local validation of `exports` (deploy --dry-run)."""
    extra, exit_code, text = WRANGLER_CASES[case]
    project = tmp_path / case
    shutil.copytree(runtime_project / "src", project / "src")
    shutil.copy(runtime_project / "package.json", project / "package.json")
    config = {"name": "cfg-check", "main": "src/index.ts", "compatibility_date": "2026-11-01",
              "durable_objects": {"bindings": _BINDINGS}, **extra}
    (project / "wrangler.json").write_text(json.dumps(config, indent=2))
    node_toolchain.link_into(project)
    proc = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=project, timeout=300)
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == exit_code, output
    assert text in output, output
