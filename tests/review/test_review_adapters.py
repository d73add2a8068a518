"""The review core through its adapters: MCP tools and resources (in-process SDK client) and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest
from mcp import Client

from server.app import mcp
from server.cli import main

pytestmark = pytest.mark.timeout(120)
HERE = Path(__file__).parent
BAD = 'export default { async fetch(r: Request, env: Env) { return env.C.getByName("global").fetch(r); } };\n'


def run(scenario):
    async def go():
        async with Client(mcp) as client:
            await scenario(client)

    anyio.run(go)


def test_review_tools_are_read_only_with_schemas_and_next_steps():
    async def scenario(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in ("review_code", "list_rules", "explain_rule"):
            tool = tools[name]
            assert tool.annotations.read_only_hint and tool.annotations.idempotent_hint
            assert tool.output_schema and "Next" in tool.description
        files = tools["review_code"].input_schema["properties"]["files"]
        assert files["minItems"] == 1 and files["maxItems"] == 50

    run(scenario)


def test_review_code_loop_until_clean():
    async def scenario(client):
        res = await client.call_tool("review_code", {"files": [{"path": "src/index.ts", "content": BAD}]})
        assert not res.is_error
        out = res.structured_content
        assert out["clean"] is False and out["summary"]["warning"] == 1
        (f,) = out["findings"]
        assert f["rule"] == "do-global-singleton" and f["line"] == 1 and f["docs"]
        fixed = BAD.replace('getByName("global")', "getByName(new URL(r.url).pathname)")
        res = await client.call_tool("review_code", {"files": [{"path": "src/index.ts", "content": fixed}]})
        assert res.structured_content["clean"] is True

    run(scenario)


def test_list_explain_and_rule_resources():
    async def scenario(client):
        rules = (await client.call_tool("list_rules", {})).structured_content["rules"]
        assert len(rules) >= 30 and all(r["docs"] for r in rules)
        e = (await client.call_tool("explain_rule", {"rule": "do-timers"})).structured_content
        assert e["id"] == "do-timers" and e["bad"] and e["good"]
        uris = {str(r.uri) for r in (await client.list_resources()).resources}
        assert {f"do-rules://{r['id']}" for r in rules} <= uris
        text = (await client.read_resource("do-rules://do-timers")).contents[0].text
        assert text.startswith("# do-timers") and "## Fix" in text

    run(scenario)


def test_tool_errors_are_readable():
    async def scenario(client):
        for name, args in [
            ("explain_rule", {"rule": "do-nope"}),
            ("review_code", {"files": []}),
            ("review_code", {"files": [{"path": "a.ts", "content": "x"}] * 51}),
            ("review_code", {"files": [{"path": "a.ts", "content": "x"}], "compatibility_date": "soon"}),
            ("review_code", {"files": [{"path": "a.ts"}]}),
        ]:
            res = await client.call_tool(name, args)
            assert res.is_error, (name, args)
            assert "Traceback" not in res.content[0].text

    run(scenario)


# -- CLI ---------------------------------------------------------------------------------------------------------

def test_cli_review_exit_codes_and_formats(tmp_path, capsys):
    (tmp_path / "bad.ts").write_text(BAD)
    (tmp_path / "clean.ts").write_text("export const x = 1;\n")
    assert main(["review", str(tmp_path / "clean.ts")]) == 0
    assert main(["review", str(tmp_path / "bad.ts")]) == 0  # a warning only
    assert main(["review", "--strict", str(tmp_path / "bad.ts")]) == 1
    capsys.readouterr()
    assert main(["review", "--format", "json", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["summary"]["warning"] == 1 and out["findings"][0]["rule"] == "do-global-singleton"
    assert main(["review", "--format", "sarif", str(tmp_path)]) == 0
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"][0]["ruleId"] == "do-global-singleton"


def test_cli_review_errors_exit_1_and_finds_config(capsys):
    project = HERE / "fixtures" / "do-class-not-exported" / "bad-not-exported"
    assert main(["review", str(project / "src" / "index.ts")]) == 1
    assert "do-class-not-exported" in capsys.readouterr().out
    assert main(["review", str(HERE / "clean" / "chat-room")]) == 0


def test_cli_review_bad_input(tmp_path, capsys):
    assert main(["review", str(tmp_path / "missing.ts")]) == 2
    assert main(["review", "--compatibility-date", "2026-02-30", str(tmp_path)]) == 2
    assert "do-expert:" in capsys.readouterr().err


def test_cli_rules(capsys):
    assert main(["rules"]) == 0
    assert "do-sql-interpolation" in capsys.readouterr().out
    assert main(["rules", "do-sql-interpolation"]) == 0
    assert "## Why" in capsys.readouterr().out
    assert main(["rules", "--json", "do-timers"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "do-timers"
    assert main(["rules", "do-nope"]) == 2
