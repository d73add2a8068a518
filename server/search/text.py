"""Markdown to plain text, and snippets around matched terms.

A snippet is what an agent reads to decide whether to fetch a section, so it must be short (about 200
characters), centred on the densest run of query terms, and free of Markdown noise.
"""

from __future__ import annotations

import re
from collections import Counter

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


def _matches(word: str, keys: set[str]) -> bool:
    low = word.lower().strip(".,")
    if low in keys or stem_word(low) in keys:
        return True
    return any(p in keys for p in identifier_parts(word)) if "." in word or word[1:] != word[1:].lower() else False


def _matcher(keys: set[str]):
    """``_matches`` for one query, remembered per distinct word: a section repeats its words many times."""
    memo: dict[str, bool] = {}

    def matches(word: str) -> bool:
        got = memo.get(word)
        if got is None:
            got = memo[word] = _matches(word, keys)
        return got

    return matches


def make_snippet(text: str, words: list[str], width: int = 180) -> str:
    """The window of about ``width`` characters holding the most distinct query terms, matches in **bold**."""
    keys = term_keys(words)
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return text[:width]
    matches = _matcher(keys)
    hits = [i for i, m in enumerate(tokens) if matches(m.group(0))]
    if not hits:
        start, end = 0, min(len(text), width)
    else:
        # Slide a window of `width` characters from each hit: the hits inside it counted by distinct word, one
        # pass over the hits (a long section can have hundreds, and snippets are built for every result).
        pos = [tokens[h].start() for h in hits]
        low = [tokens[h].group(0).lower() for h in hits]
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
        start = max(0, tokens[best].start() - 40)
        # begin at a word boundary, preferably a sentence start close before the first hit
        sentence = text.rfind(". ", max(0, start - 60), tokens[best].start())
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
