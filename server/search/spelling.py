"""Did-you-mean: unknown query words corrected against the corpus's own vocabulary.

Candidates come from difflib's similarity ratio (it handles transpositions such as "objcet", which a plain
edit-distance-1 automaton misses); ties go to the word the corpus uses most, so "durabel" becomes "durable" and not
"durably". Corrections keep the corpus's spelling ("transactionSync", not "transactionsync").
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


class Speller:
    def __init__(self, texts: list[str]) -> None:
        by_form: Counter[str] = Counter()
        for text, times in Counter(texts).items():  # a repeated text (copied docs) is read once
            words = _WORD.findall(text)
            if times == 1:
                by_form.update(words)
            else:
                for word, n in Counter(words).items():
                    by_form[word] += n * times
        counts: Counter[str] = Counter()
        best: dict[str, tuple[int, str]] = {}
        for word, n in by_form.items():  # each distinct spelling once
            low = word.lower()
            counts[low] += n
            if low not in best or n > best[low][0]:
                best[low] = (n, word)
        self._set(counts, {low: form for low, (_, form) in best.items()})

    @classmethod
    def from_vocabulary(cls, counts: dict[str, int], display: dict[str, str]) -> "Speller":
        """A speller from the vocabulary stored with the index (no corpus text needed)."""
        speller = cls.__new__(cls)
        speller._set(Counter(counts), display)
        return speller

    def _set(self, counts: Counter, display: dict[str, str]) -> None:
        self.counts = counts
        self.display = display
        # Buckets by length: a correction is at most two characters longer or shorter, so only those are scanned.
        self._by_length: dict[int, list[str]] = {}
        for w in counts:
            self._by_length.setdefault(len(w), []).append(w)
        # difflib over a length bucket costs a millisecond or more; agents repeat their unknown words
        self.correct = lru_cache(maxsize=4096)(self._correct)

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.counts

    def _correct(self, word: str) -> str | None:
        """The best corpus word for an unknown ``word``, or None when nothing is close enough."""
        low = word.lower()
        if low in self.counts or len(low) < 4 or any(c.isdigit() for c in low):
            return None
        cutoff = 0.84  # tight: an unknown but real word ("europe") must not turn into a random corpus word
        pool = [w for n in range(len(low) - 2, len(low) + 3) for w in self._by_length.get(n, ())
                if w[0] == low[0] or w[1:2] == low[1:2]]
        candidates = difflib.get_close_matches(low, pool, n=6, cutoff=cutoff)
        if not candidates:
            return None
        best = max(candidates, key=lambda c: (round(difflib.SequenceMatcher(None, low, c).ratio(), 2), self.counts[c]))
        return self.display[best]
