"""How the fast segment writer (segment.py) and the build workers (build_pool.py) analyse each field: Whoosh's prose
and code analyzers re-done with a per-word cache, giving the same terms and positions as the analyzers themselves
(tests/search/test_segment_writer.py compares the segments they produce)."""

from __future__ import annotations

import re
from collections import Counter
from operator import sub
from pickle import dumps

from whoosh.analysis import CompositeAnalyzer, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from server.search.analysis import IDENT_RE, CodeTokenizer, identifier_parts

EQUIVALENT_PROSE_TOKEN = re.compile(r"\w+(?:\.\w+)*")


class ProseTerms:
    """The prose analyzer (regex tokens, lowercase, stop words, stem) with each distinct word analyzed once."""

    def __init__(self, analyzer: CompositeAnalyzer) -> None:
        tokenizer, lower, stop, stem = analyzer.items
        self._findall = tokenizer.expression.findall
        self._stops, self._min, self._max = stop.stops, stop.min, stop.max
        self._renumber = stop.renumber
        self._stem = stem.stemfn
        self._stem_ignore = stem.ignore
        self._cache: dict[str, str | None] = {}  # raw word -> term, None for a stop word
        self._empty_terms = False
        if not self._renumber:
            raise ValueError("a StopFilter without renumbering is not supported by the fast writer")
        # Python's re runs "\w+(?:\.?\w+)*" (the prose tokenizer) a quarter slower than this pattern, which matches
        # exactly the same tokens (the optional dot adds nothing after a greedy \w+)
        if tokenizer.expression.pattern == r"\w+(?:\.?\w+)*":
            self._findall = EQUIVALENT_PROSE_TOKEN.findall

    @staticmethod
    def handles(analyzer) -> bool:
        items = getattr(analyzer, "items", ())
        return (isinstance(analyzer, CompositeAnalyzer) and len(items) == 4
                and type(items[0]) is RegexTokenizer and not items[0].gaps and type(items[1]) is LowercaseFilter
                and type(items[2]) is StopFilter and type(items[3]) is StemFilter and items[3].lang is None)

    def _analyze(self, word: str) -> str | None:
        low = word.lower()
        if len(low) < self._min or (self._max is not None and len(low) > self._max) or low in self._stops:
            return None
        return low if low in self._stem_ignore else self._stem(low)

    def terms(self, text: str) -> tuple[list[str], int]:
        """The terms of ``text`` in order, and the position of the first one (stop words before it count; stop words
        after it do not, as StopFilter renumbers the tokens it keeps)."""
        words = self._findall(text)
        cache = self._cache
        for word in set(words).difference(cache):
            cache[word] = term = self._analyze(word)
            self._empty_terms |= term == ""
        analyzed = list(map(cache.__getitem__, words))
        first = next((i for i, t in enumerate(analyzed) if t is not None), 0)
        # filter(None) also drops "" terms, which Whoosh would keep: only used when the stemmer never gave one
        kept = [t for t in analyzed if t is not None] if self._empty_terms else list(filter(None, analyzed))
        return kept, first


class CodeTerms:
    """The code analyzer (``analysis.CodeTokenizer``) with each distinct identifier analyzed once."""

    def __init__(self) -> None:
        from server.search.analysis import _cached_stem

        self._stem = _cached_stem
        self._cache: dict[str, tuple[str, ...]] = {}

    def terms(self, text: str) -> list[str]:
        cache = self._cache
        out: list[str] = []
        for ident in IDENT_RE.findall(text):
            parts = cache.get(ident)
            if parts is None:
                parts = cache[ident] = tuple(p if "." in p else self._stem(p) for p in identifier_parts(ident))
            out.extend(parts)
        return out


_ONE = pack_uint(1)


def _position_values(positions: list[int], single: dict[int, bytes]) -> bytes:
    """Positions.encode: the count, then the pickled position deltas. A single position's value is shared (see
    ``postblocks._distinct_objects`` for why the block writer then copies repeats)."""
    if len(positions) == 1:
        p = positions[0]
        v = single.get(p)
        if v is None:
            v = single[p] = _ONE + dumps([p], 2)
        return v
    deltas = [positions[0], *map(sub, positions[1:], positions)]
    return pack_uint(len(deltas)) + dumps(deltas, 2)


class FieldAnalysis:
    """How the fast writer analyses each field of a schema: its kind ("prose", "prose-positions", "code", or
    "whoosh" for a field left to Whoosh's own ``field.index``) and the cached analyzers. Build workers
    (server/search/build_pool.py) hold one each and analyse exactly as the writer would."""

    def __init__(self, schema) -> None:
        self.prose: dict[str, ProseTerms] = {}
        analyzer_of: dict[str, object] = {}
        self.code_terms = CodeTerms()
        self.kinds: dict[str, str] = {}
        for name, field in schema.items():
            fmt = field.format
            if not field.indexed or field.vector or field.separate_spelling() or fmt.field_boost != 1.0:
                kind = "whoosh"
            elif ProseTerms.handles(field.analyzer) and type(fmt) in (Frequency, Positions):
                kind = "prose-positions" if type(fmt) is Positions else "prose"
                # fields sharing one analyzer object (heading, body, doc_terms) share its word cache
                shared = next((p for n, p in self.prose.items() if analyzer_of[n] is field.analyzer), None)
                self.prose[name] = shared or ProseTerms(field.analyzer)
                analyzer_of[name] = field.analyzer
            elif type(field.analyzer) is CodeTokenizer and type(fmt) is Frequency:
                kind = "code"
            else:
                kind = "whoosh"
            self.kinds[name] = kind
        self._single_positions: dict[int, bytes] = {}  # position -> encoded value of a one-position posting

    def analyze(self, name: str, kind: str, value: str) -> tuple[int, list, set]:
        """A field's length, its (term, value) pairs and its set of terms. The value is the frequency, or for a
        positions field (number of positions, encoded positions), encoded once here however often the text
        recurs. The set of terms is cached and shared: nothing may modify it."""
        if kind == "prose-positions":
            length, grouped = self.positions(name, value)
            single = self._single_positions
            items = [(term, (float(len(ps)), _position_values(ps, single))) for term, ps in grouped.items()]
            return length, items, set(grouped)
        length, counts = self.counts(name, kind, value)
        return length, list(counts.items()), set(counts)

    def positions(self, name: str, value: str) -> tuple[int, dict[str, list[int]]]:
        """A positions field's length and each term's positions, in the order the terms first occur."""
        kept, first = self.prose[name].terms(value)
        grouped: dict[str, list[int]] = {}
        for pos, term in enumerate(kept, first):
            at = grouped.get(term)
            if at is None:
                grouped[term] = [pos]
            else:
                at.append(pos)
        return len(kept), grouped

    def counts(self, name: str, kind: str, value: str) -> tuple[int, Counter]:
        """A frequency field's length and each term's count, in the order the terms first occur."""
        kept = self.prose[name].terms(value)[0] if kind == "prose" else self.code_terms.terms(value)
        return len(kept), Counter(kept)

    def encoded_positions(self, positions: list[int]) -> bytes:
        return _position_values(positions, self._single_positions)
