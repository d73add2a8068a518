"""Proof of the upgrade on an old-style project (tests/upgrade/fixtures/old-counter: `migrations` with a rename, an
old compatibility date, @cloudflare/vitest-pool-workers with defineWorkersConfig and SELF, the legacy `implements
DurableObject` shape, BEGIN/COMMIT, array bindings, a bare CREATE TABLE): after `do-expert upgrade --write` and
`do-expert review --unsafe-fixes` it reviews clean, type-checks, passes its tests in workerd and builds with
wrangler. Dependencies come from the pinned toolchain (tests/toolchain.py), whose versions the upgraded
package.json must name."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from server.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
PINNED = json.loads((Path(__file__).parents[1] / "toolchain" / "package.json").read_text())["devDependencies"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_old_project_upgrades_fixes_and_passes_the_toolchain(tmp_path, node_toolchain, capsys):
    project = tmp_path / "old-counter"
    shutil.copytree(FIXTURES / "old-counter", project)
    assert main(["upgrade", str(project), "--write"]) == 0
    main(["review", str(project), "--unsafe-fixes"])
    capsys.readouterr()
    assert main(["review", str(project), "--strict", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["clean"] is True

    pkg = json.loads((project / "package.json").read_text())["devDependencies"]
    assert "@cloudflare/vitest-pool-workers" not in pkg
    for name in ("@cloudflare/vitest-plugin", "vitest"):
        assert pkg[name] == PINNED[name], name  # what `npm install` would fetch is what the toolchain runs
    config = (project / "wrangler.jsonc").read_text()
    assert '"exports"' in config and '"migrations"' not in config and "2026-11-01" in config

    node_toolchain.link_into(project)
    tsc = node_toolchain.run(["tsc", "--noEmit", "-p", "."], cwd=project, timeout=300)
    assert tsc.returncode == 0, tsc.stdout[-4000:] + tsc.stderr[-2000:]
    tests = node_toolchain.run(["vitest", "run"], cwd=project, timeout=300)
    out = ANSI.sub("", tests.stdout + tests.stderr)
    assert tests.returncode == 0 and "1 passed" in out, out[-4000:]
    build = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=project, timeout=180)
    assert build.returncode == 0, ANSI.sub("", build.stdout + build.stderr)[-3000:]
