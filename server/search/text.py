"""Markdown to plain text, and snippets around matched terms.

A snippet is what an agent reads to decide whether to fetch a section, so it must be short (about 200
characters), centred on the densest run of query terms, and free of Markdown noise.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from functools import lru_cache

from server.search.analysis import identifier_parts, stem_word

_FENCE_LINE = re.compile(r"^\s{0,3}(`{3,}|~{3,}).*$", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)
_LINK = re.compile(r"!?\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")  # bounded, no nested "[": linear
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)")
_TABLE_RULE = re.compile(r"^(?=[^\n|]*\|)[ \t:|-]+$", re.MULTILINE)  # one class, one line: linear
_WORD = re.compile(r"[A-Za-z_$][\w$.]*|\d[\d,.]*")


def markdown_to_text(markdown: str) -> str:
    text = _FENCE_LINE.sub(" ", markdown)
    text = _TABLE_RULE.sub(" ", text)
    text = _HEADING.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    text = text.replace("|", " ")
    return re.sub(r"\s+", " ", text).strip()


def term_keys(words: list[str]) -> set[str]:
    """Everything a query word may match in text: its stem, and the parts of an identifier."""
    keys: set[str] = set()
    for w in words:
        low = w.lower()
        keys.add(stem_word(low))
        keys.update(identifier_parts(w))
    return {k for k in keys if len(k) > 1}


# Stems read from the index (stemtable.py): a word's stem never changes, so one table serves every generation.
_known_stems: dict[str, str] = {}


def remember_stems(stems: dict[str, str]) -> None:
    """Add build-time stems (word -> stem_word(word)) to the ones snippets use before stemming themselves."""
    _known_stems.update(stems)


def snippet_words(texts) -> set[str]:
    """The distinct words of ``texts`` as a snippet compares them: lowercase, a trailing "." or "," dropped."""
    distinct: set[str] = set()
    for text in set(texts):  # copies of a doc repeat their sections' texts
        distinct.update(_WORD.findall(text))
    return {word.lower().strip(".,") for word in distinct}


def _matches(word: str, keys: set[str], initials: set[str]) -> bool:
    low = word.lower().strip(".,")
    if low in keys:
        return True
    if ("." in word or word[1:] != word[1:].lower()) and not keys.isdisjoint(identifier_parts(word)):
        return True
    # Porter2 never changes a word's first letter (tests/search/test_snippets_unchanged.py checks the corpus), so
    # only a word that starts like one of the keys can stem to it: the costly stemming is skipped for the others.
    return low[:1] in initials and (_known_stems.get(low) or stem_word(low)) in keys


def _matcher(keys: set[str]):
    """``_matches`` for one query, remembered per distinct word: a section repeats its words many times."""
    initials = {k[:1] for k in keys}
    memo: dict[str, bool] = {}

    def matches(word: str) -> bool:
        got = memo.get(word)
        if got is None:
            got = memo[word] = _matches(word, keys, initials)
        return got

    return matches


class _Words:
    """One section text's words, found once: each occurrence's text and start offset, and for each distinct word its
    lowercase form and identifier parts (stems on demand). A query then matches distinct words with set look-ups,
    not function calls per word, and reads the positions of the matching ones in one pass."""

    __slots__ = ("words", "starts", "lows", "parts", "_by_stem")

    def __init__(self, text: str) -> None:
        found = list(_WORD.finditer(text))
        one: dict[str, str] = {}  # one string object per distinct word: a cached section stays small
        self.words = [one.setdefault(w, w) for w in (m.group(0) for m in found)]
        self.starts = array("I", [m.start() for m in found])
        self.lows = {word: _same_if_equal(word.lower().strip(".,"), word) for word in dict.fromkeys(self.words)}
        self.parts = {word: identifier_parts(word) for word in self.lows
                      if "." in word or word[1:] != word[1:].lower()}
        self._by_stem: dict[str, dict[str, list[str]]] | None = None  # initial -> stem -> words

    def stemmed(self, initial: str) -> dict[str, list[str]]:
        """The words starting with ``initial``, by stem. Porter2 never changes a word's first letter
        (tests/search/test_snippets_unchanged.py checks the corpus), so a key's stem can only come from the words
        sharing its initial: only those are stemmed, and only when a query asks."""
        if self._by_stem is None:
            by_initial: dict[str, dict[str, list[str]] | list[str]] = {}
            for word, low in self.lows.items():
                by_initial.setdefault(low[:1], []).append(word)
            self._by_stem = by_initial  # lists of words until an initial is first asked for
        found = self._by_stem.get(initial)
        if found is None:
            return {}
        if isinstance(found, list):
            stems: dict[str, list[str]] = {}
            known, lows = _known_stems, self.lows
            for word in found:
                low = lows[word]
                stems.setdefault(known.get(low) or stem_word(low), []).append(word)
            found = self._by_stem[initial] = stems
        return found

    def matching(self, keys: set[str]) -> set[str]:
        """The distinct words that match any of the keys: exactly what ``_matches`` accepts."""
        out = {word for word, low in self.lows.items() if low in keys}
        out.update(word for word, parts in self.parts.items() if not keys.isdisjoint(parts))
        for key in keys:
            out.update(self.stemmed(key[:1]).get(key, ()))
        return out


def _same_if_equal(low: str, word: str) -> str:
    return word if low == word else low  # most words are lowercase already: keep one string, not two


# Keyed by the text itself: the same section returned again (agents ask about the same topics) costs one hash. A
# section's entry is about 20 KB (80 KB for the largest); 512 of them bound the memory whatever the corpus size.
_words_of = lru_cache(maxsize=512)(_Words)


def make_snippet(text: str, words: list[str], width: int = 180) -> str:
    """The window of about ``width`` characters holding the most distinct query terms, matches in **bold**."""
    keys = term_keys(words)
    found = _words_of(text)
    if not found.words:
        return text[:width]
    matched = found.matching(keys)
    hits = [i for i, word in enumerate(found.words) if word in matched]
    if not hits:
        start, end = 0, min(len(text), width)
    else:
        # Slide a window of `width` characters from each hit: the hits inside it counted by distinct word, one
        # pass over the hits (a long section can have hundreds, and snippets are built for every result).
        pos = [found.starts[h] for h in hits]
        low = [found.words[h].lower() for h in hits]
        inside: Counter[str] = Counter()
        best, best_score, right = hits[0], -1, 0
        for i, h in enumerate(hits):
            while right < len(hits) and pos[right] < pos[i] + width:
                inside[low[right]] += 1
                right += 1
            if len(inside) > best_score:
                best, best_score = h, len(inside)
            inside[low[i]] -= 1
            if not inside[low[i]]:
                del inside[low[i]]
        best_start = found.starts[best]
        start = max(0, best_start - 40)
        # begin at a word boundary, preferably a sentence start close before the first hit
        sentence = text.rfind(". ", max(0, start - 60), best_start)
        start = sentence + 2 if sentence != -1 else start
        end = min(len(text), start + width)
    snippet = text[start:end]
    if end < len(text):
        cut = snippet.rfind(" ")
        snippet = snippet[: cut if cut > width // 2 else len(snippet)] + " …"
    if start > 0:
        snippet = "… " + snippet.lstrip()
    return _bold(snippet, _matcher(keys))  # the snippet's own words: a cut can split one


def _bold(snippet: str, matches) -> str:
    def repl(m: re.Match) -> str:
        word = m.group(0)
        return f"**{word}**" if matches(word) else word

    return _WORD.sub(repl, snippet)
