"""The scaffold tools through the MCP SDK client, in-process: schemas, annotations, results and tool errors."""

from __future__ import annotations

import anyio
import json5
import pytest
from mcp import Client

from server.app import mcp

pytestmark = pytest.mark.timeout(120)
SCAFFOLD_TOOLS = ("list_templates", "scaffold_project", "scaffold_class")


def structured(result):
    assert not result.is_error, result.content
    return result.structured_content


def run(scenario):
    async def main():
        async with Client(mcp) as client:
            await scenario(client)

    anyio.run(main)


def test_tools_are_listed_read_only_with_output_schemas_and_next_steps_in_docs():
    async def scenario(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        for name in SCAFFOLD_TOOLS:
            tool = tools[name]
            assert tool.annotations.read_only_hint and tool.annotations.idempotent_hint
            assert not tool.annotations.destructive_hint
            assert tool.output_schema and "Next" in tool.description
        features = tools["scaffold_class"].input_schema["properties"]["features"]
        assert set(features["items"]["enum"]) == {"sql", "kv", "alarms", "websockets", "pitr"}

    run(scenario)


def test_list_scaffold_project_and_class():
    async def scenario(client):
        listed = structured(await client.call_tool("list_templates", {}))
        assert {t["id"] for t in listed["templates"]} >= {"counter", "chat-room", "booking", "rate-limiter",
                                                           "multi-tenant", "job-queue"}
        project = structured(await client.call_tool("scaffold_project", {"name": "team-chat", "template": "chat-room"}))
        files = {f["path"]: f["content"] for f in project["files"]}
        assert project["template"] == "chat-room" and project["next_steps"]
        assert "ChatRoom" in json5.loads(files["wrangler.jsonc"])["exports"]
        mig = structured(await client.call_tool("scaffold_project", {"name": "q", "template": "job-queue",
                                                                     "config_style": "migrations"}))
        assert '"new_sqlite_classes"' in {f["path"]: f["content"] for f in mig["files"]}["wrangler.jsonc"]
        cls = structured(await client.call_tool("scaffold_class", {"class_name": "GameRoom",
                                                                   "features": ["websockets", "alarms"],
                                                                   "binding": "GAMES", "config_format": "toml"}))
        assert [f["path"] for f in cls["files"]] == ["src/game-room.ts", "test/game-room.test.ts"]
        assert 'name = "GAMES"' in cls["config_patch"] and cls["next_steps"]

    run(scenario)


def test_bad_input_is_a_readable_tool_error():
    bad_calls = [
        ("scaffold_project", {"name": "../etc", "template": "counter"}),
        ("scaffold_project", {"name": "x" * 5000, "template": "counter"}),
        ("scaffold_project", {"name": "caf\u00e9", "template": "counter"}),
        ("scaffold_project", {"name": "ok", "template": "todo-app"}),
        ("scaffold_project", {"name": "ok", "template": "counter", "config_style": "toml"}),
        ("scaffold_project", {"name": "ok"}),
        ("scaffold_class", {"class_name": "a;b", "features": ["sql"]}),
        ("scaffold_class", {"class_name": "Cart", "features": ["cron"]}),
        ("scaffold_class", {"class_name": "Cart", "features": ["sql"], "binding": "$(id)"}),
    ]

    async def scenario(client):
        for name, args in bad_calls:
            result = await client.call_tool(name, args)
            assert result.is_error, (name, args)
            text = result.content[0].text
            assert "Traceback" not in text and len(text) < 2000, text
        unknown = await client.call_tool("scaffold_project", {"name": "ok", "template": "todo-app"})
        assert "counter" in unknown.content[0].text and "not_found" in unknown.content[0].text
        feature = await client.call_tool("scaffold_class", {"class_name": "Cart", "features": ["cron"]})
        assert "websockets" in feature.content[0].text
        assert structured(await client.call_tool("list_templates", {}))["templates"], "still serving"

    run(scenario)
