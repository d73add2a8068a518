"""Turn CLI paths (files and folders) into ``(path, content)`` pairs for ``review_files``.

Folders are walked without following symlinks, skipping dependency and build folders. For a file given alone,
the nearest wrangler config in its folder or an ancestor (up to the repository root) is added, because the
cross-file rules need it: ``do-expert review src/index.ts`` should know which classes wrangler declares.
"""

from __future__ import annotations

import errno
import logging
import os
import stat

from ..errors import InvalidInputError, ReviewError, clip
from .config import CONFIG_NAMES
from .engine import MAX_FILES, is_reviewable

log = logging.getLogger(__name__)

SKIP_DIRS = {"node_modules", ".git", ".wrangler", "dist", "build", ".next", ".turbo", "coverage", "__pycache__", ".venv"}
_READ_LIMIT = 4_000_000  # read at most this much; review_files reports anything past its own limit as skipped


def collect_paths(paths: list[str]) -> list[tuple[str, str]]:
    if not paths:
        raise InvalidInputError("no path given", hint="Pass files or folders, e.g. `do-expert review src wrangler.jsonc`.")
    chosen: list[str] = []
    for p in paths:
        kind = _kind(p)
        if kind == "dir":
            before = len(chosen)
            top = os.path.realpath(p)
            for root, dirs, names in os.walk(p, followlinks=False, onerror=_walk_error):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                for n in sorted(names):
                    full = os.path.join(root, n)
                    if not is_reviewable(full) or not os.path.isfile(full):
                        continue  # FIFOs, sockets and devices are never opened: reading one could block forever
                    if os.path.islink(full) and not _within(os.path.realpath(full), top):
                        log.warning("skipped %s: a symlink out of %s (review stays inside the folder it is given)",
                                    full, p)
                        continue
                    chosen.append(full)
                    if len(chosen) > MAX_FILES:
                        raise ReviewError(f"more than {MAX_FILES} reviewable files under {clip(p)}",
                                          hint="Point the review at the Worker's folder, not a whole monorepo.")
            if not any(os.path.basename(c).lower() in CONFIG_NAMES for c in chosen[before:]):
                cfg = _config_beside(os.path.join(p, "_"))  # `review src/`: the config is usually one level up
                if cfg:
                    chosen.append(cfg)
        elif kind == "file":
            chosen.append(p)
            cfg = _config_beside(p)
            if cfg:
                chosen.append(cfg)
        else:
            raise InvalidInputError(f"{clip(p)}: {kind}", hint=_KIND_HINTS.get(kind, "Check the path."))
    if not chosen:
        raise InvalidInputError(f"no TypeScript/JavaScript sources or wrangler config under {', '.join(clip(x) for x in paths[:3])}",
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


_KIND_HINTS = {
    "no such file or folder": "Check the path.",
    "a symlink loop": "Fix or remove the symlink.",
    "not a regular file (a FIFO, socket or device)": "Pass source files or folders; special files are never read.",
    "permission denied": "Check the permissions of the path and its parent folders.",
}


def _kind(path: str) -> str:
    """'file', 'dir', or why the path cannot be reviewed (one line, no traceback)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "a symlink loop" if os.path.islink(path) and _is_loop(path) else "no such file or folder"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symlink loop"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "not a regular file (a FIFO, socket or device)"


def _is_loop(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _walk_error(exc: OSError) -> None:
    raise InvalidInputError(f"{clip(exc.filename or '')}: cannot be read ({exc.strerror})",
                            hint="Check the folder's permissions, or review a folder you can read.") from exc


def _within(real: str, top: str) -> bool:
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


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
        raise InvalidInputError(f"{clip(path)}: cannot read ({exc.strerror})", hint="Check permissions.") from exc
    if b"\x00" in data[:8192]:
        return "\x00"  # review_files reports it as binary without holding megabytes of it
    return data.decode("utf-8", "replace")
