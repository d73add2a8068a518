"""Per-section sources: front-matter keys, `<!-- sources: ... -->` markers, inheritance, stripping, read_docs."""

from pathlib import Path

import pytest

from server.errors import CorpusError
from server.search.corpus import parse_document
from server.search.engine import SearchEngine

FRONT = """---
id: {id}
title: Keyed fixture
summary: A fixture whose sections name their own sources.
keywords: [alarm, sql, socket]
sources:
  - key: alarms-api
    url: https://example.com/alarms
  - key: sql-api
    url: https://example.com/sql
  - key: ws-api
    url: https://example.com/ws
  - url: https://example.com/unkeyed
last_verified: 2026-11-20
---
"""

BODY = """# Keyed fixture
<!-- sources: sql-api -->

Overview text that is long enough to stand as an overview section of its own in the corpus.

## Alarms
<!-- sources: alarms-api -->

Set one alarm per object with `setAlarm`.

### Retries

Retries inherit the parent's sources.

### Alarm and SQL together

<!-- sources: sql-api alarms-api -->
A blank line may separate the heading and the marker.

## Sockets

No marker here: the whole doc's list applies.

```md
<!-- sources: ws-api -->
```

## Stray

Some text first.
<!-- sources: ws-api -->
A marker that is not right after the heading is not a marker.

## Typo
<!-- sources: ws-api nope -->

Unknown keys are reported, known ones still apply.
"""


def write(tmp_path: Path, body: str = BODY, doc_id: str = "keyed") -> Path:
    path = tmp_path / f"{doc_id}.md"
    path.write_text(FRONT.format(id=doc_id) + "\n" + body)
    return path


@pytest.fixture
def doc(tmp_path):
    return parse_document(write(tmp_path))


def by_slug(doc, slug):
    return next(s for s in doc.sections if s.slug == slug)


def test_keys_map_to_urls(doc):
    assert doc.source_keys == {"alarms-api": "https://example.com/alarms", "sql-api": "https://example.com/sql",
                               "ws-api": "https://example.com/ws"}
    assert len(doc.sources) == 4  # the unkeyed source still counts for the whole doc


def test_own_marker_inherited_marker_and_doc_fallback(doc):
    assert by_slug(doc, "overview").own_sources == ["https://example.com/sql"]
    assert by_slug(doc, "retries").own_sources == ["https://example.com/alarms"]
    assert by_slug(doc, "alarm-and-sql-together").own_sources == ["https://example.com/sql",
                                                                  "https://example.com/alarms"]
    assert by_slug(doc, "sockets").sources == doc.sources
    assert by_slug(doc, "sockets").marker_keys is None


def test_parent_reads_back_with_its_childrens_sources(doc):
    alarms = by_slug(doc, "alarms")
    assert alarms.own_sources == ["https://example.com/alarms"]
    assert alarms.sources == ["https://example.com/alarms", "https://example.com/sql"]


def test_markers_are_stripped_from_every_text(doc):
    for section in doc.sections:
        if section.slug in ("stray", "sockets"):
            continue
        assert "<!--" not in section.own_markdown and "<!--" not in section.markdown, section.id
    assert doc.markdown.count("<!-- sources:") == 2  # only the one in a fence and the stray one remain
    assert "<!-- sources: ws-api -->" in by_slug(doc, "sockets").code[0]
    assert by_slug(doc, "stray").marker_keys is None


def test_unknown_keys_are_reported_not_fatal(doc):
    typo = by_slug(doc, "typo")
    assert typo.unknown_source_keys == ["nope"]
    assert typo.own_sources == ["https://example.com/ws"]


@pytest.mark.parametrize("bad, message", [
    ("  - key: Bad Key\n    url: https://example.com/x\n", "lowercase"),
    ("  - key: sql-api\n    url: https://example.com/again\n", "twice"),
])
def test_bad_keys_are_corpus_errors(tmp_path, bad, message):
    text = FRONT.format(id="keyed").replace("last_verified", bad + "last_verified") + "\n" + BODY
    path = tmp_path / "keyed.md"
    path.write_text(text)
    with pytest.raises(CorpusError, match=message):
        parse_document(path)


def test_read_docs_returns_section_sources_and_last_verified(tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    write(refs)
    engine = SearchEngine(references=refs, index_dir=tmp_path / "index")
    result = engine.read(["keyed#retries", "keyed", "keyed#sockets"])
    retries, whole, sockets = result.sections
    assert retries.sources == ["https://example.com/alarms"]
    assert whole.sources == ["https://example.com/alarms", "https://example.com/sql", "https://example.com/ws",
                             "https://example.com/unkeyed"]
    assert sockets.sources == whole.sources
    assert {s.last_verified for s in result.sections} == {"2026-11-20"}
    assert "<!-- sources: sql-api -->" not in whole.markdown
    assert "<!-- sources: alarms-api -->" not in whole.markdown


def test_search_snippets_never_show_markers(tmp_path):
    refs = tmp_path / "refs"
    refs.mkdir()
    write(refs)
    engine = SearchEngine(references=refs, index_dir=tmp_path / "index")
    hits = [h for h in engine.search("alarm retries sql together", limit=10).results if h.id not in ("keyed#stray", "keyed#sockets")]
    assert len(hits) >= 3 and all("sources:" not in h.snippet and "alarms-api" not in h.snippet for h in hits)
