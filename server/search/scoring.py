"""BM25F with one IDF per word, not one per field.

Whoosh's BM25F takes each term's IDF from the field it matched in. Headings are few and short, so an everyday word
that happens to sit in one heading ("plan", "required", "created") gets a huge heading IDF and drags that section to
the top of any question using the word. Here a heading or doc-terms match uses the word's IDF in the prose field,
where its real rarity in the corpus shows; the field weight then says how much a heading match is worth.
"""

from __future__ import annotations

from math import log

from whoosh.scoring import BM25F, BM25FScorer

PROSE_FIELDS = ("heading", "doc_terms", "asks")


class SharedIdfBM25F(BM25F):
    """``min_docs``: the IDF counts at least this many documents. A user's folder of three notes would otherwise give
    every word an IDF near zero (a word in 1 of 3 sections looks common), so its sections could never outrank the
    bundled reference, whatever they say; with the floor, a word in one section weighs what it would in a corpus the
    bundled one's size."""

    def __init__(self, *args, min_docs: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.min_docs = min_docs

    def idf(self, searcher, fieldname, text):
        parent = searcher.get_parent()
        return log(max(parent.doc_count_all(), self.min_docs) / (parent.doc_frequency(fieldname, text) + 1)) + 1

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if fieldname in PROSE_FIELDS and isinstance(scorer, BM25FScorer):
            scorer.idf = _shared_idf(searcher, text, scorer.idf)
        return scorer

    def parameters(self, searcher, fieldname, text) -> tuple[float, float, float, float] | None:
        """(idf, avgfl, B, K1) of the scorer ``scorer`` builds, without building it: its set-up reads the term's
        entry from the index once more, for a maximum score that the ranking (server/search/scorer.py) never uses.
        None for a field that is not scorable."""
        if not searcher.schema[fieldname].scorable:
            return None
        parent = searcher.get_parent()
        idf = parent.idf(fieldname, text)
        if fieldname in PROSE_FIELDS:
            idf = _shared_idf(searcher, text, idf)
        return idf, parent.avg_field_length(fieldname) or 1, self._field_B.get(fieldname, self.B), self.K1


def _shared_idf(searcher, text: str, own: float) -> float:
    parent = searcher.get_parent()
    # +1 document: a word absent from all bodies keeps a finite, high IDF
    return max(parent.idf("body", text), 0.0) if parent.doc_frequency("body", text) else own
