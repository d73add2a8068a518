"""Markdown to plain text, and snippets around matched terms.

A snippet is what an agent reads to decide whether to fetch a section, so it must be short (about 200
characters), centred on the densest run of query terms, and free of Markdown noise.
"""

from __future__ import annotations

import re
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


@lru_cache(maxsize=200_000)
def word_keys(word: str) -> frozenset[str]:
    """Every key under which a word of the text meets a query: its lowercase form (trailing "." or "," dropped), its
    stem and, for a dotted or camelCase identifier, its parts. Cached for the process: corpus words repeat across
    sections and queries, and stemming is the costly part of a snippet."""
    low = word.lower().strip(".,")
    keys = {low, stem_word(low)}
    if "." in word or word[1:] != word[1:].lower():
        keys.update(identifier_parts(word))
    return frozenset(keys)


def _matcher(keys: set[str]):
    """Whether a text word matches one query's keys, remembered per distinct word."""
    memo: dict[str, bool] = {}

    def matches(word: str) -> bool:
        got = memo.get(word)
        if got is None:
            got = memo[word] = not keys.isdisjoint(word_keys(word))
        return got

    return matches


class _Words:
    """One section text's words, found once: their start offsets, and the positions of each distinct word. A query
    then tests each distinct word (not each occurrence) and reads only the positions of the matching ones."""

    __slots__ = ("starts", "lows", "positions")

    def __init__(self, text: str) -> None:
        self.starts: list[int] = []
        self.lows: list[str] = []
        self.positions: dict[str, list[int]] = {}
        lowered: dict[str, str] = {}  # one lowercase string per distinct word
        for i, m in enumerate(_WORD.finditer(text)):
            word = m.group(0)
            at = self.positions.get(word)
            if at is None:
                at, lowered[word] = self.positions.setdefault(word, []), word.lower()
            at.append(i)
            self.starts.append(m.start())
            self.lows.append(lowered[word])


# Keyed by the text itself: the same section returned again (agents ask about the same topics) costs one hash. A
# section's entry is about 10 KB (60 KB for the largest); 1024 of them bound the memory whatever the corpus size.
_words_of = lru_cache(maxsize=1024)(_Words)


def make_snippet(text: str, words: list[str], width: int = 180) -> str:
    """The window of about ``width`` characters holding the most distinct query terms, matches in **bold**."""
    keys = term_keys(words)
    found = _words_of(text)
    if not found.starts:
        return text[:width]
    matches = _matcher(keys)
    hits = sorted(i for word, at in found.positions.items() if matches(word) for i in at)
    if not hits:
        start, end = 0, min(len(text), width)
    else:
        # Slide a window of `width` characters from each hit: the hits inside it counted by distinct word, one
        # pass over the hits (a long section can have hundreds, and snippets are built for every result).
        pos = [found.starts[h] for h in hits]
        low = [found.lows[h] for h in hits]
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
    return _bold(snippet, matches)


def _bold(snippet: str, matches) -> str:
    def repl(m: re.Match) -> str:
        word = m.group(0)
        return f"**{word}**" if matches(word) else word

    return _WORD.sub(repl, snippet)
