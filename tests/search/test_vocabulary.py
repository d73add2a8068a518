"""The agent vocabulary must stay true to the references: every entry's terms are in the sections it names, and every
key can fire. A reference edit that renames an API or moves a section fails here instead of silently expanding queries
into words no section holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.search import synonyms
from server.search.vocabulary_agents import AGENT_VOCABULARY

SOURCE = Path(synonyms.__file__).with_name("vocabulary_agents.py")
_ENTRY = re.compile(r'^    "([^"]+)": "[^"]*",(?:\s+#\s*(.+))?$')
_COMMENT = re.compile(r"^    #\s*(.+)$")


def _named_sections() -> dict[str, list[str]]:
    """key -> the section ids its comment names (the comment ends the entry's line or stands on the line above)."""
    named, pending = {}, None
    for line in SOURCE.read_text(encoding="utf-8").splitlines():
        if (comment := _COMMENT.match(line)) and "#" in comment.group(1):
            pending = comment.group(1)
        elif entry := _ENTRY.match(line):
            named[entry.group(1)] = [s.strip() for s in (entry.group(2) or pending or "").split(",") if s.strip()]
            pending = None
    return named


NAMED = _named_sections()


def test_every_entry_names_its_sections():
    assert set(NAMED) == set(AGENT_VOCABULARY)
    assert all(NAMED[key] for key in AGENT_VOCABULARY), [k for k in AGENT_VOCABULARY if not NAMED[k]]


def test_the_two_tables_share_no_key():
    assert not set(AGENT_VOCABULARY) & set(synonyms.SYNONYMS)


@pytest.mark.parametrize("key", sorted(AGENT_VOCABULARY))
def test_an_entrys_terms_are_in_the_sections_it_names(real_engine, key):
    sections = real_engine.corpus.sections
    missing_ids = [sid for sid in NAMED[key] if sid not in sections]
    assert not missing_ids, f"{key!r} names sections that do not exist: {missing_ids}"
    text = " ".join(f"{sections[sid].path_text}\n{sections[sid].markdown}" for sid in NAMED[key]).lower()
    absent = [term for term in AGENT_VOCABULARY[key].split() if term.lower() not in text]
    assert not absent, f"{key!r}: {absent} not in {NAMED[key]}"


@pytest.mark.parametrize("key", sorted(AGENT_VOCABULARY))
def test_every_key_fires_when_typed(key):
    assert AGENT_VOCABULARY[key] in synonyms.expand(f"question about {key} here")
