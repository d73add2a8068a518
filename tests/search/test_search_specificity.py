"""Query words weighed by how common they are in everyday English (server/search/specificity.py), so the words of a
long question that are only everyday English neither sink its relevance nor steer its ranking."""

import pytest

from server.search import query as q
from server.search.specificity import FLOOR, english_table, specificity


@pytest.fixture(scope="module")
def english():
    return english_table()


def test_the_table_holds_everyday_words_and_leaves_out_specific_ones(english):
    assert {"find", "out", "high", "particular"} <= english.keys()
    assert not {"hibernation", "backoff", "websocket"} & english.keys()
    assert all(word.isalpha() for word in english)


@pytest.mark.parametrize("everyday, specific", [
    ("find", "hibernation"), ("out", "alarm"), ("particular", "cursor"), ("high", "backoff"),
])
def test_everyday_words_weigh_less_than_platform_words(english, everyday, specific):
    assert FLOOR <= specificity(everyday, english) < specificity(specific, english) <= 1.0


def test_code_names_are_specific_and_a_dotted_name_is_judged_by_its_last_part(english):
    assert specificity("blockConcurrencyWhile", english) == 1.0
    assert specificity("_cf_kv", english) == 1.0
    assert specificity("ctx.storage.transactionSync", english) == 1.0
    assert specificity("storage.put", english) == specificity("put", english) < 1.0


def test_without_a_table_nothing_changes():
    parsed = q.parse("find the alarm")
    for w in parsed.words:
        w.idf = 2.0
    assert q.coverage_keys(parsed).weights == [2.0, 2.0]


def test_negated_contractions_are_not_query_words():
    words = [w.text for w in q.parse("why isn't my alarm firing and doesn't it retry").words]
    assert "isn" not in words and "doesn" not in words and "alarm" in words


@pytest.mark.parametrize("question", [
    # dev-set questions: a sentence of everyday words around one platform subject
    "Billing looks high; how can I find out how many rows a particular query read and wrote from inside the "
    "Durable Object?",
    "Code review: a teammate wrapped two consecutive sql.exec INSERTs in blockConcurrencyWhile 'to make them "
    "atomic'. Is that necessary?",
])
def test_a_long_question_about_the_platform_is_covered(real_engine, question):
    result = real_engine.search(question)
    assert result.covered, (result.results[0].id, result.results[0].relevance)


def test_a_question_about_something_else_stays_uncovered(real_engine):
    assert not real_engine.search("What is the best way to find out why my React component renders twice?").covered
