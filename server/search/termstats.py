"""Document frequencies of index terms, without Whoosh's term-table walk on every query.

A query asks for the document frequency of every term of every word group (for the word IDFs, to leave out terms
that match nothing or almost everything, and in each new term's BM25F IDF): about sixty look-ups, each a walk of
Whoosh's on-disk hash table through a dozen file reads, which on a fresh server was a tenth of a query. The build
stores every indexed term's document frequency (dfs.json: about 100 KB at 1x, the same at 50x copies), read with
the first search. A field the table lacks is asked of Whoosh and the answer kept (dict reads and writes are atomic,
so threads share it; emptied when hostile queries would grow it past ``MAX_TERMS``).
"""

from __future__ import annotations

from pathlib import Path

DF_FILE = "dfs.json"
MAX_TERMS = 200_000  # about 30 MB at worst


def df_table(ix) -> dict[str, dict[str, int]]:
    """Every indexed field's terms and their document frequencies, read once from a built index."""
    with ix.reader() as reader:
        fields = [name for name in reader.schema.names() if reader.schema[name].indexed]
        return {name: {text.decode("utf-8") if isinstance(text, bytes) else text: info.doc_frequency()
                       for text, info in reader.iter_field(name)} for name in fields}


def write_df_table(ix, folder: Path) -> None:
    import json

    (folder / DF_FILE).write_text(json.dumps(df_table(ix), separators=(",", ":")), encoding="utf-8")


class TermStats:
    """The ``doc_count``/``doc_frequency`` part of a Whoosh reader. ``reader`` gives this thread's reader; ``table``
    is the build's df table (field -> term -> df): complete for each field it has, so a term it lacks has df 0."""

    def __init__(self, reader, table: dict | None = None, min_docs: int = 0) -> None:
        self._reader = reader
        self._n = max(reader().doc_count(), min_docs)  # min_docs: see SharedIdfBM25F
        self._table = {name: terms for name, terms in (table or {}).items() if isinstance(terms, dict)}
        self._df: dict[tuple[str, str], int] = {}

    def doc_count(self) -> int:
        return self._n

    def doc_frequency(self, fieldname: str, text: str) -> int:
        if isinstance(text, bytes):  # Whoosh's own queries (phrases) ask with the encoded term
            text = text.decode("utf-8")
        terms = self._table.get(fieldname)
        if terms is not None:
            return terms.get(text, 0)
        key = (fieldname, text)
        found = self._df.get(key)
        if found is None:
            if len(self._df) >= MAX_TERMS:
                self._df = {}
            found = self._df[key] = self._reader().doc_frequency(fieldname, text)
        return found
