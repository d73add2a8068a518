"""Loading rule fixtures: ``fixtures/<rule-id>/bad*.ts|good*.ts`` (one file) or ``bad-*/``/``good-*/`` folders (a
project reviewed together). Expected findings are marked on the flagged line with ``// expect: <rule-id>`` (``#`` in
TOML), or listed in ``expect.txt`` as ``path:line rule-id`` when the file cannot hold a comment (JSON, binary)."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CLEAN = Path(__file__).parent / "clean"
_MARK = re.compile(r"(?://|#)\s*expect:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)")


def read_case(path: Path) -> list[tuple[str, str]]:
    """Files of one fixture case as ``(relative path, text)``; binary bytes survive as U+FFFD/NULs."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file() and p.name != "expect.txt")
    base = path.parent if path.is_file() else path
    return [(p.relative_to(base).as_posix(), p.read_bytes().decode("utf-8", "replace")) for p in files]


def expected(path: Path, files: list[tuple[str, str]]) -> set[tuple[str, int, str]]:
    out: set[tuple[str, int, str]] = set()
    for rel, text in files:
        for i, line in enumerate(text.split("\n"), 1):
            m = _MARK.search(line)
            if m:
                out.update((rel, i, r.strip()) for r in m.group(1).split(","))
    listing = path / "expect.txt" if path.is_dir() else None
    if listing is not None and listing.exists():
        for row in listing.read_text().splitlines():
            if row.strip():
                loc, rule = row.split()
                p, line = loc.rsplit(":", 1)
                out.add((p, int(line), rule))
    return out


def cases(rule_id: str) -> list[Path]:
    d = FIXTURES / rule_id
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.name.startswith(("bad", "good")) and p.name != "expect.txt")


def clean_projects() -> list[Path]:
    """Each subfolder of ``clean/`` is one project (config plus sources)."""
    return sorted(p for p in CLEAN.iterdir() if p.is_dir()) if CLEAN.is_dir() else []
