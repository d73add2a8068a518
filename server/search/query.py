"""From an agent's free-text question to a ranked Whoosh query.

Agents ask in sentences, so no word is required: every word becomes an OR group over the searchable fields (heading,
code identifiers, prose, doc terms), with per-field weights. Whoosh scores the candidates with BM25F; a rerank then
rewards sections that cover more of the distinct query words, which is what makes a sentence-long question land on
the one section that answers all of it rather than on a section repeating one word. Query text never reaches
Whoosh's query language, so quotes, colons, brackets and AND/OR/NOT are plain words and cannot raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from whoosh.query import Or, Phrase, Term

from server.search.analysis import DOMAIN_STOP_WORDS, code_analyzer, identifier_parts, prose_analyzer
from server.search.synonyms import expand

# Query-time field weights, tuned on benchmarks/questions.yaml (see benchmarks/README.md for the procedure).
FIELD_WEIGHTS = {"heading": 2.0, "code": 1.6, "body": 1.0, "doc_terms": 0.6}
EXPANSION_WEIGHT = 0.4  # synonym expansions help, but never outrank the user's own words
CORRECTION_WEIGHT = 0.8  # a spelling correction stands in for an unknown word
COVERAGE_BONUS = 1.5  # score *= 1 + COVERAGE_BONUS * (fraction of distinct query words the section covers)
PHRASE_WEIGHT = 2.0

_RAW_WORD = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r'"([^"]{2,200})"')
_PROSE = prose_analyzer()
_CODE = code_analyzer()


@dataclass
class ParsedQuery:
    words: list[str]  # the user's meaningful words, in order, deduplicated
    corrections: dict[str, str]  # unknown word -> corpus word
    expansions: list[str]  # synonym expansion strings
    phrases: list[str]  # quoted phrases


def _tokens(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


def parse(text: str, speller=None) -> ParsedQuery:
    words: list[str] = []
    corrections: dict[str, str] = {}
    for raw in _RAW_WORD.findall(text):
        low = raw.lower()
        if low in DOMAIN_STOP_WORDS or low in (w.lower() for w in words):
            continue
        fixed = speller.correct(raw) if speller is not None else None
        if fixed and fixed.lower() in DOMAIN_STOP_WORDS:
            continue  # "durabel" was only a misspelt stop word
        words.append(raw)
        if fixed:
            corrections[raw] = fixed
    phrases = [p for p in _QUOTED.findall(text) if len(_tokens(_PROSE, p)) > 1]
    return ParsedQuery(words, corrections, expand(text), phrases)


def _group(text: str, weight: float) -> list:
    terms = []
    for field, analyzer in (("heading", _PROSE), ("body", _PROSE), ("doc_terms", _PROSE), ("code", _CODE)):
        for tok in dict.fromkeys(_tokens(analyzer, text)):
            terms.append(Term(field, tok, boost=FIELD_WEIGHTS[field] * weight))
    return terms


def build(parsed: ParsedQuery):
    """The Whoosh query; None when nothing searchable is left."""
    clauses = []
    for w in parsed.words:
        clauses.extend(_group(w, 1.0))
    for w, fixed in parsed.corrections.items():
        clauses.extend(_group(fixed, CORRECTION_WEIGHT))
    for extra in parsed.expansions:
        clauses.extend(_group(extra, EXPANSION_WEIGHT))
    for phrase in parsed.phrases:
        toks = _tokens(_PROSE, phrase)
        clauses.append(Phrase("body", toks, boost=PHRASE_WEIGHT))
    return Or(clauses) if clauses else None


def word_keys(word: str) -> set[str]:
    """The index tokens a user word can meet: its stemmed form and its identifier parts."""
    keys = set(_tokens(_PROSE, word))
    whole = word.lower()
    keys.add(whole)
    parts = identifier_parts(word)
    if len(parts) > 1:
        keys.update(p for p in parts if "." in p)
    return keys


def coverage_keys(parsed: ParsedQuery) -> list[set[str]]:
    """For each of the user's words, the tokens it (or its correction) can meet; computed once per query."""
    keys = []
    for w in parsed.words:
        k = word_keys(w)
        if w in parsed.corrections:
            k |= word_keys(parsed.corrections[w])
        keys.append(k)
    return keys


def coverage(keys: list[set[str]], section_tokens: set[str]) -> float:
    """Fraction of the user's distinct words found in a section's tokens."""
    if not keys:
        return 0.0
    return sum(1 for k in keys if k & section_tokens) / len(keys)


def section_tokens(fields: dict) -> set[str]:
    """Every token a section was indexed under, for the coverage rerank."""
    toks: set[str] = set()
    for name in ("heading", "body", "doc_terms"):
        toks.update(_tokens(_PROSE, fields[name]))
    toks.update(_tokens(_CODE, fields["code"]))
    return toks
