"""Writing generated files to disk safely (used by the CLI; the MCP tools only return files).

Guarantees: every file lands inside ``target`` after resolving symlinks (a generated path or a pre-existing symlink
in the target cannot redirect a write elsewhere); an existing file is never replaced without ``force``; and the
check for conflicts happens before the first write, so a refused run leaves the disk untouched. Files are staged in a
temporary folder beside the target and renamed into place, so a failed run (full disk, permissions) leaves nothing
half-written.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from server.errors import ScaffoldError, clip, filesystem_error
from server.models import GeneratedFile


def _safe_relative(path: str) -> PurePosixPath:
    # Split the raw string: PurePosixPath would quietly normalise "a//b" and "a/./b" away.
    raw_parts = path.split("/") if isinstance(path, str) else [""]
    if not path or "\\" in path or "\x00" in path or any(part in ("", ".", "..") for part in raw_parts):
        raise ScaffoldError(f"refusing unsafe generated path {clip(path)}",
                            hint="Generated paths must be relative, without '..' or backslashes.")
    return PurePosixPath(path)


def plan(target: Path, files: Iterable[GeneratedFile], force: bool = False) -> list[tuple[Path, str]]:
    """Resolve every destination and check it; raise before anything is written."""
    root = target.resolve()
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"target {clip(str(target))} exists and is not a folder",
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
    """Write ``files`` under ``target`` (created if missing). Returns the written paths.

    Every file is first written into a staging folder beside the target (same file system), so a failure while
    writing (full disk, permissions) leaves the target untouched and the staging folder is removed. A new target is
    then renamed into place in one step; an existing one receives each file by rename, which needs no space.
    """
    target = Path(target)
    try:
        planned = plan(target, list(files), force)
        root = target.resolve()
        _check_parents(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{root.name[:40]}.do-expert-new-", dir=root.parent))
        os.chmod(stage, 0o755)  # mkdtemp makes it private; a project folder is an ordinary one
    except RuntimeError as exc:  # pathlib on Python 3.11 reports a symlink loop this way
        raise filesystem_error(OSError(errno.ELOOP, "Symlink loop"), "create the project folder", target) from exc
    except OSError as exc:
        raise filesystem_error(exc, "create the project folder", target) from exc
    try:
        staged = _stage(stage, root, planned)
        if not root.exists():
            os.rename(stage, root)  # the whole project appears at once
            return [root / rel for rel, _ in staged]
        written = []
        for rel, staged_file in staged:
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Re-check after mkdir: a symlink could have appeared since plan(); the rename never follows the last one.
            if root not in dest.resolve().parents:
                raise ScaffoldError(f"refusing to write {clip(str(dest))}: it now resolves outside the target")
            os.replace(staged_file, dest)
            written.append(dest)
        return written
    except OSError as exc:
        raise filesystem_error(exc, "write the project into", target) from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _check_parents(root: Path) -> None:
    for parent in root.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OSError(errno.ENOTDIR, "a parent is a file, not a folder", str(parent))
            return


def _stage(stage: Path, root: Path, planned: list[tuple[Path, str]]) -> list[tuple[Path, Path]]:
    out = []
    for dest, content in planned:
        rel = dest.relative_to(root)
        staged = stage / rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        out.append((rel, staged))
    return out
