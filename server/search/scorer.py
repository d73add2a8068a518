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
import threading
from array import array
from collections import OrderedDict
from operator import itemgetter

MAX_CACHED_POSTINGS = 2_000_000  # about 24 MB of arrays; a term with more postings than this is never cached


class TermScores:
    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS) -> None:
        self._cache: OrderedDict[tuple[str, str], tuple[array, array]] = OrderedDict()
        self._size = 0
        self._max = max_postings
        self._lock = threading.Lock()

    def get(self, searcher, field: str, token: str) -> tuple[array, array]:
        key = (field, token)
        found = self._cache.get(key)
        if found is not None:
            return found
        ids, scores = array("I"), array("d")
        matcher = searcher.postings(field, token)
        while matcher.is_active():
            ids.append(matcher.id())
            scores.append(matcher.score())
            matcher.next()
        if len(ids) <= self._max:
            with self._lock:
                if key not in self._cache:
                    self._cache[key] = (ids, scores)
                    self._size += len(ids)
                    while self._size > self._max:
                        _, (old, _) = self._cache.popitem(last=False)
                        self._size -= len(old)
        return ids, scores


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
