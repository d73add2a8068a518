"""On-disk layout of the synced copy of Cloudflare's Durable Objects docs, and how a new copy replaces the old one.

    <dest>/
      .lock                         flock'ed by the one sync running for this dest
      CURRENT                       the folder name of the copy in use (one line)
      versions/
        20261130T072900123456Z-4242/    a complete copy: the pages, then manifest.json written last
        .tmp-20261130T081500000001Z-77/ a copy being written (or left by a killed run; the next run removes it)

A version is built in a ``.tmp-`` folder, ``manifest.json`` is written last, the folder is renamed into place and
only then does ``CURRENT`` move (temporary file, fsync, ``os.replace``). So a reader sees either the old copy or the
new one, never a half-written one, whatever kills the run.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, ValidationError

from server.errors import SyncError, filesystem_error

VERSIONS_DIR = "versions"
CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
TMP_PREFIX = ".tmp-"
_VERSION_NAME = re.compile(r"\d{8}T\d{12}Z-\d+")
_SAFE_PATH = re.compile(r"[A-Za-z0-9._/-]+")
_MAX_PATH_CHARS = 512


class SyncedPage(BaseModel):
    path: str  # relative path in the copy, e.g. "api/alarms.md"
    url: str  # the Markdown URL fetched
    html_url: str  # the page's human URL (the .md URL without "index.md")
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: str  # ISO 8601 UTC of the last 200 for this page
    sha256: str
    bytes: int


class SyncedCopy(BaseModel):
    folder: Path  # absolute folder holding the pages (what the indexer reads)
    version: str
    index_url: str
    synced_at: str  # ISO 8601 UTC of the run that produced this copy
    pages: dict[str, SyncedPage]  # by relative path


class Manifest(BaseModel):
    """What ``manifest.json`` holds; the version and folder come from where it lies."""

    index_url: str
    synced_at: str
    pages: dict[str, SyncedPage]


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _new_version_name() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ") + f"-{os.getpid()}"


def is_version_name(name: str) -> bool:
    return bool(_VERSION_NAME.fullmatch(name))


def stored_path(relative: str) -> str | None:
    """The path a page is stored under, from its URL path relative to the index folder (decoded), or None when it
    cannot be mapped safely. ``api/alarms/index.md`` -> ``api/alarms.md``; the folder's own ``index.md`` stays."""
    if len(relative) > _MAX_PATH_CHARS or not _SAFE_PATH.fullmatch(relative):
        return None
    if any(not part or part.startswith(".") for part in relative.split("/")):  # no "", ".", "..", hidden names
        return None
    if relative.endswith("/index.md"):
        relative = relative[: -len("/index.md")] + ".md"
    return relative


def ensure_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise filesystem_error(exc, "create the folder", path) from exc
    if not path.is_dir():
        raise filesystem_error(OSError(errno.ENOTDIR, "not a folder"), "use the folder", path)


