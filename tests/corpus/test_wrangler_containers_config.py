"""[facets-and-containers] How the pinned wrangler links a Container to its Durable Object class.

Runs ``wrangler deploy --dry-run --containers-rollout=none`` (no Docker, no network) on a one-class Worker and
checks the rules references/facets-and-containers.md states: the link goes through ``containers[].class_name`` or
through ``exports.<Class>.container``, an unlinked container is an error, and ``exports`` refuses a container on a
``legacy-kv`` class.
"""

from __future__ import annotations

import json
import re

import pytest

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
WORKER = """import { DurableObject } from "cloudflare:workers";
export class Sandbox extends DurableObject {}
export default { fetch: () => new Response("ok") };
"""
BINDINGS = {"bindings": [{"name": "SANDBOX", "class_name": "Sandbox"}]}
LIVE = {"type": "durable-object", "storage": "sqlite"}

# case id -> (extra config, expected exit code, texts expected in the output)
CASES = {
    "linked-by-class-name": (
        {"containers": [{"class_name": "Sandbox", "image": "./Dockerfile", "max_instances": 2}],
         "exports": {"Sandbox": LIVE}},
        0, ["code-check-sandbox (", "env.SANDBOX (Sandbox)"],  # default name: <worker>-<class>, lowercased
    ),
    "linked-from-exports": (
        {"containers": [{"name": "sbx", "image": "./Dockerfile"}],
         "exports": {"Sandbox": {**LIVE, "container": "sbx"}}},
        0, ["sbx ("],
    ),
    "unknown-container-name": (
        {"containers": [{"name": "sbx", "image": "./Dockerfile"}],
         "exports": {"Sandbox": {**LIVE, "container": "nope"}}},
        1, ['"exports.Sandbox.container" references a container named "nope"',
            'The container "sbx" is not linked to a Durable Object.'],
    ),
    "exports-container-needs-sqlite": (
        {"containers": [{"name": "sbx", "image": "./Dockerfile"}],
         "exports": {"Sandbox": {"type": "durable-object", "storage": "legacy-kv", "container": "sbx"}}},
        1, ['"exports.Sandbox.container" requires "storage" to be "sqlite"'],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrangler_container_link(case, node_toolchain, tmp_path):
    extra, exit_code, texts = CASES[case]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text(WORKER)
    (tmp_path / "Dockerfile").write_text("FROM alpine:3\n")
    (tmp_path / "package.json").write_text(json.dumps({"name": "code-check", "private": True, "type": "module"}))
    config = {"name": "code-check", "main": "src/index.ts", "compatibility_date": "2026-11-01",
              "durable_objects": BINDINGS, **extra}
    (tmp_path / "wrangler.json").write_text(json.dumps(config, indent=2))
    node_toolchain.link_into(tmp_path)
    proc = node_toolchain.run(
        ["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--containers-rollout=none"], cwd=tmp_path, timeout=300
    )
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == exit_code, output[-3000:]
    for text in texts:
        assert text in output, output[-3000:]
