"""Searching the bundled reference beside a user's folder and the synced docs (server/sources/library.py)."""

import shutil

import httpx
import pytest

from server.errors import InvalidInputError, SourceError
from server.models import SearchHit, SearchResult
from server.sources import config as cfg
from server.sources.library import Library, _merged

QUOKKA = "what does the quokka ledger janitor compact"


@pytest.fixture
def library(user_folders, notes_folder):
    cfg.add_source(notes_folder, name="team")
    return Library()


def test_a_users_notes_are_searched_beside_the_bundled_reference(library):
    result = library.search(QUOKKA)
    top = result.results[0]
    assert top.id == "team--design-room-sharding#quokka-ledger"
    assert (top.source, top.verified, top.fetched) == ("team", False, None)
    assert top.uri == "do-docs://team--design-room-sharding/quokka-ledger"
    bundled = library.search("how do I retry a failed alarm with backoff")
    assert bundled.results[0].source == "bundled" and bundled.results[0].verified
    assert bundled.covered


def test_the_source_filter(library):
    only = library.search("alarm", source="team", limit=10)
    assert only.results and {h.source for h in only.results} == {"team"}
    assert {h.source for h in library.search("alarm", source="bundled", limit=10).results} == {"bundled"}
    with pytest.raises(InvalidInputError) as err:
        library.search("alarm", source="nope")
    assert "'team'" in err.value.message and "'bundled'" in err.value.message


def test_topic_routes_to_its_source(library):
    hits = library.search("tenant layout rollout", topic="team--design-room-sharding").results
    assert hits and all(h.topic == "team--design-room-sharding" for h in hits)
    assert all(h.topic == "alarms" for h in library.search("retry", topic="alarms").results)
    with pytest.raises(InvalidInputError):
        library.search("retry", topic="alarms", source="team")


def test_mdx_and_front_matter_never_reach_snippets_or_text(library):
    result = library.search("pager fires restart janitor worker", source="team", include_text=True)
    hit = result.results[0]
    assert hit.id.startswith("team--runbooks#")
    for noise in ("import { Render", "<Render", "{/*", "<Details", "</Details>", "title:"):
        assert noise not in hit.snippet and noise not in (hit.text or "")
    page = library.read(["team--runbooks"]).sections[0].markdown
    assert "<Render" not in page and "import { env }" in page  # code keeps its imports


def test_read_routes_each_id_and_keeps_order_and_budget(library):
    result = library.read(["sqlite-storage#transactionsync", "team--design-room-sharding#quokka-ledger", "team--nope#x"])
    assert [s.id for s in result.sections] == ["sqlite-storage#transactionsync", "team--design-room-sharding#quokka-ledger"]
    assert [(s.source, s.verified) for s in result.sections] == [("bundled", True), ("team", False)]
    assert result.sections[1].last_verified is None and result.sections[1].sources[0].startswith("file://")
    assert [m.id for m in result.missing] == ["team--nope#x"]
    cut = library.read(["alarms", "team--design-room-sharding"], max_chars=400)
    assert sum(len(s.markdown) for s in cut.sections) <= 400
    assert library.doc_markdown("do-docs://team--design-room-sharding/rollout").startswith("## Rollout")


def test_list_docs_stays_compact_and_names_the_other_sources(library):
    listed = library.list_docs()
    assert {d.source for d in listed.docs} == {"bundled"}
    assert "team" in listed.note and "list_sources" in listed.note
    team = library.list_docs(source="team")
    assert {d.id for d in team.docs} == {"team--design-room-sharding", "team--runbooks"}
    assert {d.source for d in team.docs} == {"team"}


def test_list_sources_says_what_is_searched(library, notes_folder):
    (notes_folder / "blob.md").write_bytes(b"\x00\x01binary")
    listed = library.list_sources().sources
    assert [(s.name, s.kind, s.verified) for s in listed] == [("bundled", "bundled", True), ("team", "local", False)]
    assert listed[0].docs > 20 and listed[1].docs == 2 and listed[1].sections >= 4
    assert listed[1].indexed_at and listed[1].location == str(notes_folder.resolve())