@contextmanager
def exclusive_lock(dest: Path) -> Iterator[None]:
    """Hold ``dest/.lock`` for the whole run; a second sync of the same dest fails at once instead of waiting."""
    path = dest / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise filesystem_error(exc, "open the sync lock", path) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncError(
                f"another sync is running for {dest}",
                hint="wait for it to finish (its copy becomes current when it does), then run the command again",
            ) from None
        except OSError as exc:
            raise filesystem_error(exc, "lock", path) from exc
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def read_copy(dest: Path, version: str) -> SyncedCopy | None:
    """The copy in ``versions/<version>``, or None when it is incomplete (no readable manifest)."""
    if not is_version_name(version):
        return None
    folder = dest / VERSIONS_DIR / version
    try:
        manifest = Manifest.model_validate_json((folder / MANIFEST_FILE).read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    return SyncedCopy(folder=folder.resolve(), version=version, index_url=manifest.index_url,
                      synced_at=manifest.synced_at, pages=manifest.pages)


def _version_names(dest: Path) -> list[str]:
    """Complete-looking version folder names, oldest first (the names start with a fixed-width UTC timestamp)."""
    try:
        names = [entry.name for entry in os.scandir(dest / VERSIONS_DIR) if entry.is_dir(follow_symlinks=False)]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise filesystem_error(exc, "list the synced copies in", dest / VERSIONS_DIR) from exc
    return sorted(name for name in names if is_version_name(name))


def current_copy(dest: Path) -> SyncedCopy | None:
    """The last good copy: the one ``CURRENT`` names, else the newest version with a manifest, else None."""
    dest = Path(dest).expanduser()
    try:
        named = (dest / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        named = ""
    if named and (copy := read_copy(dest, named)) is not None:
        return copy
    for name in reversed(_version_names(dest)):
        if (copy := read_copy(dest, name)) is not None:
            return copy
    return None


def remove_leftovers(dest: Path) -> None:
    """Remove ``.tmp-`` folders left by a run that was killed. Only called under the lock, so none is in use."""
    try:
        entries = list(os.scandir(dest / VERSIONS_DIR))
    except FileNotFoundError:
        return
    except OSError as exc:
        raise filesystem_error(exc, "list the synced copies in", dest / VERSIONS_DIR) from exc
    for entry in entries:
        if entry.name.startswith(TMP_PREFIX):
            shutil.rmtree(entry.path, ignore_errors=True)


def prune(dest: Path, keep: set[str]) -> None:
    """Delete complete versions other than ``keep``. Best effort: a copy that cannot be deleted costs disk only."""
    for name in _version_names(dest):
        if name not in keep:
            shutil.rmtree(dest / VERSIONS_DIR / name, ignore_errors=True)


def _fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


class VersionWriter:
    """Builds one new version in a temporary folder; ``commit`` makes it current, ``discard`` throws it away."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.versions = dest / VERSIONS_DIR
        ensure_folder(self.versions)
        self.name = _new_version_name()
        while (self.versions / self.name).exists():  # two runs in one microsecond from one pid: only in theory
            self.name = _new_version_name()
        self.tmp = self.versions / f"{TMP_PREFIX}{self.name}"
        self.renamed = self.committed = False
        try:
            self.tmp.mkdir()
        except OSError as exc:
            raise filesystem_error(exc, "create the folder", self.tmp) from exc

    def _target(self, rel: str) -> Path:
        target = self.tmp / rel
        # rel was sanitised by the caller; this is the last line of defence against writing outside the folder
        if not target.resolve().is_relative_to(self.tmp.resolve()):
            raise SyncError(f"refusing to write outside the copy: {rel!r}", hint="this is a bug in do-expert")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise filesystem_error(exc, "create the folder", target.parent) from exc
        return target

    def write_page(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        try:
            _write_durably(target, data)
        except OSError as exc:
            raise filesystem_error(exc, "write the page", target) from exc

    def carry_over(self, rel: str, source: Path) -> None:
        """Put the previous copy's file in the new version: a hard link (no bytes copied), else a copy."""
        target = self._target(rel)
        try:
            os.link(source, target)
        except OSError:
            try:
                shutil.copyfile(source, target)
            except OSError as exc:
                raise filesystem_error(exc, "copy the page", source) from exc

    def commit(self, manifest: Manifest) -> str:
        """Write the manifest last, move the folder into place, then point CURRENT at it. Returns the version."""
        final = self.versions / self.name
        try:
            _write_durably(self.tmp / MANIFEST_FILE, manifest.model_dump_json(indent=1).encode("utf-8"))
            _fsync_folder(self.tmp)
            os.rename(self.tmp, final)
            self.renamed = True
            _fsync_folder(self.versions)
        except OSError as exc:
            raise filesystem_error(exc, "store the new copy in", final) from exc
        point_current(self.dest, self.name)
        self.committed = True
        return self.name

    def discard(self) -> None:
        """Throw the new version away unless CURRENT already names it. A renamed but uncommitted folder goes too,
        or ``current_copy``'s fallback (the newest complete version) could pick it when CURRENT is unreadable."""
        if self.committed:
            return
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.renamed:
            shutil.rmtree(self.versions / self.name, ignore_errors=True)


def point_current(dest: Path, version: str) -> None:
    """Replace CURRENT atomically: a reader sees the old name or the new one, never an empty file."""
    temp = dest / f".{CURRENT_FILE}.{os.getpid()}.tmp"
    try:
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(version + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, dest / CURRENT_FILE)
        _fsync_folder(dest)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise filesystem_error(exc, "update", dest / CURRENT_FILE) from exc
