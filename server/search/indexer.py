"""Turn corpus sections into Whoosh documents."""

from __future__ import annotations

from array import array
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path

from server.search.analysis import IDENT_RE, identifier_parts
from server.search.corpus import Corpus, Section
from server.search.text import markdown_to_text


TOKENS_FILE = "tokens.txt"
TOKENS_INDEX = "tokens.idx"
TOKEN_FIELDS = ("heading", "body", "doc_terms", "code")  # the fields whose terms make a section's token set
MIN_OWN_TEXT = 80  # a '##' whose text is only its heading is searched (and snippeted) through its subsections


def section_text(section: Section, memo: dict | None = None) -> str:
    """The section's prose without its heading line: what snippets are cut from. ``memo``: a build's cache of
    Markdown already converted (copied docs repeat their sections' Markdown)."""
    own = section.own_markdown
    if section.level > 1:
        own = own.split("\n", 1)[1] if "\n" in own else ""
    if len(own.strip()) < MIN_OWN_TEXT and section.children:
        own = section.markdown.split("\n", 1)[1] if "\n" in section.markdown else own
    return _memoised(memo, markdown_to_text, own)


def _memoised(memo: dict | None, fn, text: str) -> str:
    """``fn(text)``, looked up in ``memo`` (keyed by function and text) when one is given.

    When ``fn`` returns its argument itself, so does this (the caller's object, not the one first memoised): the
    stored fields are pickled per document, and pickle writes a string object met twice in one document (a
    heading that is also the section's path) as a back-reference, so which object is returned shows in the bytes."""
    if memo is None:
        return fn(text)
    key = (fn, text)
    got = memo.get(key)
    if got is None:
        result = fn(text)
        got = memo[key] = (result, result is text)
    return text if got[1] else got[0]


def with_identifier_words(text: str) -> str:
    """Append the plain-word parts of identifiers, so a heading "raw() and columnNames" also says "column names"
    and gets the heading boost for a question that uses those words."""
    extra = []
    for ident in IDENT_RE.findall(text):
        extra.extend(_identifier_words(ident))
    return f"{text} {' '.join(extra)}" if extra else text


@lru_cache(maxsize=65536)  # identifiers repeat across sections: each is split once per build
def _identifier_words(ident: str) -> tuple[str, ...]:
    parts = [p for p in identifier_parts(ident) if "." not in p]
    return tuple(parts[1:]) if len(parts) > 1 else ()


def section_heading(corpus: Corpus, section: Section, memo: dict | None = None) -> str:
    """The heading field: the section's heading path (a doc's top section: its title), identifier words added."""
    heading = " ".join([*section.path]) if section.level > 1 else f"{corpus.docs[section.doc_id].title} overview"
    return _memoised(memo, with_identifier_words, heading)


def section_fields(corpus: Corpus, section: Section, memo: dict | None = None) -> dict:
    """The indexed fields of one section. ``memo``: a dict kept for one build, so a text met again (a doc's title
    and keywords in each of its sections, the sections of copied docs) is derived once and shared: the same string
    object also lets the segment writer find its analysis without hashing the text again."""
    doc = corpus.docs[section.doc_id]
    return {
        "id": section.id,
        "topic": section.doc_id,
        "heading": section_heading(corpus, section, memo),
        "doc_terms": _memoised(memo, with_identifier_words, " ".join([doc.title, *doc.keywords])),
        "body": section_text(section, memo),
        "code": " ".join([*section.code, section.heading]),  # parents with no text of their own keep only theirs
        "asks": "\n".join(section.asks),
        "level": section.level,
    }


def stored_fields(corpus: Corpus, section: Section) -> dict:
    return {"title": corpus.docs[section.doc_id].title, "path": section.path_text, "markdown": section.markdown}


