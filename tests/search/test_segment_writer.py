"""The fast segment writer must write exactly what Whoosh's own writer writes, for the real corpus and for edge cases
(a body of stop words only, stop words before the first term, non-ASCII terms, empty fields, long sections)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh.fields import ID
from whoosh.writing import SegmentWriter

from server.search.corpus import Corpus
from server.search.indexer import TOKEN_FIELDS, section_fields, stored_fields
from server.search.schema import build_schema
from server.search.segment import FastSegmentWriter
from server.search.store import references_dir


def _real_documents() -> list[dict]:
    corpus = Corpus(references_dir())
    return [{**section_fields(corpus, s), **stored_fields(corpus, s)} for s in corpus.sections.values()]


def _edge_documents() -> list[dict]:
    base = {"topic": "edge", "heading": "Edge", "doc_terms": "Edge cases", "code": "", "level": 2, "title": "Edge",
            "path": "Edge", "markdown": "# Edge"}
    bodies = [
        "",
        "the of and is a to in",  # stop words only: no body postings, no body length
        "the the of alarms retry retry alarm",  # stop words before the first term shift every position
        "Überprüfung straße naïve café 東京 emoji 🙂 ß ß",  # non-ASCII: term order is UTF-8 byte order
        " ".join(f"word{i % 97} alarms" for i in range(3000)),  # a long section: lengths round in the column
        "sql.exec ctx.storage.sql.exec transactionSync getWebSocketAutoResponse",
    ]
    docs = []
    for i, body in enumerate(bodies):
        docs.append({**base, "id": f"edge#{i}", "body": body,
                     "code": "ctx.storage.sql.exec transactionSync SQLITE_FULL" if i % 2 else "",
                     "heading": "" if i == 0 else f"Heading {i} café"})
    return docs


def _tagged_documents() -> list[dict]:
    """Edge cases plus a field no fast path handles (an ID field), which goes through Whoosh's own analysis."""
    return [{**doc, "tag": f"tag-{i % 3}"} for i, doc in enumerate(_edge_documents())]


def _repeated_documents() -> list[dict]:
    """Copied documents, as a corpus of copied docs has (benchmarks/scale.py): the writer analyzes a repeated text
    once and shares its encoded values, so a posting block holds equal values; they must still be written as
    Whoosh writes them. 60 copies of the edge cases put repeats inside blocks of 128 postings; the real sections
    are copied with their text re-created, so equal texts are also distinct string objects."""
    edge = [{**doc, "id": f"{doc['id']}-c{k}"} for k in range(60) for doc in _edge_documents()]
    real = _real_documents()[:40]
    copies = [{**doc, "id": f"{doc['id']}-c{k}", "body": "".join(list(doc["body"]))} for k in range(4) for doc in real]
    return edge + copies


def _schema(docs: list[dict]):
    schema = build_schema()
    if "tag" in docs[0]:
        schema.add("tag", ID(stored=True))
    return schema


def _build(folder: Path, docs: list[dict], writer_class, **kwargs):
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), _schema(docs))
    writer = writer_class(ix, **kwargs)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return whoosh_index.open_dir(str(folder))


