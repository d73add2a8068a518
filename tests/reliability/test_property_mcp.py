"""Property-based tests through the MCP layer: hypothesis generates arguments for every tool, and every call
either returns structured content or a tool error with our code and hint; never a traceback, a hang or a crash.

Each test prints how many cases hypothesis generated (run with ``-s`` to see them)."""

from __future__ import annotations

import json

import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from figures import report
from server.app import mcp

pytestmark = pytest.mark.timeout(600)

EXAMPLES = 60
COUNTS: dict[str, int] = {}

text = st.one_of(st.text(max_size=200), st.sampled_from(["", " ", "alarms", "alarms#retries", "../../etc/passwd",
                                                         "do-docs://x", "\x00", "🦀" * 50, "a" * 5000]))
maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
anything = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text,
                     st.lists(text, max_size=3), st.dictionaries(text, text, max_size=2))
files = st.lists(st.fixed_dictionaries({"path": st.one_of(st.sampled_from(["src/index.ts", "wrangler.jsonc",
                                                                         "wrangler.toml", "a.tsx", "x.md"]), text),
                                        "content": st.one_of(text, st.sampled_from([
                                            "export class A extends DurableObject { f() { this.ctx.storage.sql.exec(`SELECT ${x}`) } }",
                                            '{"durable_objects": {"bindings": [{"name": "A", "class_name": "A"}]}}',
                                            "[[migrations]]\ntag = 1", "{{{{"]))}), max_size=4)

upgrade_files = st.lists(st.fixed_dictionaries({
    "path": st.one_of(st.sampled_from(["wrangler.jsonc", "wrangler.toml", "package.json", "vitest.config.ts",
                                       "tsconfig.json", "test/a.test.ts", "src/index.ts"]), text),
    "content": st.one_of(text, st.sampled_from([
        '{"compatibility_date": "2024-01-01", "migrations": [{"tag": "v1", "renamed_classes": ["x"]}]}',
        '{"main": "src/index.ts", "migrations": [{"tag": "v1", "new_classes": "A"}, 3]}',
        '{"devDependencies": {"@cloudflare/vitest-pool-workers": 1, "vitest": []}}',
        'import { SELF } from "cloudflare:test";\nSELF.fetch("x"); // @cloudflare/vitest-pool-workers',
        'export default defineWorkersConfig({ test: { poolOptions: { workers: () => ({}) } } }); // @cloudflare/vitest-pool-workers',
        "{{{{"]))}), max_size=5)

STRATEGIES = {
    "upgrade_project": st.fixed_dictionaries({"files": st.one_of(upgrade_files, anything)},
                                             optional={"to_date": maybe(text)}),
    "search_docs": st.fixed_dictionaries({"query": text}, optional={"limit": anything, "topic": maybe(text),
                                                                    "source": maybe(text)}),
    "read_docs": st.fixed_dictionaries({"ids": st.one_of(st.lists(text, max_size=12), anything)}),
    "list_docs": st.fixed_dictionaries({}, optional={"sections": anything, "source": maybe(text)}),
    "list_sources": st.just({}),
    "review_code": st.fixed_dictionaries({"files": st.one_of(files, anything)},
                                         optional={"compatibility_date": maybe(text)}),
    "list_rules": st.just({}),
    "explain_rule": st.fixed_dictionaries({"rule": st.one_of(text, st.sampled_from(["do-timers", "do-sql-interpolation"]))}),
    "list_templates": st.just({}),
    "scaffold_project": st.fixed_dictionaries({"name": text, "template": st.one_of(text, st.just("counter"))},
                                              optional={"config_style": anything}),
    "scaffold_class": st.fixed_dictionaries({"class_name": text, "features": st.one_of(st.lists(text, max_size=3),
                                                                                        anything)},
                                            optional={"binding": maybe(text)}),
}


@pytest.fixture(scope="module")
def call():
    with start_blocking_portal() as portal:
        client = portal.wrap_async_context_manager(Client(mcp))
        with client as c:
            yield lambda name, args: portal.call(c.call_tool, name, args)


def check(result) -> None:
    text_parts = " ".join(getattr(c, "text", "") for c in result.content)
    assert "Traceback" not in text_parts
    if result.is_error:
        assert text_parts.strip(), "an error without a message"
        assert len(text_parts) < 20_000, "an error that echoes its input"
    else:
        assert isinstance(result.structured_content, dict)
        json.dumps(result.structured_content)


@pytest.mark.parametrize("tool", sorted(STRATEGIES))
def test_tool_never_crashes(call, tool):
    COUNTS[tool] = 0

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(args=STRATEGIES[tool])
    def prop(args):
        COUNTS[tool] += 1
        check(call(tool, args))

    prop()
    report(f"hypothesis, {tool}: {COUNTS[tool]} generated cases through the MCP layer")
    assert COUNTS[tool] >= 1


def test_every_tool_has_a_strategy():
    import anyio

    names = {t.name for t in anyio.run(mcp.list_tools)}
    assert names == set(STRATEGIES), names ^ set(STRATEGIES)  # a new tool needs its strategy here
