"""The user's sources: where they are configured and where their data lives.

    <config dir>/sources.toml      the folders a user added: [[source]] name, path, added_at (``sources add``)
    <data dir>/synced/<name>/      the synced copy of Cloudflare's published docs (server/sources/sync.py)
    <index dir>/sources/<name>/    each source's index generations: a cache, rebuilt from the files when missing

The config and data folders are the platform's user folders (platformdirs), or ``DO_EXPERT_CONFIG_DIR`` and
``DO_EXPERT_DATA_DIR``; never the package. Changes are read-modify-write under a file lock and written atomically,
and a config that cannot be read is never overwritten: a hand edit that broke the TOML is reported, not lost.
"""

from __future__ import annotations

import fcntl
import os
import re
import tomllib
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import tomli_w
from pydantic import BaseModel, ValidationError

from server.errors import SourceError, clip, filesystem_error

BUNDLED = "bundled"
SYNCED = "cloudflare-docs"  # the synced copy of Cloudflare's published Durable Objects docs
RESERVED = (BUNDLED, SYNCED)
# Lowercase words joined by single dashes: a source's doc ids are "<name>--<path>", so "--" must never be in a name.
NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_NAME = 32
CONFIG_FILE = "sources.toml"


class LocalSource(BaseModel):
    name: str
    path: str
    added_at: str


def config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(os.environ.get("DO_EXPERT_CONFIG_DIR") or user_config_dir("do-expert")).expanduser()


def data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(os.environ.get("DO_EXPERT_DATA_DIR") or user_data_dir("do-expert")).expanduser()


def config_file() -> Path:
    return config_dir() / CONFIG_FILE


def synced_dir() -> Path:
    return data_dir() / "synced" / SYNCED


def source_index_dir(name: str) -> Path:
    from server.search.store import index_root

    return index_root() / "sources" / name


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or len(name) > MAX_NAME:
        raise SourceError(f"invalid source name {clip(name)}",
                          hint=f"use lowercase letters, digits and single dashes, at most {MAX_NAME} characters, "
                               "e.g. 'team-notes'")
    if name in RESERVED:
        raise SourceError(f"the source name {name!r} is reserved", hint="choose another name with --name")
    return name


def name_for(folder: Path) -> str:
    """A default source name from a folder's name: 'Team Notes_v2' -> 'team-notes-v2'."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-")[:MAX_NAME].strip("-")
    return slug if slug and slug not in RESERVED else "notes"


def load_sources(path: Path | None = None) -> list[LocalSource]:
    """The configured folders; [] when there is no config file. A file that is not valid TOML, or not in this
    shape, is a ``SourceError`` naming the file and the problem."""
    path = path or config_file()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise filesystem_error(exc, "read the sources config", path) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(f"the sources config {path} is not valid TOML: {exc}",
                          hint="fix the file by hand (it was left as it is), or delete it to start again") from exc
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourceError(f"the sources config {path}: 'source' must be a list of [[source]] tables",
                          hint="each source is a [[source]] table with name, path and added_at")
    sources: list[LocalSource] = []
    for i, entry in enumerate(entries, 1):
        try:
            source = LocalSource.model_validate(entry)
            check_name(source.name)
        except (ValidationError, SourceError) as exc:
            detail = exc.message if isinstance(exc, SourceError) else exc.errors()[0]["msg"]
            raise SourceError(f"the sources config {path}: source #{i} is invalid: {detail}",
                              hint="each [[source]] needs a valid name, a path and added_at") from exc
        if any(s.name == source.name for s in sources):
            raise SourceError(f"the sources config {path} names the source {source.name!r} twice",
                              hint="remove one of them by hand, or with 'do-expert sources remove'")
        sources.append(source)
    return sources


def save_sources(sources: list[LocalSource], path: Path | None = None) -> None:
    """Written to a temporary file, flushed, then renamed over the config: a crash leaves the old or the new file."""
    path = path or config_file()
    body = tomli_w.dumps({"source": [s.model_dump() for s in sources]})
    header = "# do-expert sources: edit with 'do-expert sources add|remove', or by hand\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(header + body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise filesystem_error(exc, "write the sources config", path) from exc


@contextmanager
def config_locked(path: Path | None = None) -> Iterator[Path]:
    """Serialise read-modify-write of the config between processes (two 'sources add' at once lose nothing)."""
    path = path or config_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = open(path.with_name(f".{path.name}.lock"), "a")
    except OSError as exc:
        raise filesystem_error(exc, "create the config folder", path.parent) from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path


def checked_folder(path: str | Path) -> Path:
    """The folder as an absolute path, or a ``SourceError`` saying why it cannot be a source."""
    folder = Path(path).expanduser()
    try:
        folder = folder.resolve(strict=True)
    except FileNotFoundError:
        raise SourceError(f"no such folder: {clip(str(path), 200)}", hint="give the path of an existing folder") from None
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on older Pythons
        raise SourceError(f"cannot use {clip(str(path), 200)}: {getattr(exc, 'strerror', None) or exc}",
                          hint="check the path and its symlinks") from None
    if not folder.is_dir():
        raise SourceError(f"not a folder: {folder}", hint="give a folder of Markdown (.md) or MDX (.mdx) files")
    try:
        next(os.scandir(folder), None)
    except OSError as exc:
        raise SourceError(f"cannot read the folder {folder}: {exc.strerror or exc}",
                          hint="check the folder's permissions") from None
    return folder


def add_source(path: str | Path, name: str | None = None, config: Path | None = None) -> LocalSource:
    folder = checked_folder(path)
    name = check_name(name) if name is not None else name_for(folder)
    with config_locked(config) as cfg:
        sources = load_sources(cfg)  # an unreadable config raises here, before anything is written
        if any(s.name == name for s in sources):
            raise SourceError(f"a source named {name!r} already exists",
                              hint="choose another name with --name, or 'do-expert sources remove' it first")
        same = next((s for s in sources if Path(s.path) == folder), None)
        if same is not None:
            raise SourceError(f"{folder} is already the source {same.name!r}", hint="'do-expert sources list'")
        added = LocalSource(name=name, path=str(folder),
                            added_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
        save_sources([*sources, added], cfg)
    return added


def remove_source(name: str, config: Path | None = None) -> LocalSource:
    with config_locked(config) as cfg:
        sources = load_sources(cfg)
        found = next((s for s in sources if s.name == name), None)
        if found is None:
            known = ", ".join(s.name for s in sources) or "none"
            raise SourceError(f"no source named {clip(name)}", hint=f"configured sources: {known}")
        save_sources([s for s in sources if s.name != name], cfg)
    return found
