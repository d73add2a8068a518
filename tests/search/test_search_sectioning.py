import pytest

from server.errors import CorpusError
from server.search.corpus import Corpus, parse_document, slugify
from pathlib import Path

FIXTURE_REFS = Path(__file__).parent / "fixtures" / "refs"


@pytest.mark.parametrize("heading, slug", [
    ("`transactionSync()`", "transactionsync"),
    ("Cursor methods and `rowsRead`", "cursor-methods-and-rowsread"),
    ("Running SQL with `ctx.storage.sql.exec()`", "running-sql-with-ctxstoragesqlexec"),
    ("The `_sql_schema_migrations` table", "the-_sql_schema_migrations-table"),
    ("[Linked](https://x.y) *emphasis*  and -- dashes", "linked-emphasis-and-dashes"),
    ("???", "section"),
])
def test_slugify(heading, slug):
    assert slugify(heading) == slug


def test_sections_ids_paths_and_levels():
    doc = parse_document(FIXTURE_REFS / "storage.md")
    ids = [s.id for s in doc.sections]
    assert ids == [
        "storage#overview",
        "storage#running-sql-with-ctxstoragesqlexec",
        "storage#transactions",
        "storage#transactionsync",
        "storage#transactions-2",
        "storage#alarms-and-hibernation",
    ]
    by_id = {s.id: s for s in doc.sections}
    child = by_id["storage#transactionsync"]
    assert child.path == ["Transactions", "transactionSync()"] and child.level == 3
    parent = by_id["storage#transactions"]
    assert parent.children == ["storage#transactionsync", "storage#transactions-2"]
    assert "rolls back" in parent.markdown and "rolls back" not in parent.own_markdown


def test_heading_inside_fence_is_code_not_a_section():
    doc = parse_document(FIXTURE_REFS / "storage.md")
    sql = next(s for s in doc.sections if s.slug.startswith("running-sql"))
    assert "## not a heading" in sql.own_markdown
    assert any("toArray" in c for c in sql.code)
    assert "ctx.storage.sql.exec(query, ...bindings)" in sql.code


def test_front_matter_fields_and_aliases():
    corpus = Corpus(FIXTURE_REFS)
    assert corpus.docs["sockets"].sources == ["https://example.com/sockets"]
    assert corpus.resolve("ws-fixture").id == "sockets"
    assert corpus.resolve("ws-fixture#accepting-sockets").id == "sockets#accepting-sockets"
    assert corpus.resolve("storage#nope") is None


@pytest.mark.parametrize("text, message", [
    ("no front matter", "no YAML front matter"),
    ("---\nid: x\n", "not closed"),
    ("---\n: : :\n---\n", "not valid YAML"),
    ("---\nid: bad\ntitle: t\n---\n# t\n", "lacks"),
])
def test_malformed_front_matter_is_a_corpus_error(tmp_path, text, message):
    path = tmp_path / "bad.md"
    path.write_text(text)
    with pytest.raises(CorpusError, match=message):
        parse_document(path)


def test_source_without_url_is_rejected(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("---\nid: x\ntitle: X\nsummary: s\nkeywords: [a]\nsources: [not-a-url]\n"
                    "last_verified: 2026-11-26\n---\n# X\n")
    with pytest.raises(CorpusError, match="URL"):
        parse_document(path)