def write_index(ix, corpus: Corpus, folder: Path, workers: int | None = None) -> dict:
    """Index every section, and write each section's token set to tokens.txt (one line per document number, in
    index order) with byte offsets in tokens.idx, for the coverage rerank to read through mmap, and the heading sets
    (headings.py). The token set is the set of terms the section was indexed under, as the writer reports it (no
    second analysis). Returns the speller's vocabulary and the stem table ({"vocab", "stems"}), counted from each
    section's searchable text (heading, body, code).

    ``workers``: processes for the per-section work (server/search/build_pool.py); by default chosen from the
    corpus size and the cores, 0 for one process. The files written are the same either way; a pooled build derives
    the vocabulary and the stems in its workers while the segment is written."""
    from server.search.build_memory import gc_paused, heap_kept
    from server.search.build_pool import (derive_tables, distinct_share, pdw_compression, pool_workers,
                                          pooled_build_supported, worker_pool, write_pooled)
    from server.search.headings import write_heading_sets
    from server.search.segment import FastSegmentWriter

    with heap_kept(), gc_paused(), ExitStack() as stack:
        # One segment from a fresh writer: document numbers follow insertion order, which tokens.txt relies on.
        writer = FastSegmentWriter(ix)
        offsets = array("Q", [0])
        if workers is None:
            workers = pool_workers(len(corpus.sections), distinct_share(corpus))
        pooled = workers > 0 and pooled_build_supported(writer)
        headings = derived = None
        try:
            pool = stack.enter_context(worker_pool(workers, pdw_compression(writer))) if pooled else None
            with open(folder / TOKENS_FILE, "wb") as out:
                if pool is not None:
                    texts, headings = write_pooled(pool, writer, corpus, out, offsets)
                else:
                    texts = _write_in_process(writer, corpus, out, offsets)
            (folder / TOKENS_INDEX).write_bytes(offsets.tobytes())
            if pool is not None:
                derived = derive_tables(pool, texts)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        write_heading_sets(corpus, folder, headings)
        return derived() if derived else {"vocab": speller_vocabulary(texts), "stems": _stems(texts)}


def _stems(texts: list[str]) -> dict:
    from server.search.stemtable import stem_table

    return stem_table(texts)


def _write_in_process(writer, corpus: Corpus, out, offsets: array) -> list[str]:
    texts = []
    memo: dict = {}  # derived texts, for this build only
    lines: dict[tuple, bytes] = {}  # tokens.txt lines by their fields' texts: copied sections repeat them
    for section in corpus.sections.values():
        fields = section_fields(corpus, section, memo)
        terms = writer.add_document(**fields, **stored_fields(corpus, section))
        key = tuple(fields[name] for name in TOKEN_FIELDS)  # the line is a function of these texts
        line = lines.get(key)
        if line is None:
            tokens = set().union(*(terms.get(name, ()) for name in TOKEN_FIELDS))
            line = lines[key] = (" ".join(sorted(tokens)) + "\n").encode("utf-8")
        out.write(line)
        offsets.append(offsets[-1] + len(line))
        texts.append(f"{fields['heading']} {fields['body']} {fields['code']}")
    return texts


def doc_catalogue(corpus: Corpus) -> dict:
    """What list_docs, id resolution, did-you-mean and completions need, stored beside the index (docs.json) so a
    server answers them without parsing the Markdown files."""
    return {
        # a user's source: the files left out and why (server/sources/files.py), for list_sources
        "skipped": [[s.path, s.reason] for s in getattr(corpus, "skipped", [])],
        "docs": [{"id": d.id, "title": d.title, "summary": d.summary, "aliases": d.aliases,
                  "file": corpus.relative(d.path), "sections": [[s.id, s.path_text] for s in d.sections],
                  **({"fetched": d.fetched} if d.fetched else {})}
                 for d in corpus.docs.values()],
    }


def speller_vocabulary(texts: list[str]) -> dict:
    """Word counts and display spellings for did-you-mean (vocab.json), computed once at build time from each
    section's searchable text (as ``write_index`` collects it); and the everyday-English frequencies that weigh
    query words (server/search/specificity.py)."""
    from server.search.specificity import english_table
    from server.search.spelling import Speller

    speller = Speller(texts)
    return {"counts": dict(speller.counts), "display": speller.display, "english": english_table()}
