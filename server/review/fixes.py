"""Machine-applicable fixes: text edits that findings carry, and the code that applies them.

An edit replaces the text between two positions with new text. Positions are 1-based lines and 1-based character
columns (code points), exactly as findings report them; the end is exclusive, so an insertion has start == end.
Edits to one file are applied from the last to the first, so earlier positions stay valid. Two edits that overlap
cannot both be applied: the first (by position) wins and the other waits for the next pass, as in ruff and eslint
(``review``, apply, ``review`` again). Identical edits (two findings offering the same change, e.g. the same import)
count once.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..errors import InvalidInputError
from ..models import Finding, TextEdit


def edit_bytes(src, start_byte: int, end_byte: int, text: str) -> TextEdit:
    """An edit over a byte range of a parsed source (``SourceFile``), converted to line/character columns."""
    sl, sc = _point(src, start_byte)
    el, ec = _point(src, end_byte)
    return TextEdit(path=src.path, line=sl, column=sc, end_line=el, end_column=ec, text=text)


def whole_text_edit(path: str, old: str, new: str) -> TextEdit:
    """One edit that turns ``old`` into ``new``: the span between their common prefix and common suffix."""
    a = 0
    limit = min(len(old), len(new))
    while a < limit and old[a] == new[a]:
        a += 1
    b = 0
    while b < limit - a and old[len(old) - 1 - b] == new[len(new) - 1 - b]:
        b += 1
    sl, sc = offset_point(old, a)
    el, ec = offset_point(old, len(old) - b)
    return TextEdit(path=path, line=sl, column=sc, end_line=el, end_column=ec, text=new[a:len(new) - b])


def offset_point(text: str, offset: int) -> tuple[int, int]:
    """1-based line and character column of a character offset (the position format of edits)."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def original_text(src, start_byte: int, end_byte: int) -> str:
    """The user's own text over a byte range (``src.data`` may hold recovery rewrites; ``src.text`` never does)."""
    data = src.data
    if src.recovered:  # recovery rewrote some bytes (same length): encode the user's text once and keep it
        data = getattr(src, "_original_bytes", None)
        if data is None:
            data = src._original_bytes = src.text.encode("utf-8", "surrogatepass")
    return data[start_byte:end_byte].decode("utf-8", "replace")


def _point(src, byte: int) -> tuple[int, int]:
    import bisect
    row = bisect.bisect_right(src.line_starts, byte) - 1
    return row + 1, src.column(row, byte - src.line_starts[row])


def _offset(line_starts: list[int], text: str, line: int, column: int) -> int:
    if not 1 <= line <= len(line_starts):
        raise InvalidInputError(f"edit position line {line} is outside the file ({len(line_starts)} lines)",
                                hint="The file changed since it was reviewed; review it again.")
    start = line_starts[line - 1]
    end = line_starts[line] - 1 if line < len(line_starts) else len(text)
    if not 1 <= column <= end - start + 1:
        raise InvalidInputError(f"edit position {line}:{column} is outside its line",
                                hint="The file changed since it was reviewed; review it again.")
    return start + column - 1


def _line_starts(text: str) -> list[int]:
    starts = [0]
    pos = text.find("\n")
    while pos != -1:
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    return starts


def apply_edits(text: str, edits: Iterable[TextEdit]) -> tuple[str, list[TextEdit]]:
    """Apply the edits that do not overlap an earlier one; return the new text and the edits left over."""
    starts = _line_starts(text)
    spans = []
    unique: dict[tuple, TextEdit] = {}
    for e in edits:
        unique.setdefault(_key(e), e)  # identical edits once, in first-seen order
    for (line, column, end_line, end_column, new), e in unique.items():
        a, b = _offset(starts, text, line, column), _offset(starts, text, end_line, end_column)
        if b < a:
            raise InvalidInputError(f"edit {line}:{column}-{end_line}:{end_column} ends before it starts",
                                    hint="Edits need start <= end.")
        spans.append((a, b, new, e))
    spans.sort(key=lambda s: (s[0], s[1]))
    accepted, left = [], []
    last_end = -1
    for a, b, new, e in spans:
        # an insertion at the very end of an accepted replacement is fine; anything inside it is not
        if accepted and (a < last_end or (a == last_end and a == accepted[-1][0] and b == a and accepted[-1][1] == a)):
            left.append(e)
            continue
        accepted.append((a, b, new))
        last_end = max(last_end, b)
    out = text
    for a, b, new in reversed(accepted):
        out = out[:a] + new + out[b:]
    return out, left


