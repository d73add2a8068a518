"""The questions each section answers, as agents ask them ("doc2query"), indexed beside the section's own text.

Agents ask in their own words ("restore point", "my clients drop on every deploy") and a section's prose uses the
platform's ("bookmark", "code was updated"). For each section, ``<references>/asks/<doc-id>.yaml`` lists a few
questions that the section is the best answer to, written from the section's text in the registers agents use: a
sentence with project context, a search-box query, a symptom, and a wording the section itself does not use. The
index searches them as their own field (``asks``), weighted below the heading and the body, so they bridge the
wording gap without outranking what a section says. They are never shown: results and read_docs give the reference.

File shape: a mapping of section slug (the part after ``#``) to a list of questions. A missing file or folder is
fine (a user's own references have none). A slug that no section has is kept out and reported in
``Corpus.unknown_asks``, so an edited heading never stops the server; the bundled corpus's test keeps it empty.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from server.errors import CorpusError

ASKS_FOLDER = "asks"
MAX_QUESTIONS = 12  # per section: more would let one section's questions outweigh its text
MAX_QUESTION_CHARS = 300


def ask_files(root: Path) -> list[Path]:
    folder = root / ASKS_FOLDER
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def read_ask_file(path: Path) -> dict[str, list[str]]:
    """slug -> questions, checked for shape; a malformed file is a corpus error naming the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CorpusError(f"{ASKS_FOLDER}/{path.name}: cannot be read as YAML: {exc}",
                          hint="each entry is 'slug:' followed by a list of questions") from exc
    if not isinstance(data, dict):
        raise CorpusError(f"{ASKS_FOLDER}/{path.name}: must be a mapping of section slug to questions",
                          hint="e.g. 'transactionsync:' then '  - \"how do I ...\"'")
    out: dict[str, list[str]] = {}
    for slug, questions in data.items():
        if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
            raise CorpusError(f"{ASKS_FOLDER}/{path.name}: '{slug}' must be a list of non-empty questions",
                              hint="write each question as a quoted string on its own '- ' line")
        out[str(slug)] = [q.strip()[:MAX_QUESTION_CHARS] for q in questions[:MAX_QUESTIONS]]
    return out


def attach_asks(root: Path, sections: dict) -> list[str]:
    """Set ``asks`` on every section named in the asks files; returns the ids named that no section has."""
    unknown: list[str] = []
    for path in ask_files(root):
        doc_id = path.stem
        for slug, questions in read_ask_file(path).items():
            section = sections.get(f"{doc_id}#{slug}")
            if section is None:
                unknown.append(f"{doc_id}#{slug}")
            else:
                section.asks = questions
    return unknown
