"""Analyzers and ranking on the small fixture corpus, where the right answer is known exactly."""

import pytest

from server.search.analysis import code_analyzer, identifier_parts, prose_analyzer


def tokens(analyzer, text):
    return [t.text for t in analyzer(text)]


def test_identifier_parts_cover_whole_dotted_and_camel_forms():
    parts = identifier_parts("ctx.storage.sql.exec")
    assert {"ctx.storage.sql.exec", "storage.sql.exec", "sql.exec", "exec", "sql"} <= set(parts)
    assert {"transactionsync", "transaction", "sync"} <= set(identifier_parts("transactionSync"))
    assert {"sqlite_full", "sqlite", "full"} <= set(identifier_parts("SQLITE_FULL"))
    assert {"getsqlcursor", "get", "sql", "cursor"} <= set(identifier_parts("getSQLCursor"))


def test_code_analyzer_matches_the_three_spellings_of_an_identifier():
    indexed = set(tokens(code_analyzer(), "transactionSync"))
    for query in ("transactionSync", "transactionsync", "transaction sync"):
        assert set(tokens(code_analyzer(), query)) & indexed, query


def test_prose_analyzer_stems_and_drops_domain_stop_words():
    toks = tokens(prose_analyzer(), "How do Durable Objects handle retries while hibernating")
    assert "retri" in toks and "hibern" in toks  # Porter2: same stem as "hibernation"
    assert "durabl" not in toks and "durable" not in toks and "object" not in toks


@pytest.mark.parametrize("query, expected", [
    ("transactionSync", "storage#transactionsync"),
    ("transactionsync", "storage#transactionsync"),
    ("transaction sync rollback", "storage#transactionsync"),
    ("sql.exec", "storage#running-sql-with-ctxstoragesqlexec"),
    ("exec", "storage#running-sql-with-ctxstoragesqlexec"),
    ("how do I schedule a cron job", "storage#alarms-and-hibernation"),  # synonym: cron -> alarm
    ("will my object sleep between websocket messages", "sockets#accepting-sockets"),
])
def test_fixture_ranking(fixture_engine, query, expected):
    ids = [h.id for h in fixture_engine.search(query, limit=3).results]
    assert ids and ids[0] == expected, ids


def test_topic_filter_and_alias(fixture_engine):
    assert {h.topic for h in fixture_engine.search("hibernate", limit=5, topic="sockets").results} == {"sockets"}
    assert {h.topic for h in fixture_engine.search("hibernate", limit=5, topic="ws-fixture").results} == {"sockets"}


def test_snippet_is_short_and_marks_terms(fixture_engine):
    hit = fixture_engine.search("rolls back when it throws", limit=1).results[0]
    assert len(hit.snippet) <= 260
    assert "**" in hit.snippet


def test_did_you_mean_for_a_typo(fixture_engine):
    result = fixture_engine.search("hibernatoin", limit=3)
    assert result.suggestion and result.suggestion.lower() in ("hibernation", "hibernating")
    assert result.results, "the correction is also searched, so a typo still finds the section"


def test_a_compound_identifier_is_judged_by_its_specific_part():
    """A section that only says "storage" has not answered a question about ``storage.sync()``: the key terms of a
    compound name (its IDF and its coverage) are the whole name and its last segment, not its common parts."""
    from server.search.query import key_tokens, word_tokens

    assert {"storage.sync", "sync"} == key_tokens("storage.sync")
    assert "storag" in word_tokens("storage.sync")  # the query still searches the parts
    assert key_tokens("getWebSockets") == {"getwebsocket"}
    assert key_tokens("_sql_schema_migrations") == {"_sql_schema_migr", "sql_schema_migr"}
    assert key_tokens("alarm") == word_tokens("alarm")


def test_a_long_dotted_name_is_judged_by_its_dotted_tail_not_its_verb():
    """"get" is in half the corpus: as a key term it made ``ctx.storage.kv.get`` look as common as "get", so its
    IDF was that of a filler word. Past two segments a plain last segment only names a verb of the object before it."""
    from server.search.query import key_tokens, word_tokens

    assert key_tokens("ctx.storage.kv.get") == {"ctx.storage.kv.get", "storage.kv.get", "kv.get"}
    assert "get" in word_tokens("ctx.storage.kv.get")  # still searched, only not a key
    assert key_tokens("ctx.storage.setAlarm") >= {"storage.setalarm", "setalarm"}  # a compound last part still counts


def test_a_filler_word_in_capitals_is_a_sql_keyword():
    from server.search.query import parse

    assert [w.text for w in parse("LIKE pattern too complex").words] == ["LIKE", "pattern", "complex"]
    assert [w.text for w in parse("something like a pattern").words] == ["pattern"]
    assert [w.text for w in parse("rows BETWEEN two dates").words][:2] == ["rows", "BETWEEN"]


def test_long_dotted_names_get_the_idf_of_what_they_name(real_engine):
    """The synchronous KV section answers ``ctx.storage.kv.get``; before the dotted tail was the key, "get" made the
    name count for almost nothing and the sections about sync and async callbacks outranked it."""
    gen = real_engine.current()
    from server.search import engine as engine_module
    from server.search.query import parse

    parsed = parse("ctx.storage.kv.get vs storage sql")
    engine_module._set_idf(parsed, gen.stats)
    kv_get, storage, sql = (w.idf for w in parsed.words)
    assert kv_get > 3.0 and kv_get > 2 * storage and kv_get > 2 * sql  # was 1.08, below "storage"


@pytest.mark.parametrize("query, expected", [
    ("how do I create the table once", "CREATE TABLE IF NOT EXISTS constructor"),  # articles skipped in a phrase
    ("requests handled one by one", "single-threaded input gate serialized"),  # three-word key
    ("the object starting up", "constructor blockConcurrencyWhile"),  # a phrase matched by stem
])
def test_vocabulary_phrases(query, expected):
    from server.search.synonyms import expand

    assert expected in expand(query)


def test_generic_words_do_not_expand():
    from server.search.synonyms import expand

    assert expand("which method should I call") == []


def test_a_phrase_of_stop_words_still_brings_its_expansions():
    """"how many" and "at the same time" are made of words a query drops, but they name DO concepts (limits,
    concurrency): the phrase is kept as a word that searches its expansions only."""
    from server.search.query import parse

    words = parse("how many objects can I create").words
    phrase = [w for w in words if w.expansions_only]
    assert phrase and phrase[0].expansions == ["limits"]
    assert "how" not in parse("how many objects can I create").texts  # never shown as a matched word
