"""The search tools' contract over MCP (in-process SDK client): links that read back, ids in descriptions that
exist, did-you-mean, one-call answers, completions, argument errors with hints, and a small tools/list."""

from __future__ import annotations

import json
import re

import anyio
import pytest
from mcp import Client
from mcp.types import PromptReference, ResourceTemplateReference

from server.app import engine, mcp

pytestmark = pytest.mark.timeout(180)


def run(scenario):
    async def go():
        async with Client(mcp) as client:
            await scenario(client)

    anyio.run(go)


def test_every_uri_a_search_returns_reads_back_through_resources_read():
    async def scenario(client):
        for query in ("alarm retries", "transactionSync rollback", "websocket hibernation auto response"):
            res = await client.call_tool("search_docs", {"query": query, "limit": 5})
            assert not res.is_error
            hits = res.structured_content["results"]
            links = [c for c in res.content if c.type == "resource_link"]
            assert [str(link.uri) for link in links] == [h["uri"] for h in hits]  # also as resource links
            for hit in hits:
                read = await client.read_resource(hit["uri"])
                text = read.contents[0].text
                assert text == engine().corpus.sections[hit["id"]].markdown
        read = await client.call_tool("read_docs", {"ids": ["alarms"]})
        doc = read.structured_content["sections"][0]
        assert (await client.read_resource(doc["uri"])).contents[0].text.startswith("# ")

    run(scenario)


def test_every_id_named_in_a_search_tool_description_exists():
    async def scenario(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        texts = []
        for name in ("search_docs", "read_docs", "list_docs"):
            texts.append(tools[name].description or "")
            texts.append(json.dumps(tools[name].input_schema))
        quoted = set(re.findall(r"'([a-z0-9-]+(?:#[a-z0-9_-]+)?)'", " ".join(texts)))
        ids = {i for i in quoted if "#" in i or i in engine().corpus.docs or i in {"alarms", "sqlite-storage"}}
        assert ids, "descriptions should show an example id"
        for ident in ids:
            assert engine().corpus.resolve(ident) is not None, f"example id {ident!r} does not exist"

    run(scenario)


def test_unknown_ids_get_did_you_mean():
    result = engine().read(["sqlite-storage#transactionsyn", "alarms#retries", "no-such-thing"])
    near = {m.id: m.did_you_mean for m in result.missing}
    assert "sqlite-storage#transactionsync" in near["sqlite-storage#transactionsyn"]
    assert any(i.startswith("alarms#retries") for i in near["alarms#retries"])
    assert all(engine().corpus.resolve(i) for ids in near.values() for i in ids)


def test_did_you_mean_knows_a_slug_word_cut_short():
    """An agent half remembers a heading: "retrie" must still point at the retries section, first."""
    near = engine().read(["alarms#retrie", "websockets#hibernat"]).missing
    assert near[0].did_you_mean[0] == "alarms#retries-and-at-least-once-delivery"
    assert all("hibernation" in i for i in near[1].did_you_mean[:2])


def test_include_text_and_max_chars_give_one_call_answers():
    result = engine().search("how do alarm retries work", include_text=True, max_chars=2500)
    texts = [h.text for h in result.results if h.text]
    assert texts and texts[0] == engine().corpus.sections[result.results[0].id].markdown[: len(texts[0])]
    assert sum(len(t) for t in texts) <= 2500
    plain = engine().search("how do alarm retries work")
    assert all(h.text is None for h in plain.results)


def test_read_docs_max_chars_cuts_and_says_so():
    whole = engine().read(["sqlite-storage"]).sections[0]
    cut = engine().read(["sqlite-storage"], max_chars=1000).sections[0]
    assert len(cut.markdown) <= 1000 < len(whole.markdown) and cut.truncated and not whole.truncated
    assert whole.markdown.count("\n# ") + whole.markdown.startswith("# ") == 1  # the H1 once, not twice


def test_list_docs_is_compact_by_default():
    compact = engine().list_docs()
    full = engine().list_docs(sections=True)
    assert all(d.sections is None and "\n" not in d.summary and len(d.summary) <= 160 for d in compact.docs)
    assert all(d.sections for d in full.docs)
    assert len(compact.model_dump_json(exclude_none=True)) * 4 < len(full.model_dump_json())


def test_tools_list_stays_under_15_kb():
    async def scenario(client):
        tools = (await client.list_tools()).tools
        size = len(json.dumps({"tools": [t.model_dump(mode="json", by_alias=True, exclude_none=True)
                                         for t in tools]}, separators=(",", ":")))
        assert size < 15_000, size

    run(scenario)


@pytest.mark.parametrize("args, field, allowed", [
    ({"query": "alarms", "limit": 50}, "limit", "from 1 to 20"),
    ({"query": "alarms", "max_chars": 5}, "max_chars", "from 200 to 200000"),
    ({"query": ""}, "query", "at most 1000 characters"),
    ({"query": "alarms", "source": "elsewhere"}, "source", "'bundled'"),
])
def test_argument_errors_are_our_errors_naming_field_and_range(args, field, allowed):
    async def scenario(client):
        res = await client.call_tool("search_docs", args)
        text = res.content[0].text
        assert res.is_error and f"'{field}'" in text and allowed in text and "Hint:" in text
        assert "(code: invalid_input)" in text and "pydantic.dev" not in text

    run(scenario)


def test_read_docs_id_count_error_names_the_range():
    async def scenario(client):
        res = await client.call_tool("read_docs", {"ids": [f"alarms#x{i}" for i in range(11)]})
        assert res.is_error and "'ids'" in res.content[0].text and "1 to 10 items" in res.content[0].text

    run(scenario)


def test_completions_for_doc_section_rule_and_template_ids():
    async def scenario(client):
        tmpl = ResourceTemplateReference(type="ref/resource", uri="do-docs://{doc_id}/{slug}")
        docs = await client.complete(tmpl, {"name": "doc_id", "value": "sql"})
        assert "sqlite-storage" in docs.completion.values
        slugs = await client.complete(tmpl, {"name": "slug", "value": "transaction"},
                                      context_arguments={"doc_id": "sqlite-storage"})
        assert "transactionsync" in slugs.completion.values
        ref = await client.complete(PromptReference(type="ref/prompt", name="study-reference"),
                                    {"name": "id", "value": "alarms#set"})
        assert "alarms#setalarm" in ref.completion.values
        rules = await client.complete(PromptReference(type="ref/prompt", name="fix-rule-finding"),
                                      {"name": "rule", "value": "do-sql-"})
        assert "do-sql-interpolation" in rules.completion.values
        templates = await client.complete(PromptReference(type="ref/prompt", name="design-durable-object"),
                                          {"name": "template", "value": "ch"})
        assert templates.completion.values == ["chat-room"]

    run(scenario)


def test_coverage_signal_on_and_off_topic():
    on = engine().search("how do I make an alarm retry with backoff")
    off = engine().search("How do I center a div with CSS flexbox?")
    assert on.covered and on.note is None and 0 < on.results[0].relevance <= 1
    assert not off.covered and off.note and "Durable Objects" in off.note
    assert all(0 <= h.relevance <= 1 for h in [*on.results, *off.results])
    assert on.results[0].relevance > max(h.relevance for h in off.results)


def test_importing_the_server_loads_no_index_code():
    """initialize and tools/list never wait for the index: nothing heavy is imported before a search needs it."""
    import subprocess
    import sys

    code = ("import sys, server.cli, server.app; "
            "print(sorted(m for m in ('whoosh', 'yaml', 'server.review', 'server.search.engine') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
