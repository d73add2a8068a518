"""Writing generated files to disk safely (used by the CLI; the MCP tools only return files).

Guarantees: every file lands inside ``target`` after resolving symlinks (a generated path or a pre-existing symlink
in the target cannot redirect a write elsewhere); an existing file is never replaced without ``force``; and the
check for conflicts happens before the first write, so a refused run leaves the disk untouched.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from server.errors import ScaffoldError
from server.models import GeneratedFile


def _safe_relative(path: str) -> PurePosixPath:
    # Split the raw string: PurePosixPath would quietly normalise "a//b" and "a/./b" away.
    raw_parts = path.split("/") if isinstance(path, str) else [""]
    if not path or "\\" in path or "\x00" in path or any(part in ("", ".", "..") for part in raw_parts):
        raise ScaffoldError(f"refusing unsafe generated path {path[:80]!r}",
                            hint="Generated paths must be relative, without '..' or backslashes.")
    return PurePosixPath(path)


def plan(target: Path, files: Iterable[GeneratedFile], force: bool = False) -> list[tuple[Path, str]]:
    """Resolve every destination and check it; raise before anything is written."""
    root = target.resolve()
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"target {str(target)!r} exists and is not a folder",
                            hint="Pass --dir with a new or empty folder.")
    out: list[tuple[Path, str]] = []
    conflicts: list[str] = []
    for f in files:
        rel = _safe_relative(f.path)
        dest = root.joinpath(*rel.parts)
        # resolve() follows symlinks that already exist in the target (a symlinked src/ pointing at /etc, say).
        real = dest.resolve()
        if real != root and root not in real.parents:
            raise ScaffoldError(f"refusing to write {f.path!r}: it resolves outside the target ({real})",
                                hint="Remove the symlink in the target folder or choose another --dir.")
        if dest.is_symlink() or (dest.exists() and not dest.is_file()):
            raise ScaffoldError(f"refusing to write {f.path!r}: a symlink or folder is in the way",
                                hint="Remove it or choose another --dir.")
        if dest.exists() and not force:
            conflicts.append(f.path)
        out.append((dest, f.content))
    if conflicts:
        shown = ", ".join(conflicts[:5]) + (f" and {len(conflicts) - 5} more" if len(conflicts) > 5 else "")
        raise ScaffoldError(f"{len(conflicts)} file(s) already exist in {str(target)!r}: {shown}",
                            hint="Nothing was written. Choose a new --dir, or pass --force to overwrite them.")
    return out


def write_files(target: str | os.PathLike, files: Iterable[GeneratedFile], force: bool = False) -> list[Path]:
    """Write ``files`` under ``target`` (created if missing). Returns the written paths."""
    target = Path(target)
    planned = plan(target, list(files), force)
    root = target.resolve()
    written = []
    for dest, content in planned:
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Re-check after mkdir (a symlink could have appeared since plan()), and open with O_NOFOLLOW so the final
        # component is never followed.
        if root not in dest.resolve().parents:
            raise ScaffoldError(f"refusing to write {dest}: it now resolves outside the target")
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        written.append(dest)
    return written
