"""The snippet code finds each section's words once and caches them (server/search/text.py); the snippets must be
exactly what the original one-pass-per-query code made. The original is kept here as the reference."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from server.search import query as q
from server.search.analysis import identifier_parts, stem_word
from server.search.text import make_snippet, term_keys

_WORD = re.compile(r"[A-Za-z_$][\w$.]*|\d[\d,.]*")
BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _reference_matches(word: str, keys: set[str]) -> bool:
    low = word.lower().strip(".,")
    if low in keys or stem_word(low) in keys:
        return True
    return any(p in keys for p in identifier_parts(word)) if "." in word or word[1:] != word[1:].lower() else False


def reference_snippet(text: str, words: list[str], width: int = 180) -> str:
    """make_snippet as it was before the per-section word cache (commit 65716d5)."""
    keys = term_keys(words)
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return text[:width]
    hits = [i for i, m in enumerate(tokens) if _reference_matches(m.group(0), keys)]
    if not hits:
        start, end = 0, min(len(text), width)
    else:
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
        sentence = text.rfind(". ", max(0, start - 60), tokens[best].start())
        start = sentence + 2 if sentence != -1 else start
        end = min(len(text), start + width)
    snippet = text[start:end]
    if end < len(text):
        cut = snippet.rfind(" ")
        snippet = snippet[: cut if cut > width // 2 else len(snippet)] + " …"
    if start > 0:
        snippet = "… " + snippet.lstrip()
    return _WORD.sub(lambda m: f"**{m.group(0)}**" if _reference_matches(m.group(0), keys) else m.group(0), snippet)


def _questions() -> list[str]:
    out = []
    for name in ("questions.yaml", "questions_holdout.yaml", "questions_sentences.yaml"):
        out += [d["q"] for d in yaml.safe_load((BENCHMARKS / name).read_text()) if isinstance(d, dict)]
    return out


@pytest.mark.parametrize("text, words", [
    ("", ["alarm"]),
    ("... ,,, !!!", ["alarm"]),
    ("Call ctx.storage.setAlarm() to arm it. Alarms retry with backoff.", ["setAlarm", "retries"]),
    ("nothing here matches at all " * 20, ["websocket"]),
    ("1,000 rows. Rows are counted; " * 30 + "rowsRead and rowsWritten are reported.", ["rows", "rowsWritten"]),
])
def test_snippet_edge_cases_match_the_reference(text, words):
    assert make_snippet(text, words) == reference_snippet(text, words)


def test_snippets_match_the_reference_on_the_benchmark_questions(real_engine):
    gen = real_engine.current()
    searcher = gen.searcher()
    docnum_of = {sid: n for n, sid in enumerate(gen.section_ids)}  # document numbers follow the catalogue
    compared = 0
    for question in _questions():
        result = real_engine.search(question, limit=5)
        parsed = q.parse(question, gen.speller)
        words = [*parsed.texts, *parsed.corrections.values()]  # what the engine passes
        for hit in result.results:
            body = searcher.stored_fields(docnum_of[hit.id])["body"]
            assert hit.snippet == reference_snippet(body, words), (question, hit.id)
            raw = question.split()  # any word list, punctuation and all
            assert make_snippet(body, raw) == reference_snippet(body, raw), (question, hit.id)
            compared += 1
    assert compared > 1000


def test_stemming_keeps_the_first_letter_of_every_corpus_word(real_engine):
    """make_snippet stems only words that start like a query key; that is exact only because Porter2 keeps a word's
    first letter. Checked over every word of every section, and over the stemmer's own exceptional forms."""
    from whoosh.lang.porter2 import exceptional_forms

    from server.search.text import _WORD as SNIPPET_WORD

    gen = real_engine.current()
    searcher = gen.searcher()
    words = set(exceptional_forms) | {"dying", "skies", "yelling", "ies", "sses", "_private", "$state", "1,000"}
    for docnum in range(gen.ix.doc_count_all()):
        words.update(m.group(0).lower().strip(".,") for m in SNIPPET_WORD.finditer(searcher.stored_fields(docnum)["body"]))
    assert len(words) > 3000
    changed = sorted(w for w in words if stem_word(w)[:1] != w[:1])
    assert changed == []


def test_the_build_stores_the_stem_of_every_word_a_snippet_can_meet(real_engine):
    from server.search.stemtable import STEMS_FILE, stems_from_table
    from server.search.store import read_sidecar
    from server.search.text import snippet_words

    gen = real_engine.current()
    stems = stems_from_table(read_sidecar(gen.path, STEMS_FILE))
    searcher = gen.searcher()
    bodies = [searcher.stored_fields(d)["body"] for d in range(gen.ix.doc_count_all())]
    words = snippet_words(bodies)
    assert words and words <= set(stems)
    assert all(stems[w] == stem_word(w) for w in words)
    assert any(stems[w] != w for w in words)  # the table is not just the words themselves


def test_malformed_stem_tables_are_skipped():
    from server.search.stemtable import stems_from_table

    assert stems_from_table({"changed": {"retries": "retri", "x": 3}, "same": ["alarm", None]}) == \
        {"retries": "retri", "alarm": "alarm"}
    assert stems_from_table({"changed": [], "same": "alarm"}) == {}


def test_stored_heading_sets_equal_the_analysed_stored_headings(real_engine):
    """The heading bonus reads each section's heading tokens from headings.txt (server/search/headings.py); they
    must be what analysing the section's stored heading field gives, document number by document number."""
    gen = real_engine.current()
    searcher = gen.searcher()
    count = gen.ix.doc_count_all()
    assert count > 300
    for docnum in range(count):
        assert gen.heading_tokens(docnum) == q.heading_tokens(searcher.stored_fields(docnum)["heading"]), docnum
