"""The questions each section answers (references/asks/): searched, never shown, checked against the sections."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.errors import CorpusError
from server.search.asks import ASKS_FOLDER, ask_files, read_ask_file
from server.search.corpus import Corpus
from server.search.engine import SearchEngine

FIXTURE_REFS = Path(__file__).parent / "fixtures" / "refs"
BUNDLED = Path(__file__).resolve().parents[2] / "references"


@pytest.fixture
def refs(tmp_path) -> Path:
    folder = tmp_path / "refs"
    shutil.copytree(FIXTURE_REFS, folder)
    return folder


def _write_asks(refs: Path, doc_id: str, text: str) -> Path:
    (refs / ASKS_FOLDER).mkdir(exist_ok=True)
    path = refs / ASKS_FOLDER / f"{doc_id}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_question_worded_only_in_asks_finds_its_section(refs, tmp_path):
    question = "keep my chat clients connected while the object sleeps zzkeepwarm"
    assert SearchEngine(references=refs, index_dir=tmp_path / "before").search("zzkeepwarm", limit=3).total == 0
    _write_asks(refs, "sockets", f'accepting-sockets:\n  - "{question}"\n')
    result = SearchEngine(references=refs, index_dir=tmp_path / "after").search("zzkeepwarm", limit=3)
    assert result.results and result.results[0].id == "sockets#accepting-sockets"
    assert "zzkeepwarm" not in result.results[0].snippet  # the question is searched, never shown


def test_editing_an_asks_file_makes_the_index_stale(refs):
    before = Corpus(refs).fingerprint
    _write_asks(refs, "sockets", 'accepting-sockets:\n  - "how do I hibernate with sockets open"\n')
    assert Corpus(refs).fingerprint != before


def test_an_unknown_slug_is_reported_not_fatal(refs):
    _write_asks(refs, "sockets", 'no-such-heading:\n  - "a question"\naccepting-sockets:\n  - "another"\n')
    corpus = Corpus(refs)
    assert corpus.unknown_asks == ["sockets#no-such-heading"]
    assert corpus.sections["sockets#accepting-sockets"].asks == ["another"]


@pytest.mark.parametrize("text", ["- just\n- a list\n", "slug: not-a-list\n", "slug:\n  - 3\n", "slug: [\n"])
def test_a_malformed_asks_file_is_a_corpus_error_naming_it(refs, text):
    path = _write_asks(refs, "sockets", text)
    with pytest.raises(CorpusError) as err:
        read_ask_file(path)
    assert "sockets.yaml" in str(err.value) and err.value.hint


def test_every_bundled_asks_entry_names_a_section_and_every_section_has_questions():
    corpus = Corpus(BUNDLED)
    assert ask_files(BUNDLED), "the bundled corpus ships references/asks/"
    assert corpus.unknown_asks == []
    without = [sid for sid, section in corpus.sections.items() if not section.asks]
    assert without == []
