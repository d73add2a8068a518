"""Document frequencies of index terms, read from Whoosh once per process instead of once per query.

A query asks the index for the document frequency of every term of every word group (for the word IDFs and to leave
out terms that match nothing or almost everything): about sixty look-ups, each a walk of Whoosh's term table
through file reads. A generation is immutable, so the answers never change; they are kept here, shared by all
threads (dict reads and writes are atomic), and the table is emptied when hostile queries full of unknown words
would grow it past ``MAX_TERMS``.
"""

from __future__ import annotations

MAX_TERMS = 200_000  # about 30 MB at worst; the real vocabulary of 50x the corpus is far below it


class TermStats:
    """The ``doc_count``/``doc_frequency`` part of a Whoosh reader, cached; ``reader`` gives this thread's reader."""

    def __init__(self, reader) -> None:
        self._reader = reader
        self._n = reader().doc_count()
        self._df: dict[tuple[str, str], int] = {}

    def doc_count(self) -> int:
        return self._n

    def doc_frequency(self, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        found = self._df.get(key)
        if found is None:
            if len(self._df) >= MAX_TERMS:
                self._df = {}
            found = self._df[key] = self._reader().doc_frequency(fieldname, text)
        return found
