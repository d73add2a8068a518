"""Bad input never raises anything but InvalidInputError, and never a traceback-shaped failure."""

import random

import pytest

from server.errors import InvalidInputError

NASTY = [
    '"unclosed quote', "field:value", "title:(a OR b)", "AND OR NOT", "a AND (b OR", "[[[", "*", "?", "~2",
    "\\", "ctx.storage.sql.exec('SELECT * FROM t WHERE x = ?', 1)", "{}", "<script>alert(1)</script>",
    "'; DROP TABLE sections; --", "naïve café ünïcode 日本語", "😀 emoji", "a" * 999, "NOT", "^2", "title:",
    "\u0000\u0001 binary \u00ff", "-", "+++", "transactionSync^3", "sql.exec*", '"transaction sync"',
]


@pytest.mark.parametrize("query", NASTY)
def test_nasty_queries_answer_or_raise_invalid_input(fixture_engine, query):
    try:
        result = fixture_engine.search(query, limit=5)
    except InvalidInputError as exc:
        assert exc.hint
    else:
        assert result.total >= len(result.results)


def test_random_fuzz_never_crashes(fixture_engine):
    rng = random.Random(1234)
    alphabet = 'abcXYZ019 .:*?"()[]{}^~-+!\\/#@$%&|<>=\'\t\n'
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 60)))
        try:
            fixture_engine.search(query, limit=3)
        except InvalidInputError:
            pass


@pytest.mark.parametrize("query", ["", "   ", "\x00\x00"])
def test_empty_query_is_a_clear_error(fixture_engine, query):
    with pytest.raises(InvalidInputError, match="empty"):
        fixture_engine.search(query)


def test_huge_query_is_a_clear_error(fixture_engine):
    with pytest.raises(InvalidInputError, match="100000 characters"):
        fixture_engine.search("x" * 100_000)


def test_stop_words_only_is_a_clear_error(fixture_engine):
    with pytest.raises(InvalidInputError, match="no searchable words"):
        fixture_engine.search("how do I do it with the")


@pytest.mark.parametrize("limit", [0, -1, 21, 10**9, "5", 2.5, True, None])
def test_out_of_range_limit(fixture_engine, limit):
    with pytest.raises(InvalidInputError, match="limit"):
        fixture_engine.search("alarm", limit=limit)


def test_unknown_topic_lists_the_valid_ones(fixture_engine):
    with pytest.raises(InvalidInputError) as info:
        fixture_engine.search("alarm", topic="../../etc")
    assert "sockets" in info.value.hint and "storage" in info.value.hint


@pytest.mark.parametrize("ident", ["../../etc/passwd", "/etc/passwd", "storage#../../x", "STORAGE", "", " ",
                                   "x" * 5000, "storage#nope", "nope", "do-docs://nope", "storage\x00"])
def test_bad_ids_come_back_missing(fixture_engine, ident):
    result = fixture_engine.read([ident])
    assert result.sections == [] and len(result.missing) == 1
    assert len(result.missing[0].id) <= 200


def test_read_valid_ids_dedupes_and_accepts_uris(fixture_engine):
    result = fixture_engine.read(["storage#transactionsync", "do-docs://storage#transactionsync", "ws-fixture"])
    assert [s.id for s in result.sections] == ["storage#transactionsync", "sockets"]
    assert result.sections[1].sources == ["https://example.com/sockets"]


@pytest.mark.parametrize("ids", [[], ["a"] * 11, None, 5])
def test_read_id_count_is_checked(fixture_engine, ids):
    with pytest.raises(InvalidInputError):
        fixture_engine.read(ids)


@pytest.mark.parametrize("max_chars", [0, 199, 200_001, -5, True, "1000", 3.5])
def test_max_chars_out_of_range_is_a_clear_error(fixture_engine, max_chars):
    from server.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="max_chars must be an integer from 200 to 200000"):
        fixture_engine.read(["storage"], max_chars=max_chars)
    with pytest.raises(InvalidInputError, match="max_chars"):
        fixture_engine.search("transactions", include_text=True, max_chars=max_chars)


def test_unknown_source_is_a_clear_error(fixture_engine):
    from server.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="unknown source"):
        fixture_engine.search("transactions", source="elsewhere")
    assert fixture_engine.search("transactions", source="bundled").results
