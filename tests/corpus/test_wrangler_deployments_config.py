"""[deployments] What the pinned wrangler accepts for Durable Object code updates (references/deployments.md).

The docs page and three changelog entries about deferred code updates disagree with each other and carry
"confirm before publication" notes, so the reference states what the shipped wrangler validates. These checks run
``wrangler deploy --dry-run`` (no network) against a one-class Worker and fail when a wrangler update changes the
accepted shape, range or flag syntax.
"""

from __future__ import annotations

import json
import re

import pytest

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
WORKER = """import { DurableObject } from "cloudflare:workers";
export class ChatRoom extends DurableObject {}
export default { fetch: () => new Response("ok") };
"""


def _config(strategy: dict | None) -> dict:
    durable_objects: dict = {"bindings": [{"name": "CHAT_ROOM", "class_name": "ChatRoom"}]}
    if strategy is not None:
        durable_objects["code_update_strategy"] = strategy
    return {
        "name": "code-update-check",
        "main": "src/index.ts",
        "compatibility_date": "2026-11-01",
        "durable_objects": durable_objects,
        "exports": {"ChatRoom": {"type": "durable-object", "storage": "sqlite"}},
    }


# case id -> (code_update_strategy or None, extra CLI args, expected exit code, text expected in the output or None)
CASES = {
    "deferred-with-max-delay-accepted": ({"mode": "deferred", "max_delay": 120}, [], 0, None),
    "max-delay-24h-accepted": ({"mode": "deferred", "max_delay": 86400}, [], 0, None),
    "max-delay-over-24h-rejected": (
        {"mode": "deferred", "max_delay": 86401}, [], 1,
        'Expected "durable_objects.code_update_strategy.max_delay" to be between 0 and 86400 seconds but got 86401.',
    ),
    "unknown-mode-rejected": (
        {"mode": "later"}, [], 1,
        'Expected "durable_objects.code_update_strategy.mode" field to be one of ["immediate","deferred"] but got "later".',
    ),
    # the changelog's `deployment_grace_period` shape is not what wrangler knows: an unknown key only warns
    "unknown-key-only-warns": (
        {"mode": "deferred", "grace_period": 30}, [], 0,
        'Unexpected fields found in durable_objects.code_update_strategy field: "grace_period"',
    ),
    # the docs say the API rejects max_delay with immediate; wrangler does not check it locally
    "immediate-with-max-delay-not-checked-locally": ({"mode": "immediate", "max_delay": 60}, [], 0, None),
    "flag-deferred-with-duration-accepted": (None, ["--durable-objects-code-update-mode", "deferred 30s"], 0, None),
    "flag-immediate-accepted": (None, ["--durable-objects-code-update-mode", "immediate"], 0, None),
    "flag-bad-value-rejected": (
        None, ["--durable-objects-code-update-mode", "soon"], 1,
        'The argument "--durable-objects-code-update-mode" must be either "immediate" or "deferred <duration>".',
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrangler_code_update_strategy(case, node_toolchain, tmp_path):
    strategy, args, exit_code, text = CASES[case]
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text(WORKER)
    (tmp_path / "package.json").write_text(json.dumps({"name": "code-update-check", "private": True, "type": "module"}))
    (tmp_path / "wrangler.json").write_text(json.dumps(_config(strategy), indent=2))
    node_toolchain.link_into(tmp_path)
    proc = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist", *args], cwd=tmp_path, timeout=300)
    output = _ANSI.sub("", proc.stdout + proc.stderr)
    assert proc.returncode == exit_code, output[-3000:]
    if text is not None:
        assert text in output, output[-3000:]
