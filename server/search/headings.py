"""Each section's heading tokens, stored at build time (headings.txt + headings.idx, like the token sets), and its
level (levels.bin).

The rerank gives its heading bonus to the fifteen leaders of every query, and each needed its stored fields read
and its heading path run through both analyzers: on a fresh server, a tenth of a query. The build knows every
heading; it stores their token sets, one line per document number, which a server reads through mmap.
"""

from __future__ import annotations

from array import array
from pathlib import Path

from server.search.corpus import Corpus

HEADINGS_FILE = "headings.txt"
HEADINGS_INDEX = "headings.idx"
LEVELS_FILE = "levels.bin"  # one byte per section: 1 for a doc's overview, 2 for '##', 3 for '###'


def heading_line(heading: str, lines: dict[str, bytes]) -> bytes:
    """A heading's line of headings.txt: its tokens, sorted. ``lines``: those already made (headings repeat: every
    doc has an "Overview"; copies repeat whole docs)."""
    from server.search.query import heading_tokens

    line = lines.get(heading)
    if line is None:
        line = lines[heading] = (" ".join(sorted(heading_tokens(heading))) + "\n").encode("utf-8")
    return line


def write_heading_sets(corpus: Corpus, folder: Path, lines: list[bytes] | None = None) -> None:
    """One line per section in index order (the order ``write_index`` adds them): its heading tokens; and each
    section's level (the rerank treats a doc's overview apart). ``lines``: the lines already made, in that order
    (a pooled build makes them in its workers)."""
    from server.search.indexer import section_heading

    if lines is None:
        made: dict[str, bytes] = {}
        lines = [heading_line(section_heading(corpus, section), made) for section in corpus.sections.values()]
    offsets = array("Q", [0])
    with open(folder / HEADINGS_FILE, "wb") as out:
        for line in lines:
            out.write(line)
            offsets.append(offsets[-1] + len(line))
    (folder / HEADINGS_INDEX).write_bytes(offsets.tobytes())
    (folder / LEVELS_FILE).write_bytes(bytes(section.level for section in corpus.sections.values()))
