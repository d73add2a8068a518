"""Turn CLI paths (files and folders) into ``(path, content)`` pairs for ``review_files``.

Folders are walked without following symlinks, skipping dependency and build folders. For a file given alone,
the nearest wrangler config in its folder or an ancestor (up to the repository root) is added, because the
cross-file rules need it: ``do-expert review src/index.ts`` should know which classes wrangler declares.
"""

from __future__ import annotations

import os

from ..errors import InvalidInputError, ReviewError
from .config import CONFIG_NAMES
from .engine import MAX_FILES, is_reviewable

SKIP_DIRS = {"node_modules", ".git", ".wrangler", "dist", "build", ".next", ".turbo", "coverage", "__pycache__", ".venv"}
_READ_LIMIT = 4_000_000  # read at most this much; review_files reports anything past its own limit as skipped


def collect_paths(paths: list[str]) -> list[tuple[str, str]]:
    if not paths:
        raise InvalidInputError("no path given", hint="Pass files or folders, e.g. `do-expert review src wrangler.jsonc`.")
    chosen: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            before = len(chosen)
            for root, dirs, names in os.walk(p, followlinks=False):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for n in sorted(names):
                    full = os.path.join(root, n)
                    if is_reviewable(full) and os.path.isfile(full):
                        chosen.append(full)
                        if len(chosen) > MAX_FILES:
                            raise ReviewError(f"more than {MAX_FILES} reviewable files under {p}",
                                              hint="Point the review at the Worker's folder, not a whole monorepo.")
            if not any(os.path.basename(c).lower() in CONFIG_NAMES for c in chosen[before:]):
                cfg = _config_beside(os.path.join(p, "_"))  # `review src/`: the config is usually one level up
                if cfg:
                    chosen.append(cfg)
        elif os.path.isfile(p):
            chosen.append(p)
            cfg = _config_beside(p)
            if cfg:
                chosen.append(cfg)
        else:
            raise InvalidInputError(f"{p}: no such file or folder", hint="Check the path.")
    if not chosen:
        raise InvalidInputError(f"no TypeScript/JavaScript sources or wrangler config under {', '.join(paths)}",
                                hint="Point the review at the Worker's folder (src/ and wrangler.jsonc).")
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for p in chosen:
        key = os.path.realpath(p)
        if key in seen:
            continue
        seen.add(key)
        out.append((_display_path(p), _read(p)))
    return out


def _display_path(path: str) -> str:
    """Relative to the working directory when the file is under it (what SARIF consumers and editors expect)."""
    norm = os.path.normpath(path)
    if os.path.isabs(norm):
        rel = os.path.relpath(norm)
        if not rel.startswith(".."):
            norm = rel
    return norm.replace(os.sep, "/")


def _config_beside(path: str) -> str | None:
    d = os.path.dirname(os.path.abspath(path))
    for _ in range(6):
        for name in CONFIG_NAMES:
            cand = os.path.join(d, name)
            if os.path.isfile(cand):
                return os.path.relpath(cand) if not os.path.isabs(path) else cand
        if os.path.isdir(os.path.join(d, ".git")) or os.path.dirname(d) == d:
            break
        d = os.path.dirname(d)
    return None


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(_READ_LIMIT + 1)
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read ({exc.strerror})", hint="Check permissions.") from exc
    if b"\x00" in data[:8192]:
        return "\x00"  # review_files reports it as binary without holding megabytes of it
    return data.decode("utf-8", "replace")
