"""Analyzers: one for prose, one for code identifiers.

Prose gets the usual stemming pipeline. Code identifiers need their own: an agent may type ``transactionSync``,
``transactionsync`` or ``transaction sync``, and ``sql.exec`` or just ``exec`` for ``ctx.storage.sql.exec``. The code
analyzer therefore emits, for every identifier, the whole lowercased name, every dotted suffix, every segment and
every camelCase / snake_case part, so any of those spellings meets a token in the index.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import (
    Composable,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.lang.porter2 import stem

# Words that carry no signal in this corpus: every section is about Durable Objects on Cloudflare.
DOMAIN_STOP_WORDS = frozenset(
    {"durable", "object", "objects", "cloudflare", "do", "dos", "how", "what", "why", "when", "which", "does",
     "can", "should", "i", "my", "me", "we", "you", "your", "there", "is", "are", "a", "an", "the", "to", "of",
     "in", "on", "for", "with", "and", "or", "it", "its", "be", "use", "using", "get", "way", "best", "need",
     "want", "make", "this", "that", "from", "by", "as", "at", "if", "not", "no", "any", "some", "into", "inside",
     "way", "correct", "right", "proper", "properly", "work", "works", "working", "s"}
)

# Conversational filler: words that shape a sentence without naming what it asks about. Unlike the stop words they
# stay in the index (prose may use them), but a query drops them.
FILLER_WORDS = frozenset(
    {"m", "ve", "ll", "re", "d", "t", "im", "ive",
     # the first half of a negated contraction ("isn't" reads as "isn" and "t"): no subject of its own
     "isn", "aren", "wasn", "weren", "doesn", "don", "didn", "hasn", "haven", "hadn", "won", "wouldn", "shouldn",
     "couldn", "mustn", "needn",
     # the same contractions typed without the apostrophe
     "isnt", "arent", "wasnt", "doesnt", "dont", "didnt", "cant", "wont", "wouldnt", "shouldnt", "couldnt", "hasnt",
     "havent", "eg", "ie", "please", "help", "trying", "try", "tried", "basically", "actually",
     "just", "really", "currently", "also", "still", "would", "could", "will", "shall", "might", "am", "was", "were",
     "been", "being", "have", "has", "had", "they", "them", "their", "our", "us", "he", "she", "his", "her", "so",
     "then", "than", "but", "about", "some", "thing", "things", "stuff", "somehow", "anyone", "someone", "know",
     "tell", "explain", "wondering", "wonder", "okay", "ok", "hi", "hello", "thanks", "here", "where", "who", "whom",
     "whose", "these", "those", "do", "did", "doing", "done", "go", "going", "able", "possible", "there", "other",
     "recommended", "recommend", "idiomatic", "good", "way", "ways", "exactly", "instead", "sure", "all", "every",
     # generic question words: they frame a comparison or a wish, the API names around them carry the question
     "vs", "versus", "difference", "differences", "differ", "between", "whats", "like", "look", "looks", "much",
     "many", "more", "too", "very", "several", "whole", "each", "again", "ever", "never", "always", "kind", "bad",
     "wrong", "correctly", "happen", "happens", "happened", "mean", "means", "meaning", "example", "examples", "show",
     "give", "yesterday", "today", "tomorrow", "straight", "directly", "gets", "got", "same", "something",
     "anything", "nothing", "everything", "somewhere", "anyway", "etc", "app", "apps", "application", "wondering",
     "figure", "quick", "question", "hey"}
)

IDENT_RE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*")
# camelCase and PascalCase boundaries, acronym runs (SQLITE_FULL, getSQLCursor), digits.
CAMEL_RE = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@lru_cache(maxsize=65536)
def identifier_parts(ident: str) -> tuple[str, ...]:
    """All lowercased spellings of one identifier under which it should be findable."""
    out: list[str] = []
    segments = [s for s in ident.split(".") if s]
    lowered = [s.lower() for s in segments]
    if len(segments) > 1:
        for i in range(len(segments) - 1):
            out.append(".".join(lowered[i:]))  # ctx.storage.sql.exec, storage.sql.exec, sql.exec
    for seg, low in zip(segments, lowered):
        out.append(low.strip("_$") or low)
        pieces = [p.lower() for chunk in re.split(r"[_$]+", seg) for p in CAMEL_RE.findall(chunk)]
        if len(pieces) > 1:
            out.extend(p for p in pieces if len(p) > 1)
    return tuple(out)


# Porter2 in pure Python is the single biggest cost of a build; identifier parts repeat endlessly.
_cached_stem = lru_cache(maxsize=200_000)(stem)


class CodeTokenizer(Composable):
    """Whoosh tokenizer for identifiers; see the module docstring for what it emits."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in IDENT_RE.finditer(value):
            for part in identifier_parts(match.group(0)):
                # Stem undotted parts so "keys" meets foreign_key_list's "key"; dotted paths stay exact.
                token.text = part if "." in part else _cached_stem(part)
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = part
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                yield token


def code_analyzer():
    return CodeTokenizer()


def prose_analyzer():
    """Stemming analyzer; dotted and underscored identifiers (``sql.exec``, ``_sql_schema_migrations``) stay whole."""
    return (
        RegexTokenizer(r"\w+(?:\.?\w+)*")
        | LowercaseFilter()
        | StopFilter(stoplist=DOMAIN_STOP_WORDS, minsize=1)
        | StemFilter(stemfn=stem)  # Porter2: 'hibernating' and 'hibernation' share a stem, unlike Porter
    )


@lru_cache(maxsize=65536)  # snippets stem every word of every returned section
def stem_word(word: str) -> str:
    return stem(word.lower())
