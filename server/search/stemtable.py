"""The stem of every word a snippet can meet, computed once at build time and stored beside the index (stems.json).

A snippet matches the words of a returned section against the query by stem, and Porter2 in pure Python costs tens
of microseconds a word: on a server's first queries, before its stem cache is warm, stemming section words was the
largest part of a query. The build stems the corpus's words anyway; it stores the result, and a server reads it
with its first search.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.search.analysis import stem_word
from server.search.text import snippet_words

STEMS_FILE = "stems.json"


def stem_table(texts: Iterable[str]) -> dict:
    """The words of ``texts`` as snippets see them: those whose stem differs from them with their stems, the rest
    listed as they are (so a reader can tell a word that stems to itself from one the table does not know)."""
    changed: dict[str, str] = {}
    same: list[str] = []
    for low in sorted(snippet_words(texts)):
        stem = stem_word(low)
        if stem == low:
            same.append(low)
        else:
            changed[low] = stem
    return {"changed": changed, "same": same}


def stems_from_table(table: dict) -> dict[str, str]:
    """word -> stem, from what ``stem_table`` stored; anything malformed is skipped (the snippet stems it itself)."""
    changed = table.get("changed")
    same = table.get("same")
    out = {k: v for k, v in changed.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(changed, dict) else {}
    if isinstance(same, list):
        out.update((w, w) for w in same if isinstance(w, str))
    return out
