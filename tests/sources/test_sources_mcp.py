"""Sources over MCP (in-process SDK client): labels on results, the source filters, list_sources, reads of a
source's sections and resources, and progress notifications while a newly added source is indexed."""

import anyio
import pytest
from mcp import Client

from server import app
from server.sources import config as cfg

QUOKKA = "what does the quokka ledger janitor compact"
pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def fresh_app(user_folders, monkeypatch):
    """The MCP app with a Library over this test's folders, and no warm-up thread (it would index the source
    before the search under test could)."""
    monkeypatch.setattr(app, "_engine", None)
    monkeypatch.setattr(app, "start_warm_up", lambda delay=0.0: None)
    return app


def run(scenario):
    async def go():
        async with Client(app.mcp) as client:
            await scenario(client)

    anyio.run(go)


def test_search_indexes_a_new_source_with_progress_and_labels_its_hits(fresh_app, notes_folder, tmp_path):
    # A name of this test's own: the shared index folder has never seen it, so the search must index it.
    name = f"fresh-{tmp_path.name[-8:].lower().replace('_', '-')}".strip("-")
    cfg.add_source(notes_folder, name=name)
    seen = []

    async def on_progress(progress, total, message):
        seen.append((progress, total, message))

    async def scenario(client):
        res = await client.call_tool("search_docs", {"query": QUOKKA}, progress_callback=on_progress)
        assert not res.is_error, res.content
        top = res.structured_content["results"][0]
        assert (top["source"], top["verified"]) == (name, False)
        assert top["id"] == f"{name}--design-room-sharding#quokka-ledger"
        read = await client.read_resource(top["uri"])
        assert read.contents[0].text.startswith("## Quokka ledger")

    run(scenario)
    messages = {m for _, _, m in seen}
    assert f"indexing {name}" in messages and f"reading {name}" in messages, seen
    assert seen[-1][0] == seen[-1][1]  # the last report says done


def test_list_sources_and_filters_over_mcp(fresh_app, notes_folder):
    cfg.add_source(notes_folder, name="team")

    async def scenario(client):
        listed = (await client.call_tool("list_sources", {})).structured_content["sources"]
        assert [(s["name"], s["kind"], s["verified"]) for s in listed] == [
            ("bundled", "bundled", True), ("team", "local", False)]
        only = (await client.call_tool("search_docs", {"query": "alarm", "source": "team"})).structured_content
        assert {h["source"] for h in only["results"]} == {"team"}
        bad = await client.call_tool("search_docs", {"query": "alarm", "source": "nope"})
        assert bad.is_error and "'team'" in bad.content[0].text and "Hint:" in bad.content[0].text
        docs = (await client.call_tool("list_docs", {"source": "team"})).structured_content["docs"]
        assert {d["id"] for d in docs} == {"team--design-room-sharding", "team--runbooks"}
        bundled = (await client.call_tool("list_docs", {})).structured_content
        assert "team" in bundled["note"] and all(d["source"] == "bundled" for d in bundled["docs"])
        read = (await client.call_tool("read_docs", {"ids": ["team--runbooks#pager-steps"]})).structured_content
        section = read["sections"][0]
        assert (section["source"], section["verified"], section["last_verified"]) == ("team", False, None)

    run(scenario)