def _key(e: TextEdit) -> tuple[int, int, int, int, str]:
    return (e.line, e.column, e.end_line, e.end_column, e.text)


def chosen_fixes(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    """Findings whose edits ``--fix`` (safe only) or ``--unsafe-fixes`` (all) applies."""
    return [f for f in findings if f.edits and (f.fix_safety == "safe" or (unsafe and f.fix_safety == "unsafe"))]


def fix_texts(texts: dict[str, str], findings: Sequence[Finding], unsafe: bool) -> tuple[dict[str, str], list[Finding]]:
    """New contents of the files that change, and the findings whose fixes were applied in full. Edits are grouped
    by the file they change, which need not be the finding's (a config finding can be fixed in the source). A
    finding with an edit left over (overlapping another fix, or in a file not given) is not counted; the next
    review offers it again."""
    chosen = chosen_fixes(findings, unsafe)
    by_path: dict[str, list] = {}
    for f in chosen:
        for e in f.edits:
            by_path.setdefault(e.path, []).append(e)
    changed: dict[str, str] = {}
    left_keys: set[tuple] = set()
    for path, edits in by_path.items():
        if path not in texts:
            left_keys |= {_key(e) + (path,) for e in edits}
            continue
        new, left = apply_edits(texts[path], edits)
        left_keys |= {_key(e) + (path,) for e in left}
        if new != texts[path]:
            changed[path] = new
    applied = [f for f in chosen if not any(_key(e) + (e.path,) in left_keys for e in f.edits)]
    return changed, applied


def write_atomically(path: str, content: str) -> None:
    """Write through a temporary file in the same folder and rename it over the original, keeping its mode, so a
    crash never leaves a half-written source file."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".do-expert-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(content)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass
class FixRun:
    """What a fix loop did: the final texts of the files that changed, the rules fixed per file (in the order the
    passes applied them), files whose fixes were refused because the result no longer parsed, and the review of
    the fixed code."""
    texts: dict[str, str]
    fixed: dict[str, list[str]]
    refused: list[str]
    result: object  # ReviewResult of the final pass
    passes: int


def fix_loop(files: Sequence[tuple[str, str]], unsafe: bool, compatibility_date: str | None = None,
             max_passes: int = 5) -> FixRun:
    """Review, apply the chosen fixes, review again, until no applicable fix is left (or ``max_passes``): the loop
    an agent runs with ``review_code``. A file whose fixed text has a syntax error its original did not have keeps
    its original text (a fix must never make code worse), and is reported in ``refused``."""
    from .engine import review_files  # engine -> rules -> fixes: imported late to keep the import graph acyclic
    from .parse import SourceFile
    from .config import is_config_path

    original = dict(files)
    texts = dict(files)
    fixed: dict[str, list[str]] = {}
    refused: list[str] = []
    passes = 0
    result = review_files(list(texts.items()), compatibility_date)
    while passes < max_passes:
        changed, applied = fix_texts(texts, result.findings, unsafe)
        for path in list(changed):
            if path in refused:
                del changed[path]
            elif not is_config_path(path) and SourceFile(path, changed[path]).has_errors \
                    and not SourceFile(path, texts[path]).has_errors:
                refused.append(path)
                del changed[path]
        if not changed:
            break
        passes += 1
        for f in applied:
            if any(e.path in changed for e in f.edits):
                fixed.setdefault(f.edits[0].path, []).append(f.rule)
        texts.update(changed)
        result = review_files(list(texts.items()), compatibility_date)
    return FixRun({p: t for p, t in texts.items() if t != original.get(p)}, fixed, refused, result, passes)