def test_a_source_added_while_running_is_searched(user_folders, notes_folder):
    library = Library()
    assert {h.source for h in library.search(QUOKKA, limit=10).results} == {"bundled"}
    cfg.add_source(notes_folder, name="late")
    assert library.search(QUOKKA).results[0].source == "late"
    cfg.remove_source("late")
    assert {h.source for h in library.search(QUOKKA, limit=10).results} == {"bundled"}


def test_a_vanished_folder_or_broken_config_never_stops_the_bundled_search(library, notes_folder):
    shutil.rmtree(notes_folder)
    library._sources.clear()
    library._key = None
    result = library.search("alarm retries")
    assert result.results[0].source == "bundled"
    assert "team" in result.note and "not searched" in result.note
    assert next(s for s in library.list_sources().sources if s.name == "team").problem
    cfg.config_file().write_text("[[source]\nbroken")
    assert library.search("alarm retries").results[0].source == "bundled"
    assert any("not valid TOML" in (s.problem or "") for s in library.list_sources().sources)


def test_unknown_source_in_read_is_a_miss_with_did_you_mean(library):
    result = library.read(["team--design-room-sharding#quokka"])
    assert result.missing[0].did_you_mean[0] == "team--design-room-sharding#quokka-ledger"


def _hit(source: str, relevance: float) -> SearchHit:
    return SearchHit(id=f"{source}#x", uri="do-docs://x/y", title="t", section="s", topic="x", source=source,
                     relevance=relevance, score=1.0, snippet="")


def test_merge_keeps_each_sources_order_and_puts_bundled_first_on_ties():
    bundled = SearchResult(query="q", total=2, covered=False, note="n", results=[_hit("bundled", 0.5),
                                                                                 _hit("bundled", 0.2)])
    team = SearchResult(query="q", total=2, covered=True, results=[_hit("team", 0.5), _hit("team", 0.9)])
    merged = _merged("q", [("bundled", bundled), ("team", team)], [], 4, False, None)
    assert [(h.source, h.relevance) for h in merged.results] == [
        ("bundled", 0.5), ("team", 0.5), ("team", 0.9), ("bundled", 0.2)]
    assert merged.covered and merged.note is None and merged.total == 4


PAGES = {
    "/durable-objects/llms.txt": "# Durable Objects\n\n- [Wombat](https://docs.test/durable-objects/wombat/index.md)\n",
    "/durable-objects/wombat/index.md": "---\ntitle: Wombat storage\ndescription: A made-up page.\n---\n\n"
                                        "[Skip to content](#main)\n\n# Wombat storage\n\n## Burrow limits\n\n"
                                        "A wombat burrow holds at most nine tunnels per object.\n",
}


def test_synced_docs_are_labelled_with_source_and_fetch_date(user_folders):
    from server.sources.sync import sync_docs

    def serve(request: httpx.Request) -> httpx.Response:
        body = PAGES.get(request.url.path)
        return httpx.Response(200, text=body) if body else httpx.Response(404)

    report = sync_docs(cfg.synced_dir(), "https://docs.test/durable-objects/llms.txt",
                       transport=httpx.MockTransport(serve))
    assert report.added == ["wombat.md"]
    library = Library()
    hit = library.search("how many tunnels can a wombat burrow hold").results[0]
    assert (hit.source, hit.verified) == ("cloudflare-docs", False)
    assert hit.fetched and hit.fetched[:4] == "2026" or hit.fetched[:2] == "20"
    section = library.read([hit.id]).sections[0]
    assert section.sources == ["https://docs.test/durable-objects/wombat/"] and section.fetched == hit.fetched
    assert "Skip to content" not in section.markdown
    synced = next(s for s in library.list_sources().sources if s.name == "cloudflare-docs")
    assert synced.kind == "synced" and synced.fetched_at and synced.docs == 1
    assert synced.location == "https://docs.test/durable-objects/llms.txt"


def test_remove_of_a_source_with_a_broken_name_is_refused(user_folders):
    with pytest.raises(SourceError):
        cfg.remove_source("missing")