def _dump(ix) -> dict:
    """Everything a search can read: per field every term's statistics and postings, per document its stored
    fields and field lengths, and the field totals."""
    out: dict = {}
    with ix.searcher() as s:
        r = s.reader()
        out["count"] = r.doc_count_all()
        out["stored"] = [r.stored_fields(n) for n in range(r.doc_count_all())]
        for name in r.indexed_field_names():
            terms = {}
            for term in r.lexicon(name):
                ti = r.term_info(name, term)
                m = r.postings(name, term)
                postings = []
                while m.is_active():
                    postings.append((m.id(), m.weight(), m.value()))
                    m.next()
                terms[term] = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight(),
                               ti.min_id(), ti.max_id(), postings)
            out[f"terms:{name}"] = terms
            if s.schema[name].scorable:
                out[f"lengths:{name}"] = [r.doc_field_length(n, name) for n in range(r.doc_count_all())]
                out[f"total:{name}"] = r.field_length(name)
                out[f"minmax:{name}"] = (r.min_field_length(name), r.max_field_length(name))
    return out


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Segment files by name without the random segment id ("MAIN_<id>._body_len.col" -> "._body_len.col")."""
    return {p.name.split("_", 1)[1].lstrip("abcdefghijklmnopqrstuvwxyz0123456789"): p.read_bytes()
            for p in folder.iterdir() if p.name.startswith("MAIN_") and p.name != "MAIN_WRITELOCK"}


def _assert_same_segment(expected: Path, got: Path) -> None:
    """The same segment files, each byte for byte (named per file when one differs)."""
    want, have = _segment_files(expected), _segment_files(got)
    assert sorted(want) == sorted(have)
    for ext in want:
        assert have[ext] == want[ext], ext


@pytest.mark.parametrize("docs", [_edge_documents, _tagged_documents, _real_documents, _repeated_documents],
                         ids=["edge-cases", "whoosh-analyzed-field", "real-corpus", "repeated-texts"])
def test_fast_writer_writes_what_whoosh_writes(tmp_path, docs):
    documents = docs()
    expected = _build(tmp_path / "whoosh", documents, SegmentWriter)
    got = _build(tmp_path / "fast", documents, FastSegmentWriter)
    want, have = _dump(expected), _dump(got)
    assert want.keys() == have.keys()
    for key in want:
        assert have[key] == want[key], key


@pytest.mark.parametrize("docs", [_edge_documents, _tagged_documents, _real_documents, _repeated_documents],
                         ids=["edge-cases", "whoosh-analyzed-field", "real-corpus", "repeated-texts"])
def test_fast_writer_files_are_byte_identical(tmp_path, docs):
    documents = docs()
    _build(tmp_path / "whoosh", documents, SegmentWriter, compound=False)
    _build(tmp_path / "fast", documents, FastSegmentWriter, compound=False)
    _assert_same_segment(tmp_path / "whoosh", tmp_path / "fast")


def test_reported_terms_are_the_analyzers_terms(tmp_path):
    """add_document reports the terms each field was indexed under: the section token sets come from them."""
    from server.search.query import section_tokens

    folder = tmp_path / "ix"
    folder.mkdir()
    writer = FastSegmentWriter(whoosh_index.create_in(str(folder), build_schema()))
    for doc in _edge_documents() + _real_documents():
        terms = writer.add_document(**doc)
        assert set().union(*(terms.get(n, ()) for n in TOKEN_FIELDS)) == section_tokens(doc), doc["id"]
    writer.cancel()


def test_fast_writer_refuses_what_it_does_not_reproduce(tmp_path):
    folder = tmp_path / "ix"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = FastSegmentWriter(ix)
    with pytest.raises(ValueError):
        writer.add_document(id="a#b", body="text", _boost=2.0)
    writer.cancel()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab_1.é. -\n", max_size=40))
def test_equivalent_prose_pattern_finds_the_same_tokens(text):
    """The fast writer tokenizes prose with a quicker pattern than the analyzer's; they must agree on any text."""
    from server.search.analysis import prose_analyzer
    from server.search.field_analysis import EQUIVALENT_PROSE_TOKEN

    assert EQUIVALENT_PROSE_TOKEN.findall(text) == prose_analyzer().items[0].expression.findall(text)


def _copied_corpus(folder: Path, copies: int) -> Corpus:
    """references/ plus copies of every doc under new ids, as a corpus of copied docs has (benchmarks/scale.py)."""
    import re

    folder.mkdir()
    for path in sorted(references_dir().glob("*.md")):
        text = path.read_text(encoding="utf-8")
        (folder / path.name).write_text(text, encoding="utf-8")
        if path.name.lower() == "readme.md":
            continue
        for k in range(1, copies + 1):
            copy = re.sub(r"^id:\s*\S+\s*$", f"id: {path.stem}-c{k}", text, count=1, flags=re.MULTILINE)
            copy = re.sub(r"^aliases:.*$", "aliases: []", copy, count=1, flags=re.MULTILINE)
            (folder / f"{path.stem}-c{k}.md").write_text(copy, encoding="utf-8")
    return Corpus(folder)


def test_build_of_copied_docs_derives_what_each_section_alone_gives(tmp_path):
    """A build reuses what it derived for a text it met before (fields, token lines, word counts); every section's
    token line and the speller's vocabulary must still be what deriving each section on its own gives."""
    import json
    from collections import Counter

    from server.search.indexer import TOKENS_FILE
    from server.search.query import section_tokens
    from server.search.spelling import _WORD
    from server.search.store import VOCAB_FILE, build

    corpus = _copied_corpus(tmp_path / "refs", copies=2)
    gen = build(corpus, tmp_path / "index")
    lines = (gen / TOKENS_FILE).read_text(encoding="utf-8").splitlines()
    fields = [section_fields(corpus, s) for s in corpus.sections.values()]
    assert len(lines) == len(fields) == 3 * len(_real_documents())
    for line, section in zip(lines, fields):
        assert line.split() == sorted(section_tokens(section)), section["id"]
    by_form: Counter[str] = Counter()
    for f in fields:
        by_form.update(_WORD.findall(f"{f['heading']} {f['body']} {f['code']}"))
    counts: Counter[str] = Counter()
    for word, n in by_form.items():
        counts[word.lower()] += n
    assert json.loads((gen / VOCAB_FILE).read_text(encoding="utf-8"))["counts"] == dict(counts)


def test_memoised_fields_write_what_fresh_fields_write(tmp_path):
    """A build derives a text met again once (section_fields' memo), so copied sections share string objects; the
    stored fields are pickled per document, where object identity shows (a string met twice is a back-reference).
    The files must be what Whoosh's writer writes from fields derived afresh for every section."""
    corpus = _copied_corpus(tmp_path / "refs", copies=1)
    memo: dict = {}
    fresh = [{**section_fields(corpus, s), **stored_fields(corpus, s)} for s in corpus.sections.values()]
    memoised = [{**section_fields(corpus, s, memo), **stored_fields(corpus, s)} for s in corpus.sections.values()]
    _build(tmp_path / "whoosh", fresh, SegmentWriter, compound=False)
    _build(tmp_path / "fast", memoised, FastSegmentWriter, compound=False)
    _assert_same_segment(tmp_path / "whoosh", tmp_path / "fast")


