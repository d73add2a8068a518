"""The ranking path adds up per-term scores itself; it must score exactly as Whoosh does."""

from __future__ import annotations

import pytest
from whoosh.query import Or, Term

from server.search import query as q
from server.search.scorer import TermScores, rank

TERMS = [("body", "alarm"), ("heading", "alarm"), ("code", "setalarm"), ("doc_terms", "alarm"), ("body", "sql"),
         ("code", "sql.exec"), ("heading", "transactionsync"), ("body", "hibern")]


@pytest.mark.parametrize("field, token", TERMS)
def test_block_scores_equal_whoosh_postings_scores(real_engine, field, token):
    searcher = real_engine.current().searcher()
    fast = TermScores()._by_blocks(searcher, field, token)
    slow = TermScores()._by_postings(searcher, field, token)
    assert list(fast[0]) == list(slow[0]) and len(fast[0]) > 0
    assert all(abs(a - b) < 1e-9 for a, b in zip(fast[1], slow[1]))


@pytest.mark.parametrize("text", ["how do I test a Durable Object alarm with vitest", "transactionSync rollback",
                                  "websocket hibernation auto response ping"])
def test_rank_equals_whoosh_or_query(real_engine, text):
    gen = real_engine.current()
    searcher = gen.searcher()
    parsed = q.parse(text, gen.speller)
    clauses = q.clauses(parsed, searcher.reader())
    ours, total = rank(searcher, TermScores(), clauses, None, None, 20)
    theirs = searcher.search(Or([Term(f, t, boost=b) for f, t, b in clauses]), limit=20)
    assert [round(s, 6) for _, s in ours] == [round(h.score, 6) for h in theirs]
    assert total == len(theirs)


@pytest.mark.parametrize("field, token", TERMS)
def test_scoring_parameters_equal_the_whoosh_scorers(real_engine, field, token):
    """The ranking takes (idf, avgfl, B, K1) without building Whoosh's scorer; they must be the scorer's own."""
    searcher = real_engine.current().searcher()
    scorer = searcher.weighting.scorer(searcher, field, token)
    assert searcher.weighting.parameters(searcher, field, token) == (scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
