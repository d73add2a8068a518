"""One opened index generation: the Whoosh index plus what the build stored beside it.

Immutable once opened, so every thread shares it: each thread gets its own Whoosh searcher, the per-term score cache
is shared, the doc catalogue (docs.json) and the speller's vocabulary (vocab.json) are read on first need, and each
section's token set (tokens.txt) is read through mmap.
"""

from __future__ import annotations

import mmap
import sys
import threading
from array import array
from functools import cached_property, lru_cache
from pathlib import Path

from server.errors import IndexError_
from server.search.corpus import CorpusFiles, Document, Section
from server.search.headings import HEADINGS_FILE, HEADINGS_INDEX, LEVELS_FILE
from server.search.indexer import TOKENS_FILE, TOKENS_INDEX
from server.search.scorer import TermScores
from server.search.scoring import SharedIdfBM25F
from server.search.spelling import Speller
from server.search.stemtable import STEMS_FILE, stems_from_table
from server.search.termstats import DF_FILE, TermStats
from server.search.text import remember_stems
from server.search.store import DOCS_FILE, MANIFEST, VOCAB_FILE, open_generation, read_sidecar


MAX_REMEMBERED = 512  # sections whose token sets (and heading tokens) stay decoded: about 5 MB at most


class TokenSets:
    """Per-section token sets stored at build time (tokens.txt + tokens.idx), read through mmap: only the pages of
    the sections a query looks at are ever loaded, whatever the size of the corpus."""

    def __init__(self, gen: Path, names: tuple[str, str] = (TOKENS_FILE, TOKENS_INDEX)) -> None:
        try:
            with open(gen / names[0], "rb") as f:
                self._data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if f.seek(0, 2) else b""
            self._offsets = array("Q")
            self._offsets.frombytes((gen / names[1]).read_bytes())
        except (OSError, ValueError) as exc:
            raise IndexError_(f"the search index at {gen} lacks readable token sets: {exc}",
                              hint="run 'do-expert index build' to rebuild it") from exc

        # The sets of recently ranked sections, kept: the same sections come back as candidates query after query.
        self.get = lru_cache(maxsize=MAX_REMEMBERED)(self._read)

    def _read(self, docnum: int) -> frozenset[str]:
        start, end = self._offsets[docnum], self._offsets[docnum + 1]
        # interned: the sets of many sections share one string per token
        return frozenset(map(sys.intern, self._data[start:end].decode("utf-8").split()))


class Generation:
    """One opened index generation and the catalogue stored with it. Immutable: shared by all threads."""

    def __init__(self, files: CorpusFiles, gen: Path) -> None:
        self.files = files
        self.path = gen
        self.ix = open_generation(gen)
        self._local = threading.local()
        self._parsed: dict[str, Document] = {}
        self._tokens = TokenSets(gen)
        self._headings = TokenSets(gen, (HEADINGS_FILE, HEADINGS_INDEX))
        self._stems_loaded = False
        self.term_scores = TermScores()

    @cached_property
    def _catalogue(self) -> tuple[dict[str, dict], dict[str, str], list[str], list[str]]:
        """docs.json, read on first need (a search without a topic filter needs none of it)."""
        docs = {d["id"]: d for d in self._docs_file.get("docs", [])}
        aliases = {a: d["id"] for d in docs.values() for a in d.get("aliases", [])}
        section_ids = [sid for d in docs.values() for sid, _ in d["sections"]]
        # Document numbers follow the catalogue's order (one segment, written in that order): the topic of each.
        topic_of = [d["id"] for d in docs.values() for _ in d["sections"]]
        if len(topic_of) != self.ix.doc_count_all():
            raise IndexError_(f"the search index at {self.path} does not match its docs.json",
                              hint="run 'do-expert index build' to rebuild it")
        return docs, aliases, section_ids, topic_of

    @property
    def docs(self) -> dict[str, dict]:
        return self._catalogue[0]

    @property
    def aliases(self) -> dict[str, str]:
        return self._catalogue[1]

    @property
    def section_ids(self) -> list[str]:
        return self._catalogue[2]

    @property
    def topic_of(self) -> list[str]:
        return self._catalogue[3]

    def searcher(self):
        """This thread's searcher: Whoosh searchers keep file positions, so threads do not share one."""
        s = getattr(self._local, "searcher", None)
        if s is None:
            s = self._local.searcher = self.ix.searcher(weighting=SharedIdfBM25F(B=0.6, K1=1.2,
                                                                                 min_docs=self.files.min_docs))
            # The BM25F scorer of each new term asks for up to three document frequencies (its IDF, and the shared
            # body IDF): answered from the generation's cache, the same numbers without the term-table reads.
            s.doc_frequency = self.stats.doc_frequency
        return s

    def tokens(self, docnum: int) -> frozenset[str]:
        return self._tokens.get(docnum)

    @cached_property
    def _docs_file(self) -> dict:
        return read_sidecar(self.path, DOCS_FILE)

    @property
    def skipped(self) -> list:
        """[path, reason] of each file a user's source left out when this generation was built."""
        return self._docs_file.get("skipped", [])

    @cached_property
    def built_at(self) -> str | None:
        return read_sidecar(self.path, MANIFEST).get("built_at")

    @cached_property
    def _vocabulary(self) -> dict:
        return read_sidecar(self.path, VOCAB_FILE)

    @cached_property
    def stats(self) -> TermStats:
        """Document frequencies from the build's table (dfs.json), read with the first search."""
        return TermStats(lambda: self.searcher().reader(), read_sidecar(self.path, DF_FILE), self.files.min_docs)

    @cached_property
    def _levels(self) -> bytes:
        try:
            return (self.path / LEVELS_FILE).read_bytes()
        except OSError as exc:
            raise IndexError_(f"the search index at {self.path} lacks a readable {LEVELS_FILE}: {exc}",
                              hint="run 'do-expert index build' to rebuild it") from exc

    def level(self, docnum: int) -> int:
        """1 for a doc's overview, 2 for a '##' section, 3 for a '###' one (headings.py)."""
        return self._levels[docnum]

    def heading_tokens(self, docnum: int) -> frozenset[str]:
        """The tokens of a section's heading path, as the build stored them (headings.py)."""
        return self._headings.get(docnum)

    def load_stems(self) -> None:
        """Hand the build's stems (stems.json) to the snippet code, once: on the first search, not at start."""
        if not self._stems_loaded:
            remember_stems(stems_from_table(read_sidecar(self.path, STEMS_FILE)))
            self._stems_loaded = True

    @cached_property
    def speller(self) -> Speller:
        return Speller.from_vocabulary(self._vocabulary.get("counts", {}), self._vocabulary.get("display", {}))

    @cached_property
    def english(self) -> dict[str, float]:
        """Everyday-English word frequencies stored by the build (server/search/specificity.py)."""
        return self._vocabulary.get("english", {})

    def document(self, doc_id: str) -> Document | None:
        """The parsed doc, parsed on first use from its file (the file name is the doc id)."""
        doc = self._parsed.get(doc_id)
        if doc is None and doc_id in self.docs:
            doc = self._parsed[doc_id] = self.files.parse(self.files.root / self.docs[doc_id]["file"])
        return doc

    def resolve(self, ident: str) -> Document | Section | None:
        doc_part, _, slug = ident.partition("#")
        doc = self.document(self.aliases.get(doc_part, doc_part))
        if doc is None or not slug:
            return doc
        return next((s for s in doc.sections if s.slug == slug), None)
