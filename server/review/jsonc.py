"""Text-level edits on wrangler configs as written (JSONC and TOML), so comments and formatting elsewhere survive.

JSON5/JSONC parsers give values, not positions, so the few positions an edit needs (the bracket that closes an
array or object, the last member before it) come from a scan that skips strings and comments. Every edit is read
back with the review's own loader and compared with the intended value (``read_back_ok``); an edit that would
change anything else is not offered. Shared by the review fixes and ``server/upgrade``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterator

_BARE_TOML_KEY = re.compile(r"[A-Za-z0-9_-]+")


def significant(text: str, start: int) -> Iterator[int]:
    """Indices of the characters from ``start`` on that are not whitespace, not inside a string and not inside a
    comment (a string is yielded as its opening quote)."""
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == '"' or c == "'":
            yield i
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if text.startswith("//", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if not c.isspace():
            yield i
        i += 1


def bracket_end(text: str, open_at: int) -> int:
    """Index just past the ``]`` or ``}`` that closes the bracket at ``open_at``; -1 if it is never closed."""
    depth = 0
    for i in significant(text, open_at):
        c = text[i]
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _last_member_end(text: str, open_at: int, close_at: int) -> int:
    """Index of the last significant character strictly between the brackets (the end of the last member, or a
    trailing comma), or -1 for an empty array/object. For a string member it is the closing quote."""
    last = -1
    for j in significant(text, open_at + 1):
        if j >= close_at:
            break
        last = j
    if last >= 0 and text[last] in "\"'":  # `significant` yields a string by its opening quote: find its end
        k = last + 1
        while k < close_at and text[k] != text[last]:
            k += 2 if text[k] == "\\" else 1
        last = k
    return last


def _indent_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    return re.match(r"[ \t]*", text[start:]).group(0)


def append_member(text: str, open_at: int, member: str) -> str | None:
    """``text`` with ``member`` (an array element, or ``"key": value`` in an object) added as the last member of
    the array/object whose bracket is at ``open_at``, in the layout the container already uses: on its own line,
    indented like the last member, for a multi-line container; inline for a one-line one. A trailing comma stays
    trailing; a comment after the last member stays on that member's line. None when the bracket never closes."""
    end = bracket_end(text, open_at)
    if end < 0:
        return None
    close = end - 1
    last = _last_member_end(text, open_at, close)
    if last < 0:  # empty container: the member goes inside, keeping any comment that was there
        inner = text[open_at + 1:close]
        if "\n" in inner:
            indent = _indent_at(text, open_at) + "  "
            return text[:open_at + 1] + "\n" + indent + member + text[open_at + 1:]
        return text[:open_at + 1] + member + text[open_at + 1:]
    trailing = text[last] == ","
    if "\n" not in text[last:close]:  # one-line container, or the last member shares the closing bracket's line
        sep = " " if trailing else ", "
        return text[:last + 1] + sep + member + text[last + 1:]
    line_end = text.find("\n", last)
    indent = _indent_at(text, last)
    rest = text[last + 1:line_end]  # whitespace or a comment after the last member
    if trailing:
        return text[:line_end] + "\n" + indent + member + "," + text[line_end:]
    return text[:last + 1] + "," + rest + "\n" + indent + member + text[line_end:]


def top_level_open(text: str) -> int:
    """Index of the ``{`` that opens a JSONC document; -1 if the document is not an object."""
    first = next(significant(text, 0), -1)
    return first if first >= 0 and text[first] == "{" else -1


def key_open(text: str, key: str) -> int:
    """Index of the ``[``/``{`` that opens the value of the one top-level ``"key"``; -1 when the key is absent,
    appears more than once anywhere (an environment's copy would make a text match ambiguous), or its value is
    not an array/object."""
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:\s*([\[{])')
    found = list(pattern.finditer(text))
    if len(found) != 1:
        return -1
    return found[0].start(1)


def toml_key(name: str) -> str:
    return name if _BARE_TOML_KEY.fullmatch(name) else json.dumps(name)


_TOML_HEADER = re.compile(r"(?m)^[ \t]*\[")


def append_toml(text: str, block: str, after_header: str | None = None) -> str:
    """``block`` (one or more TOML tables, ending in a newline) added after one blank line: right after the last
    table headed ``after_header`` (e.g. ``[[migrations]]``, so the steps stay together) when there is one, else at
    the end of the file."""
    if after_header is not None:
        heads = [m.start() for m in re.finditer(r"(?m)^[ \t]*" + re.escape(after_header) + r"[ \t]*(#.*)?$", text)]
        if heads:
            nxt = _TOML_HEADER.search(text, text.find("\n", heads[-1]) + 1) if "\n" in text[heads[-1]:] else None
            if nxt is not None:
                before = text[:nxt.start()].rstrip("\n") + "\n"
                return before + "\n" + block + "\n" + text[nxt.start():]
    body = text if text.endswith("\n") or not text else text + "\n"
    return body + ("\n" if body.strip() else "") + block


def read_back_ok(path: str, new_text: str, expected: dict[str, Any]) -> bool:
    """The edited config parses, with the review's loader, to exactly ``expected``."""
    from .config import ParsedConfig

    back = ParsedConfig(path, new_text)
    return back.error is None and json.dumps(back.raw, sort_keys=True) == json.dumps(expected, sort_keys=True)
