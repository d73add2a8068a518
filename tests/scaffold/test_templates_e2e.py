"""End to end: every template in both config styles, and every scaffold_class feature, through the real toolchain.

Each generated project gets ``node_modules`` linked from the pinned, cached toolchain (tests/toolchain.py), which
holds exactly the versions its package.json pins (checked by test_scaffold_templates.py), so no network install
happens per project. Then ``tsc --noEmit``, ``vitest run`` (inside workerd) and ``wrangler deploy --dry-run`` run
once per project, sequentially: the machines have two cores and vitest already uses both.

The review half (do-expert's own review, no error or warning) needs no toolchain and lives at the bottom.
"""

from __future__ import annotations

import importlib.util
import time

import pytest

from server.scaffold import FEATURES, list_templates, scaffold_class, scaffold_project, write_files
from scaffold_checks import add_class, review_project, run_toolchain

TEMPLATES = [t.id for t in list_templates().templates]
STYLES = ("exports", "migrations")
# Each feature alone (jsonc, exports), then all features in every other format/style combination.
CLASS_CASES = [((f,), "jsonc", "exports") for f in FEATURES] + [
    (FEATURES, "jsonc", "migrations"),
    (FEATURES, "toml", "exports"),
    (FEATURES, "toml", "migrations"),
]
DURATIONS: dict[str, float] = {}


def generate_project(root, template: str, style: str):
    project = root / f"{template}-{style}"
    write_files(project, scaffold_project(f"{template}-{style}", template, style).files)
    return project


def generate_class_project(root, features, config_format: str, style: str):
    project = root / f"class-{'-'.join(features)}-{config_format}-{style}"
    write_files(project, scaffold_project("host-app", "counter", style).files)
    add_class(project, scaffold_class("ShoppingCart", list(features), config_format=config_format,
                                      config_style=style), config_format)
    return project


def assert_toolchain_passes(node_toolchain, project, label: str) -> None:
    started = time.monotonic()
    report = run_toolchain(node_toolchain, project)
    DURATIONS[label] = round(time.monotonic() - started, 1)
    assert report.ok, "\n\n".join(report.failures)


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("style", STYLES)
def test_template_passes_tsc_vitest_and_wrangler(tmp_path, node_toolchain, template, style):
    project = generate_project(tmp_path, template, style)
    assert_toolchain_passes(node_toolchain, project, f"{template}/{style}")


@pytest.mark.parametrize("features,config_format,style", CLASS_CASES,
                         ids=[f"{'+'.join(f)}-{c}-{s}" for f, c, s in CLASS_CASES])
def test_scaffolded_class_passes_tsc_vitest_and_wrangler(tmp_path, node_toolchain, features, config_format, style):
    project = generate_class_project(tmp_path, features, config_format, style)
    assert_toolchain_passes(node_toolchain, project, f"class {'+'.join(features)} {config_format}/{style}")


def test_npm_install_of_a_generated_project(tmp_path, node_toolchain):
    """One real `npm install` from the generated package.json (offline: the npm cache that installed the pinned
    toolchain holds every tarball), then the project's own tsc, vitest and wrangler. Proves the pins resolve."""
    import json
    import os
    import shutil

    project = generate_project(tmp_path, "chat-room", "exports")
    started = time.monotonic()
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed")
    # An absolute path runs as given; its `#!/usr/bin/env node` finds the toolchain's Node 22 first on PATH.
    proc = node_toolchain.run([npm, "install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"],
                              cwd=project, timeout=600)
    if proc.returncode != 0:
        # ~/.npm lacks or holds other metadata for some package (ENOTCACHED, or an ERESOLVE on "vitest@undefined"
        # after another install rewrote the packument): resolve against the registry, using the cache where it can.
        proc = node_toolchain.run([npm, "install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"],
                                  cwd=project, timeout=900)
        if proc.returncode != 0 and not os.environ.get("CI"):
            pytest.skip(f"npm install needs the registry, which is unreachable: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pins = json.loads((project / "package.json").read_text())["devDependencies"]
    for name, version in pins.items():
        assert json.loads((project / "node_modules" / name / "package.json").read_text())["version"] == version
    for argv in (["tsc", "--noEmit"], ["vitest", "run"], ["wrangler", "deploy", "--dry-run", "--outdir", "dist"]):
        local = project / "node_modules" / ".bin" / argv[0]
        res = node_toolchain.run(["node", str(local.resolve()), *argv[1:]], cwd=project, timeout=300)
        assert res.returncode == 0, f"{argv}:\n{res.stdout[-3000:]}\n{res.stderr[-2000:]}"
    DURATIONS["npm install + checks (chat-room)"] = round(time.monotonic() - started, 1)


def test_report_durations():
    """Last in this module: prints how long each project took (pytest -s, or see the -rA summary)."""
    if DURATIONS:
        total = sum(DURATIONS.values())
        lines = [f"{k:50} {v:6.1f}s" for k, v in DURATIONS.items()]
        print("\nscaffold e2e durations:\n" + "\n".join(lines) + f"\n{'total':50} {total:6.1f}s")


# ---------------------------------------------------------------------------------------------------------- review
REVIEW_MISSING = importlib.util.find_spec("server.review") is None


@pytest.mark.skipif(REVIEW_MISSING, reason="server.review (the review engine) is not in this tree yet")
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("style", STYLES)
def test_generated_project_reviews_clean(tmp_path, template, style):
    findings = review_project(generate_project(tmp_path, template, style))
    assert findings == [], "\n".join(findings)


@pytest.mark.skipif(REVIEW_MISSING, reason="server.review (the review engine) is not in this tree yet")
@pytest.mark.parametrize("features,config_format,style", CLASS_CASES,
                         ids=[f"{'+'.join(f)}-{c}-{s}" for f, c, s in CLASS_CASES])
def test_scaffolded_class_reviews_clean(tmp_path, features, config_format, style):
    findings = review_project(generate_class_project(tmp_path, features, config_format, style))
    assert findings == [], "\n".join(findings)
