"""End to end: `do-expert serve` over stdio, driven by the SDK's client, as an MCP host would."""

import anyio
import pytest

from mcp_helpers import stdio_client

pytestmark = pytest.mark.timeout(300)


def structured(result):
    assert not result.is_error, result.content
    return result.structured_content


def run(coro_fn, *args):
    return anyio.run(coro_fn, *args)


def test_tools_search_read_list_resources_prompts(tmp_path):
    async def scenario():
        async with stdio_client(tmp_path / "ix") as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            contract = {"search_docs", "read_docs", "list_docs", "review_code", "list_rules", "explain_rule",
                        "list_templates", "scaffold_project", "scaffold_class"}
            assert contract <= set(tools), contract - set(tools)
            for name in contract:
                tool = tools[name]
                assert tool.annotations.read_only_hint and tool.annotations.idempotent_hint
                assert tool.output_schema and tool.description and "read_docs" in tools["search_docs"].description

            found = structured(await client.call_tool("search_docs", {"query": "transactionSync rollback", "limit": 3}))
            assert 1 <= len(found["results"]) <= 3 and found["total"] >= len(found["results"])
            first = found["results"][0]
            assert set(first) >= {"id", "uri", "title", "section", "topic", "score", "snippet"}
            assert first["uri"] == "do-docs://" + first["id"].replace("#", "/")

            read = structured(await client.call_tool("read_docs", {"ids": [first["id"], "no-such-doc#x"]}))
            assert read["sections"][0]["id"] == first["id"] and [m["id"] for m in read["missing"]] == ["no-such-doc#x"]
            assert read["sections"][0]["sources"] and read["sections"][0]["markdown"].startswith("#")

            listing = structured(await client.call_tool("list_docs", {}))
            ids = {d["id"] for d in listing["docs"]}
            assert {"sqlite-storage", "rules", "concurrency"} <= ids

            resources = {str(r.uri) for r in (await client.list_resources()).resources}
            assert "do-docs://sqlite-storage" in resources
            doc = await client.read_resource("do-docs://sqlite-storage")
            assert doc.contents[0].text.startswith("# ")
            doc_id, slug = first["id"].split("#")
            section = await client.read_resource(f"do-docs://{doc_id}/{slug}")
            assert section.contents[0].text == read["sections"][0]["markdown"]

            review = structured(await client.call_tool("review_code", {"files": [{"path": "src/do.ts", "content":
                "import { DurableObject } from 'cloudflare:workers';\nexport class A extends DurableObject {\n"
                "  run(x: string) { this.ctx.storage.sql.exec(`SELECT * FROM t WHERE id = ${x}`); }\n}\n"}]}))
            assert not review["clean"] and review["findings"][0]["rule"] == "do-sql-interpolation"
            assert review["findings"][0]["line"] == 3

            prompts = {p.name for p in (await client.list_prompts()).prompts}
            assert {"review-durable-object", "design-durable-object"} <= prompts
    run(scenario)


def test_bad_input_is_a_tool_error_and_the_server_keeps_serving(tmp_path):
    async def scenario():
        async with stdio_client(tmp_path / "ix") as client:
            bad_calls = [
                ("search_docs", {"query": ""}),
                ("search_docs", {"query": "x" * 100_000}),
                ("search_docs", {"query": "alarm", "limit": 0}),
                ("search_docs", {"query": "alarm", "limit": 500}),
                ("search_docs", {"query": "alarm", "topic": "../../etc"}),
                ("search_docs", {"query": "\x00\x01\x02"}),
                ("search_docs", {}),
                ("read_docs", {"ids": []}),
                ("read_docs", {"ids": ["a"] * 11}),
            ]
            for name, args in bad_calls:
                result = await client.call_tool(name, args)
                assert result.is_error, (name, args)
                text = result.content[0].text
                assert "Traceback" not in text and len(text) < 2000, text
            odd = structured(await client.call_tool("search_docs", {"query": 'title:(a OR "b) AND NOT [c]'}))
            assert odd["query"]
            paths = structured(await client.call_tool("read_docs", {"ids": ["../../etc/passwd", "/etc/passwd"]}))
            assert paths["sections"] == [] and len(paths["missing"]) == 2
            ok = structured(await client.call_tool("search_docs", {"query": "alarm retries"}))
            assert ok["results"], "still serving after bad input"
    run(scenario)
