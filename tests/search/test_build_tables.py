"""Tables the build stores so a query reads no term table (dfs.json): they must say exactly what Whoosh says."""

from __future__ import annotations

import pytest

from server.search import query as q
from server.search.termstats import DF_FILE, TermStats
from server.search.store import read_sidecar


def test_the_stored_document_frequencies_equal_whooshs_for_every_term(real_engine):
    gen = real_engine.current()
    reader = gen.ix.reader()
    try:
        table = read_sidecar(gen.path, DF_FILE)
        assert set(table) == {"heading", "body", "doc_terms", "code", "asks"}
        checked = 0
        for field, terms in table.items():
            for text, df in terms.items():
                assert df == reader.doc_frequency(field, text) > 0, (field, text)
                checked += 1
        assert checked > 5000
    finally:
        reader.close()


def test_term_stats_answer_like_a_reader_for_known_absent_and_encoded_terms(real_engine):
    gen = real_engine.current()
    reader = gen.ix.reader()
    try:
        stats = TermStats(lambda: reader, read_sidecar(gen.path, DF_FILE))
        assert stats.doc_count() == reader.doc_count()
        for field, text in [("body", "alarm"), ("code", "setalarm"), ("heading", "hibern"), ("body", "zzzqx"),
                            ("doc_terms", "sql"), ("code", "no-such-identifier")]:
            assert stats.doc_frequency(field, text) == reader.doc_frequency(field, text)
            assert stats.doc_frequency(field, text.encode()) == reader.doc_frequency(field, text)
        assert stats.doc_frequency("body", "alarm") > 0
        # without a table (or for a field it lacks) the reader is asked, and the answer kept
        bare = TermStats(lambda: reader)
        assert bare.doc_frequency("body", "alarm") == reader.doc_frequency("body", "alarm")
    finally:
        reader.close()


def test_a_quoted_phrase_scores_the_same_through_the_cached_frequencies(real_engine):
    """Whoosh's phrase scoring asks the searcher for document frequencies with encoded terms."""
    gen = real_engine.current()
    cached = gen.searcher()
    plain = gen.ix.searcher(weighting=cached.weighting)
    try:
        parsed = q.parse('"begin transaction" throws an error', gen.speller)
        for phrase in q.phrase_queries(parsed):
            ours = [(h.docnum, round(h.score, 9)) for h in cached.search(phrase, limit=None)]
            theirs = [(h.docnum, round(h.score, 9)) for h in plain.search(phrase, limit=None)]
            assert ours == theirs and ours
    finally:
        plain.close()


def test_the_stored_levels_equal_each_sections_stored_level(real_engine):
    """levels.bin stands in for the stored ``level`` field in the rerank (a doc's overview ranks lower)."""
    gen = real_engine.current()
    searcher = gen.searcher()
    levels = [gen.level(d) for d in range(gen.ix.doc_count_all())]
    assert levels == [searcher.stored_fields(d)["level"] for d in range(gen.ix.doc_count_all())]
    overviews = [gen.section_ids[d] for d, level in enumerate(levels) if level == 1]
    assert overviews and all(sid.endswith("#overview") for sid in overviews)


def test_a_docs_overview_yields_to_a_section_that_matches_as_well(real_engine):
    top = real_engine.search("point in time recovery restore an object to yesterday", limit=3).results
    assert top[0].id != "pitr#overview" and top[0].topic == "pitr"


@pytest.mark.parametrize("text, expected", [
    ("How many SQL bindings can I pass to one statement?", True),
    ("how big can a single row be", True),
    ("max websocket connections per object", True),
    ("what is the limit on stored data", True),
    ("how do I cancel an alarm", False),
    ("limitless retries with backoff", False),
])
def test_a_question_asking_for_a_number_is_recognised(text, expected):
    assert q.asks_for_a_quantity(text) is expected


def test_a_question_asking_for_a_number_prefers_the_limits_reference(real_engine, monkeypatch):
    text = "How many SQL bindings (parameters) can I pass to one statement in a Durable Object's SQLite?"
    assert real_engine.search(text, limit=3).results[0].topic == q.QUANTITY_DOC
    monkeypatch.setattr(q, "QUANTITY_FACTOR", 1.0)  # without the factor the API's own section wins the near tie
    assert real_engine.search(text, limit=3).results[0].topic != q.QUANTITY_DOC
