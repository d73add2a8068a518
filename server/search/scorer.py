"""Ranking candidates from Whoosh's postings, with each term's scores computed once per process.

A query is a weighted sum of terms (an OR of ``Term`` clauses), and a term's BM25F contribution to a section does
not depend on the rest of the query: only the boost multiplies it. So each term's (document, score) pairs are read
from Whoosh's postings, scored by the index's own weighting (``SharedIdfBM25F``) and kept; later questions that use
the term (agents keep asking about "alarm", "sql", "websocket") only add them up. The sum is exactly what Whoosh's
own OR matcher computes, without rebuilding a matcher tree for each query.

The cache is shared by all threads without a lock on the read path (dict reads are atomic) and bounded by the
number of postings it holds, oldest terms dropped first.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
import threading
from array import array
from collections import OrderedDict
from functools import lru_cache
from operator import itemgetter

MAX_CACHED_POSTINGS = 1_000_000  # about 12 MB of arrays; a term with more postings than this is never cached


class TermScores:
    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self._cache: OrderedDict[tuple[str, str], tuple[array, array]] = OrderedDict()
        self._size = 0
        self._max = max_postings
        self._lock = threading.Lock()
        self._length_cache: dict[tuple[int, str], bytes] = {}

    def get(self, searcher, field: str, token: str) -> tuple[array, array]:
        key = (field, token)
        found = self._cache.get(key)
        if found is not None:
            return found
        try:
            ids, scores = self._by_blocks(searcher, field, token)
        except (AttributeError, TypeError, ValueError, IndexError):  # another Whoosh codec: the public path
            ids, scores = self._by_postings(searcher, field, token)
        if len(ids) <= self._max:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = (ids, scores)
                    self._size += len(ids)
                    while self._size > self._max:
                        _, (old, _) = self._cache.popitem(last=False)
                        self._size -= len(old)
        return ids, scores


    @staticmethod
    def _by_postings(searcher, field: str, token: str) -> tuple[array, array]:
        """Whoosh's public API: one call per posting for the id, the score and the step."""
        ids, scores = array("I"), array("d")
        matcher = searcher.postings(field, token)
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        return ids, scores

    def _by_blocks(self, searcher, field: str, token: str) -> tuple[array, array]:
        """The same scores (tests check it), a postings block at a time from the whoosh3 codec's leaf matcher, with
        the field lengths read once per field: several times faster, which is what a first search on a large
        corpus waits for. Relies on codec internals; any mismatch raises and the caller takes the public path."""
        parameters = getattr(searcher.weighting, "parameters", None)  # SharedIdfBM25F's, without a scorer
        found = parameters(searcher, field, token) if parameters is not None else None
        if found is None or not searcher.is_atomic():
            raise TypeError("not a single-segment BM25F search")
        idf, avgfl, b, k1 = found
        lengths = self._lengths(searcher.reader(), field)
        matcher = searcher.reader().postings(field, token)
        ids, scores = array("I"), array("d")
        norm = _norms(k1, b, avgfl)
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            block_ids = matcher._ids
            ids.extend(block_ids)
            scores.extend(idf * (w * (k1 + 1)) / (w + norm[lengths[d]]) for d, w in zip(block_ids, matcher._weights))
            matcher._next_block()
        return ids, scores

    def _lengths(self, reader, field: str) -> bytes:
        """Each document's length byte for ``field`` (0 means 'no length': scored as length 1, as Whoosh does)."""
        key = (id(reader), field)
        found = self._length_cache.get(key)
        if found is None:
            from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield

            col = reader._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
            n = reader.doc_count_all()
            raw = bytes(col._dbfile.get(col._basepos, col._count)) if col is not None and col._count else b""
            found = self._length_cache[key] = raw[:n] + bytes(max(0, n - len(raw)))
        return found


def _byte_lengths() -> list[float]:
    from whoosh.util.numeric import byte_to_length

    return [float(byte_to_length(i)) if i else 1.0 for i in range(256)]


_BYTE_LENGTHS = _byte_lengths()


@lru_cache(maxsize=256)  # one per field and index: every term of a field shares its length normalisation
def _norms(k1: float, b: float, avgfl: float) -> tuple[float, ...]:
    return tuple(k1 * ((1 - b) + b * fl / avgfl) for fl in _BYTE_LENGTHS)


def scores_of(searcher, terms: TermScores, clauses: list[tuple[str, str, float]], docnums: list[int]) -> dict:
    """The summed scores of a few documents only (binary search in each term's cached postings): what a second
    ranking of the leaders costs, instead of another pass over every posting."""
    out = dict.fromkeys(docnums, 0.0)
    for field, token, boost in clauses:
        ids, scores = terms.get(searcher, field, token)
        for doc in docnums:
            i = bisect_left(ids, doc)
            if i < len(ids) and ids[i] == doc:
                out[doc] += boost * scores[i]
    return out


def rank(searcher, terms: TermScores, clauses: list[tuple[str, str, float]], extra: dict[int, float] | None,
         keep=None, limit: int = 60) -> tuple[list[tuple[int, float]], int]:
    """The ``limit`` best (docnum, score) pairs for a sum of weighted terms (plus ``extra`` scores, e.g. from
    phrase matches), restricted to documents for which ``keep(docnum)`` is true; and how many documents matched."""
    acc: dict[int, float] = dict(extra or {})
    get = acc.get
    for field, token, boost in clauses:
        ids, scores = terms.get(searcher, field, token)
        for doc, score in zip(ids, scores):
            acc[doc] = get(doc, 0.0) + boost * score
    items = acc.items() if keep is None else [(d, s) for d, s in acc.items() if keep(d)]
    matched = len(items)
    return heapq.nlargest(limit, items, key=itemgetter(1)), matched