def _distinct_corpus(folder: Path, copies: int) -> Corpus:
    """references/ plus copies whose text does not repeat (benchmarks/scale.py --distinct)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from scale import make_corpus

    return Corpus(make_corpus(copies + 1, folder, distinct=True))


def _write(folder: Path, corpus: Corpus, workers: int) -> list[str]:
    """write_index' two paths on an uncompound segment (its files compared by name)."""
    from array import array

    from server.search.build_pool import pdw_compression, worker_pool, write_pooled
    from server.search.indexer import _write_in_process

    folder.mkdir()
    writer = FastSegmentWriter(whoosh_index.create_in(str(folder), build_schema()), compound=False)
    offsets = array("Q", [0])
    with open(folder / "tokens.txt", "wb") as out:
        if workers:
            with worker_pool(workers, pdw_compression(writer)) as pool:
                texts, _ = write_pooled(pool, writer, corpus, out, offsets)
        else:
            texts = _write_in_process(writer, corpus, out, offsets)
    (folder / "tokens.idx").write_bytes(offsets.tobytes())
    writer.commit()
    return texts


@pytest.mark.parametrize("make", [_distinct_corpus, _copied_corpus], ids=["distinct-copies", "verbatim-copies"])
def test_pooled_build_writes_what_the_one_process_build_writes(tmp_path, monkeypatch, make):
    """Worker processes analyse chunks of documents and the parent merges them: the segment files, token lines and
    searchable texts must be byte-for-byte those of the one-process build. Small chunks, so that posting lists
    and the length columns are put together from many chunks."""
    from server.search import build_pool

    monkeypatch.setattr(build_pool, "CHUNK_SECTIONS", 50)
    corpus = make(tmp_path / "refs", 2)
    one = _write(tmp_path / "one", corpus, workers=0)
    pooled = _write(tmp_path / "pooled", corpus, workers=2)
    assert pooled == one
    for name in ("tokens.txt", "tokens.idx"):
        assert (tmp_path / "pooled" / name).read_bytes() == (tmp_path / "one" / name).read_bytes(), name
    _assert_same_segment(tmp_path / "one", tmp_path / "pooled")


@pytest.mark.parametrize("failure", [RuntimeError, KeyboardInterrupt])
def test_pooled_build_leaves_no_process_behind(tmp_path, monkeypatch, failure):
    """An error (or Ctrl-C) while chunks are merged ends the workers and reaches the caller."""
    import multiprocessing

    from server.search import build_pool

    def fail(writer, chunk):
        raise failure("stop")

    monkeypatch.setattr(build_pool, "add_analysed_chunk", fail)
    corpus = Corpus(references_dir())
    before = set(multiprocessing.active_children())  # other tests' processes, if any are still around
    with pytest.raises(failure):
        _write(tmp_path / "pooled", corpus, workers=2)
    assert set(multiprocessing.active_children()) <= before


def test_small_corpora_are_built_in_one_process(monkeypatch):
    from server.search.build_pool import POOL_MIN_SECTIONS, WORKERS_ENV, pool_workers

    monkeypatch.delenv(WORKERS_ENV, raising=False)
    assert pool_workers(len(Corpus(references_dir()).sections)) == 0
    assert pool_workers(POOL_MIN_SECTIONS * 10, distinct=0.1) == 0  # copied docs: one process analyses each once
    monkeypatch.setenv(WORKERS_ENV, "0")
    assert pool_workers(POOL_MIN_SECTIONS * 10) == 0


def test_pooled_build_writes_the_same_index_folder(tmp_path, monkeypatch):
    """A whole build (store.build) with worker processes and without: every file of the generation folder the same
    (the segment compared by what it holds: its file name is random), vocabulary and stems derived in the workers
    included."""
    from server.search import build_pool
    from server.search.store import MANIFEST, build

    monkeypatch.setattr(build_pool, "CHUNK_SECTIONS", 80)
    corpus = _distinct_corpus(tmp_path / "refs", 1)
    gens = {}
    for workers in ("0", "2"):
        monkeypatch.setenv(build_pool.WORKERS_ENV, workers)
        gens[workers] = build(corpus, tmp_path / f"index-{workers}")
    one, pooled = gens["0"], gens["2"]
    names = sorted(p.name for p in one.iterdir() if not p.name.startswith(("MAIN_", "_MAIN_")) and p.name != MANIFEST)
    assert names == sorted(p.name for p in pooled.iterdir()
                           if not p.name.startswith(("MAIN_", "_MAIN_")) and p.name != MANIFEST)
    assert {"vocab.json", "stems.json", "headings.txt", "tokens.txt"} <= set(names)
    for name in names:
        assert (pooled / name).read_bytes() == (one / name).read_bytes(), name
    assert _dump(whoosh_index.open_dir(str(pooled))) == _dump(whoosh_index.open_dir(str(one)))
