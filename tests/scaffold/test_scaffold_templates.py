"""Rendering every template in both config styles: required files, pinned versions, config shape, no leftovers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import json5
import pytest

from server.scaffold import COMPATIBILITY_DATE, list_templates, scaffold_project

REQUIRED_TEMPLATES = {"counter", "chat-room", "booking", "rate-limiter", "multi-tenant", "job-queue"}
TOOLCHAIN_PACKAGE = Path(__file__).resolve().parents[1] / "toolchain" / "package.json"
CASES = [(t, s) for t in sorted(REQUIRED_TEMPLATES) for s in ("exports", "migrations")]


def files_of(template: str, style: str) -> dict[str, str]:
    return {f.path: f.content for f in scaffold_project(f"my-{template}", template, style).files}


def test_list_templates_has_every_required_id_with_summary_and_features():
    listed = {t.id: t for t in list_templates().templates}
    assert REQUIRED_TEMPLATES <= set(listed)
    for t in listed.values():
        assert len(t.summary) > 40 and t.features and "sql" in t.features


@pytest.mark.parametrize("template,style", CASES)
def test_project_has_the_required_files_and_nothing_unrendered(template, style):
    files = files_of(template, style)
    for required in ("package.json", "wrangler.jsonc", "tsconfig.json", "src/index.ts", "vitest.config.ts",
                     "README.md", "src/migrations.ts", ".gitignore"):
        assert required in files, required
    assert any(re.fullmatch(r"test/[\w-]+\.test\.ts", p) for p in files)
    for path, text in files.items():
        assert "{{" not in text and "{%" not in text and "{#" not in text, path
        assert text.endswith("\n"), path


@pytest.mark.parametrize("template,style", CASES)
def test_wrangler_config_declares_every_class_in_the_chosen_style(template, style):
    files = files_of(template, style)
    config = json5.loads(files["wrangler.jsonc"])
    assert config["name"] == f"my-{template}"
    assert config["main"] == "src/index.ts"
    assert config["compatibility_date"] == COMPATIBILITY_DATE >= "2026-04-07"
    classes = [b["class_name"] for b in config["durable_objects"]["bindings"]]
    assert classes
    for cls in classes:
        assert f"export class {cls} extends DurableObject" in files["src/index.ts"]
    if style == "exports":
        assert "migrations" not in config
        assert config["exports"] == {c: {"type": "durable-object", "storage": "sqlite"} for c in classes}
    else:
        assert "exports" not in config
        assert config["migrations"] == [{"tag": "v1", "new_sqlite_classes": classes}]


@pytest.mark.parametrize("template", sorted(REQUIRED_TEMPLATES))
def test_pinned_versions_equal_the_test_toolchain(template):
    """Same versions as tests/toolchain, so the e2e tests' linked node_modules is what `npm install` would give."""
    pinned = json.loads(TOOLCHAIN_PACKAGE.read_text())["devDependencies"]
    deps = json.loads(files_of(template, "exports")["package.json"])["devDependencies"]
    for name, version in deps.items():
        assert pinned.get(name) == version, name
        assert re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", version), f"{name} is not pinned: {version}"


@pytest.mark.parametrize("template", sorted(REQUIRED_TEMPLATES))
def test_sources_use_the_current_apis(template):
    files = files_of(template, "exports")
    src = "\n".join(t for p, t in files.items() if p.startswith("src/"))
    tests = "\n".join(t for p, t in files.items() if p.startswith("test/"))
    assert "_sql_schema_migrations" in files["src/migrations.ts"]
    assert "blockConcurrencyWhile" in src and "migrate(ctx.storage" in src
    assert not re.search(r"exec[^;]*PRAGMA user_version", src)  # mentioned in comments only
    assert "cloudflareTest" in files["vitest.config.ts"] and "vitest-pool-workers" not in "".join(files.values())
    assert 'from "cloudflare:workers"' in tests and "runInDurableObject" in tests
    assert "SELF" not in tests and "defineWorkersConfig" not in tests
    if "alarms" in next(t.features for t in list_templates().templates if t.id == template):
        assert "runDurableObjectAlarm" in tests and "alarm(info?: AlarmInvocationInfo)" in src.replace("_info", "info")


def test_template_specific_patterns_are_present():
    chat = files_of("chat-room", "exports")["src/index.ts"]
    for api in ("acceptWebSocket(server, [", "serializeAttachment", "setWebSocketAutoResponse", "getWebSockets(`user:"):
        assert api in chat
    booking = files_of("booking", "exports")["src/index.ts"]
    assert "transactionSync" in booking and "REFERENCES seats(id)" in booking and "ON DELETE CASCADE" in booking
    tenant = files_of("multi-tenant", "exports")["src/index.ts"]
    assert ".jurisdiction(residency)" in tenant and "projectChanged" in tenant
    queue = files_of("job-queue", "exports")["src/index.ts"]
    assert "info?.retryCount" in queue and "status = 'dead'" in queue


def test_rendering_is_deterministic():
    assert scaffold_project("a-b", "booking").model_dump() == scaffold_project("a-b", "booking").model_dump()


def test_template_sources_are_real_files_without_placeholders():
    """src/ and test/ of each template are plain TypeScript (lintable as is); variables live in _base config files."""
    from server.scaffold.render import TEMPLATES_DIR

    for tid in REQUIRED_TEMPLATES:
        for path in (TEMPLATES_DIR / tid).rglob("*.ts"):
            text = path.read_text()
            assert "{{" not in text and "{%" not in text, path
            rel = path.relative_to(TEMPLATES_DIR / tid).as_posix()
            assert files_of(tid, "exports")[rel] == text, "rendering must not change a plain file"
    assert (TEMPLATES_DIR / "_base" / "gitignore").is_file()
    assert ".gitignore" in files_of("counter", "exports")
