"""Runtime checks of what the references state, run inside workerd.

The vitest project in ``tests/corpus/runtime`` (four vitest projects: ``current`` with declarative ``exports`` at
compatibility date 2026-11-01, ``legacy`` with ``migrations`` at 2026-01-15, ``agents`` with Agents SDK and
PartyServer classes, and ``miniflare`` for behaviour the vitest plugin hides) is copied to a temporary folder, linked to the cached toolchain and run once per session with
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
    "lifecycle-and-config", "agents-sdk", "partyserver-and-actors",
    # issue 11 part C: platform docs
    "snapshots", "facets-and-containers", "deployments", "pricing", "choosing", "observability",
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


# --- complete example projects in the references ------------------------------------------------------------------
# A "## Complete example..." section whose blocks form a Worker (a ```ts module = src/index.ts, a ```jsonc wrangler
# config with "main") is assembled into a project and must pass `wrangler types`, `tsc --noEmit`,
# `wrangler deploy --dry-run` and, when the doc gives test files (blocks whose first line is `// test/<name>.ts`),
# `vitest run`. Blocks whose first line is `// <path>` (vitest.config.ts, tsconfig.json, test/*.ts) anywhere in the
# same doc join the project.

_PATH_COMMENT = re.compile(r"^//\s*([\w./-]+\.(?:ts|mts|jsonc|json|toml))\b")
DEFAULT_FILES = {
    "package.json": json.dumps({"name": "doc-example", "private": True, "type": "module"}, indent=2),
    "tsconfig.json": json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "strict": True,
                            "noEmit": True, "skipLibCheck": True, "types": ["@cloudflare/vitest-plugin/types"]},
        "include": ["src", "test", "worker-configuration.d.ts"],
    }, indent=2),
    "vitest.config.ts": (
        'import { cloudflareTest } from "@cloudflare/vitest-plugin";\nimport { defineConfig } from "vitest/config";\n\n'
        'export default defineConfig({ plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })] });\n'
    ),
}


def _complete_examples() -> dict[str, dict[str, tuple[str, str]]]:
    """{example id: {path: (text, where)}} for every complete example in references/*.md."""
    import sys

    if str(Path(__file__).parent) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent))
    from test_typecheck_examples import extract_blocks

    examples: dict[str, dict[str, tuple[str, str]]] = {}
    for doc in sorted(REFERENCES_DIR.glob("*.md")):
        lines = doc.read_text(encoding="utf-8").splitlines()
        heads = [(i + 1, ln[3:].strip()) for i, ln in enumerate(lines) if ln.startswith("## ")]
        blocks = extract_blocks(doc)
        commented = {}
        for b in blocks:
            m = _PATH_COMMENT.match(b.code[0].strip()) if b.code else None
            if m:
                commented.setdefault(m.group(1), ("\n".join(b.code) + "\n", b.where))
        for n, (start, title) in enumerate(heads):
            if not title.lower().startswith("complete example"):
                continue
            end = heads[n + 1][0] if n + 1 < len(heads) else len(lines) + 1
            files: dict[str, tuple[str, str]] = {}
            for b in (b for b in blocks if start < b.line < end):
                m = _PATH_COMMENT.match(b.code[0].strip()) if b.code else None
                path = m.group(1) if m else None
                if path is None and b.lang == "ts" and b.mode == "module" and "src/index.ts" not in files:
                    path = "src/index.ts"
                if path is None and b.lang == "jsonc" and '"main"' in "\n".join(b.code):
                    path = "wrangler.jsonc"
                if path:
                    files[path] = ("\n".join(b.code) + "\n", b.where)
            if "src/index.ts" in files and any(p.startswith("wrangler.") for p in files):
                for path, val in commented.items():  # shared files from elsewhere in the doc
                    if path not in files and (path.startswith("test/") or path in ("vitest.config.ts", "tsconfig.json")):
                        files[path] = val
                slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
                examples[f"{doc.stem}:{slug}"] = files
    return examples


try:
    COMPLETE_EXAMPLES = _complete_examples()
except Exception:  # noqa: BLE001 - collection must not break on a half-written doc
    COMPLETE_EXAMPLES = {}


@pytest.mark.parametrize("example", sorted(COMPLETE_EXAMPLES) or [pytest.param("none", marks=pytest.mark.skip("no complete examples"))])
def test_complete_example_projects_build_and_pass(example, node_toolchain, tmp_path):
    files = COMPLETE_EXAMPLES[example]
    project = tmp_path / "example"
    for path, content in {**DEFAULT_FILES, **{p: t for p, (t, _) in files.items()}}.items():
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(content if isinstance(content, str) else content[0])
    node_toolchain.link_into(project)
    where = ", ".join(f"{p} <- {w}" for p, (_, w) in sorted(files.items()))
    steps = [["wrangler", "types"], ["tsc", "--noEmit", "-p", "."], ["wrangler", "deploy", "--dry-run", "--outdir", "dist"]]
    if any(p.startswith("test/") for p in files):
        steps.append(["vitest", "run"])
    for argv in steps:
        proc = node_toolchain.run(argv, cwd=project, timeout=600)
        out = _ANSI.sub("", proc.stdout + proc.stderr)
        assert proc.returncode == 0, f"`{' '.join(argv)}` failed for {example} ({where}):\n{out[-5000:]}"
