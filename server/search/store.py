"""Where the index lives, when it is stale, and how it is (re)built without readers ever seeing half of it.

Each build is a *generation* named after the corpus fingerprint and schema version: ``index/gen-<key>/``. A builder
writes into a private temporary folder beside it and renames that folder into place in one step; a rename onto an
existing generation fails harmlessly (another process won the race), and the loser's temporary folder is removed.
Readers only open a generation whose ``manifest.json`` is present, and the manifest is written last, so several
servers started at once on an empty folder all end up reading one complete index.

Location: ``DO_EXPERT_INDEX_DIR`` if set; else the repository's ``index/`` folder when it is writable; else the user's
cache folder (``$XDG_CACHE_HOME/do-expert/index``), for read-only installs.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sysconfig
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from server.errors import IndexError_, clip, filesystem_error
from server.progress import report
from server.search.corpus import Corpus, CorpusFiles
from server.search.schema import SCHEMA_VERSION, build_schema

log = logging.getLogger("do_expert.index")

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
MANIFEST = "manifest.json"
DOCS_FILE = "docs.json"  # the doc catalogue: list_docs, ids, aliases (indexer.doc_catalogue)
VOCAB_FILE = "vocab.json"  # the speller's vocabulary (indexer.speller_vocabulary)
KEEP_GENERATIONS = 3


def references_dir() -> Path:
    """DO_EXPERT_REFERENCES, else the checkout's references/, else the copy a regular install puts in
    <prefix>/share/do-expert/references."""
    env = os.environ.get("DO_EXPERT_REFERENCES")
    if env:
        return Path(env).expanduser().resolve()
    checkout = PACKAGE_ROOT / "references"
    if checkout.is_dir():
        return checkout
    return Path(sysconfig.get_path("data")) / "share" / "do-expert" / "references"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            return True
    except OSError:
        return False


def index_root() -> Path:
    env = os.environ.get("DO_EXPERT_INDEX_DIR")
    if env:
        return Path(env).expanduser().resolve()
    repo_index = PACKAGE_ROOT / "index"
    if (PACKAGE_ROOT / "references").is_dir() and _writable(repo_index):  # a checkout, not site-packages
        return repo_index
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "do-expert" / "index"


def generation_key(corpus: CorpusFiles) -> str:
    return f"v{SCHEMA_VERSION}-{corpus.fingerprint[:16]}"


def generation_dir(corpus: CorpusFiles, root: Path) -> Path:
    return root / f"gen-{generation_key(corpus)}"


@dataclass
class IndexStatus:
    root: Path
    generation: Path
    state: str  # fresh | missing | damaged
    documents: int
    sections: int
    built_at: str | None
    problem: str | None = None

    @property
    def fresh(self) -> bool:
        return self.state == "fresh"

    def as_dict(self) -> dict:
        return {
            "root": str(self.root),
            "generation": self.generation.name,
            "state": self.state,
            "fresh": self.fresh,
            "problem": self.problem,
            "documents": self.documents,
            "sections": self.sections,
            "built_at": self.built_at,
        }


def status(corpus: Corpus, root: Path | None = None) -> IndexStatus:
    """What ``open_index`` would find, checked for real: the manifest's shape, every index file's size and checksum,
    and a probe that opens the index and reads from it. Nothing is built or moved."""
    root = root or index_root()
    gen = generation_dir(corpus, root)
    manifest = _read_manifest(gen)
    if manifest is None and not gen.exists():
        return IndexStatus(root, gen, "missing", len(corpus.docs), len(corpus.sections), None)
    problem = check_generation(gen, corpus, full=True, manifest=manifest)
    if problem is None:
        try:
            _probe(open_generation(gen), manifest)
        except Exception as exc:  # whoosh raises many unrelated types for damaged data
            problem = f"probe failed: {type(exc).__name__}: {str(exc)[:200]}"
    return IndexStatus(root, gen, "fresh" if problem is None else "damaged", len(corpus.docs), len(corpus.sections),
                       manifest.get("built_at") if manifest else None, problem)


_MANIFEST_TYPES = {"schema_version": int, "fingerprint": str, "files": dict, "documents": int, "sections": int,
                   "built_at": str, "index_files": dict}


def read_sidecar(gen: Path, name: str) -> dict:
    """One of the JSON files a build stores beside the index (docs.json, vocab.json)."""
    try:
        data = json.loads((gen / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexError_(f"the search index at {gen} lacks a readable {name}: {exc}",
                          hint="run 'do-expert index build' to rebuild it") from exc
    if not isinstance(data, dict):
        raise IndexError_(f"{gen / name} is not a JSON object", hint="run 'do-expert index build' to rebuild it")
    return data


def _read_manifest(gen: Path) -> dict | None:
    """The manifest when it exists and has the right shape; anything else (a list, ``{}``, wrong types) is None."""
    try:
        data = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    for key, kind in _MANIFEST_TYPES.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            return None
    files = data["index_files"]
    if not files or not all(isinstance(k, str) and isinstance(v, dict) and isinstance(v.get("size"), int)
                            and isinstance(v.get("crc32"), int) for k, v in files.items()):
        return None
    return data


CRC_ON_OPEN_BYTES = 16 * 1024 * 1024  # at every open, files up to this size are checksummed; larger ones by size


def check_generation(gen: Path, corpus: CorpusFiles | None = None, *, full: bool = False,
                     manifest: dict | None = None) -> str | None:
    """Why ``gen`` must not be opened, or None. Whoosh unpickles segment data, so nothing is opened before the
    manifest has the right shape and every file its recorded size and checksum. At every open, files larger than
    CRC_ON_OPEN_BYTES (the segments of a very large corpus) are checked by size and then by the probe, which keeps
    the start of a 50x corpus fast; ``full`` (``index status``) checksums everything. ``manifest``: the one the
    caller already read, so it is read once per open."""
    manifest = manifest if manifest is not None else _read_manifest(gen)
    if manifest is None:
        return "manifest missing or malformed"
    if manifest["schema_version"] != SCHEMA_VERSION:
        return f"schema version {manifest['schema_version']}, expected {SCHEMA_VERSION}"
    if corpus is not None and manifest["fingerprint"] != corpus.fingerprint:
        return "built from other reference files"
    for name, meta in manifest["index_files"].items():
        path = gen / name
        if "/" in name or name.startswith("."):
            return f"manifest names an unexpected file {name!r}"
        try:
            if path.stat().st_size != meta["size"]:
                return f"{name} has {path.stat().st_size} bytes, expected {meta['size']}"
            if (full or meta["size"] <= CRC_ON_OPEN_BYTES) and _crc32(path) != meta["crc32"]:
                return f"{name} does not match its checksum"
        except OSError as exc:
            return f"{name}: {exc.strerror or exc}"
    return None


def _crc32(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _file_table(folder: Path) -> dict[str, dict[str, int]]:
    return {p.name: {"size": p.stat().st_size, "crc32": _crc32(p)}
            for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST and p.stat().st_size > 0}


def _probe(opened, manifest: dict | None) -> None:
    """Read from the index the way a search does: document count, stored fields, a term's postings. The catalogue
    (docs.json) is not parsed here: its size and checksum were checked with the other files, and a search without a
    topic filter never needs it (2.5 MB of JSON at 50x the corpus, 30 ms of every start); the first read of it
    still checks it against the document count."""
    ix = getattr(opened, "ix", opened)
    with ix.searcher() as searcher:
        count = searcher.doc_count_all()
        if manifest is not None and count != manifest["sections"]:
            raise ValueError(f"the index holds {count} sections, the manifest says {manifest['sections']}")
        if count:
            searcher.stored_fields(0)
            for term in searcher.lexicon("body"):
                searcher.postings("body", term).all_ids()
                break


def ensure_generation(files: CorpusFiles, root: Path | None = None, *, force: bool = False) -> Path:
    """The complete generation folder for these reference files, built first when missing (or when forced). Only
    a build parses the Markdown; finding an existing generation reads and hashes the files, nothing more."""
    root = root or index_root()
    stamp_file = root / "stamps" / files.stamp
    if not force:
        try:  # these exact files (names, sizes, mtimes) were seen before: skip reading and hashing them
            known = root / stamp_file.read_text().strip()
            if known.name.startswith(f"gen-v{SCHEMA_VERSION}-") and _read_manifest(known) is not None:
                return known
        except OSError:
            pass
    gen = generation_dir(files, root)
    if force or _read_manifest(gen) is None:
        corpus = files if isinstance(files, Corpus) else files.load()
        build(corpus, root, replace=force)  # records the stamp itself
    else:
        _remember_stamp(files, root, gen)
    return gen


def open_generation(gen: Path):
    """Open one built generation read-only (the one place an index is opened)."""
    try:
        # Without mmap: Whoosh would map the compound segment and then copy every part of it into a BytesIO for
        # each reader it opens (each search thread has one), 34 MB per thread at 50x the corpus and ~55 ms at start.
        # Read through files instead, one handle per reader, so threads still never share a file position.
        return FileStorage(str(gen), supports_mmap=False, readonly=True).open_index()
    except Exception as exc:  # whoosh raises several unrelated types for a damaged folder
        raise IndexError_(f"cannot open the search index at {gen}: {exc}",
                          hint="run 'do-expert index build' to rebuild it") from exc


def open_healthy(files: CorpusFiles, root: Path | None = None, *, force: bool = False,
                 opener: Callable[[Path], Any] | None = None):
    """Find (or build) the generation for ``files``, check it, open it with ``opener`` and probe it.

    A generation that fails its checks or its probe (a truncated, zeroed or deleted file, a bad TOC, catalogue or
    manifest, another schema version) is moved aside and rebuilt once; only a second failure is an error. Nothing is
    unpickled from a folder before its manifest and file table check out."""
    root = root or index_root()
    opener = opener or open_generation
    # No generation_dir() up front: it hashes every reference file, which the stamp in ensure_generation exists to
    # skip (at 50x the corpus, ~100 ms of every start).
    problem = None
    for attempt in (1, 2):
        gen = ensure_generation(files, root, force=force)
        manifest = _read_manifest(gen)
        problem = check_generation(gen, manifest=manifest)
        if problem is None:
            try:
                opened = opener(gen)
                _probe(opened, manifest)
                return opened
            except Exception as exc:  # whoosh raises several unrelated types for damaged data
                problem = f"{type(exc).__name__}: {str(exc)[:200]}"
        if attempt == 1:
            log.warning("search index %s is damaged (%s); moving it aside and rebuilding", gen.name, problem)
            _move_aside(gen, root, ".bad-")
            force = True
    raise IndexError_(f"cannot open the search index at {gen}: {problem}",
                      hint="run 'do-expert index build', or set DO_EXPERT_INDEX_DIR to a writable folder")


def _move_aside(gen: Path, root: Path, prefix: str) -> None:
    aside = root / f"{prefix}{gen.name}-{os.getpid()}-{time.monotonic_ns()}"
    try:
        os.rename(gen, aside)  # readers with files open keep them; new readers get the rebuilt one
    except OSError:
        return  # another process moved it first, or it is gone
    shutil.rmtree(aside, ignore_errors=True)


def open_index(corpus: CorpusFiles, root: Path | None = None, *, force: bool = False):
    """Open the Whoosh index for this corpus, building it first when it is missing or stale (or when forced), and
    healing it when it is damaged (see ``open_healthy``)."""
    return open_healthy(corpus, root, force=force)


def build(corpus: Corpus, root: Path, *, replace: bool = False) -> Path:
    """Build the generation for ``corpus`` under ``root``; a no-op when another process already built it."""
    from server.search.indexer import doc_catalogue, write_index  # late: analyzers
    from server.search.stemtable import STEMS_FILE
    from server.search.termstats import write_df_table

    gen = generation_dir(corpus, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(root)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{os.getpid()}-", dir=root))
    except OSError as exc:
        raise IndexError_(f"cannot create the index folder {clip(str(root), 120)}: {exc.strerror or exc}",
                          hint=filesystem_error(exc, "write", root).hint
                          + "; or set DO_EXPERT_INDEX_DIR to a writable folder") from exc
    started = time.perf_counter()
    try:
        ix = whoosh_index.create_in(str(tmp), build_schema())
        report(0, 1, f"indexing {corpus.source}")
        tables = write_index(ix, corpus, tmp)  # segment, token and heading sets; vocabulary and stems
        (tmp / DOCS_FILE).write_text(json.dumps(doc_catalogue(corpus), separators=(",", ":")), encoding="utf-8")
        (tmp / VOCAB_FILE).write_text(json.dumps(tables["vocab"], separators=(",", ":")), encoding="utf-8")
        (tmp / STEMS_FILE).write_text(json.dumps(tables["stems"], separators=(",", ":")), encoding="utf-8")
        write_df_table(ix, tmp)
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "fingerprint": corpus.fingerprint,
            "files": corpus.hashes,
            "documents": len(corpus.docs),
            "sections": len(corpus.sections),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "index_files": _file_table(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))  # written last: marks the folder complete
        report(1, 1, f"indexing {corpus.source}")
        # A generation folder without a manifest is debris (only complete folders are ever renamed into place),
        # and a forced rebuild replaces a good one: either way, move it aside first.
        if gen.exists() and (replace or _read_manifest(gen) is None):
            _move_aside(gen, root, ".old-")
        try:
            os.rename(tmp, gen)
            log.info("built search index %s (%d sections) in %.2fs", gen, len(corpus.sections),
                     time.perf_counter() - started)
        except OSError:
            log.info("search index %s was built by another process meanwhile", gen.name)
    except IndexError_:
        raise
    except OSError as exc:  # a disk problem, not a reference problem
        fs = filesystem_error(exc, "write the search index in", root)
        raise IndexError_(fs.message, hint=fs.hint + "; or set DO_EXPERT_INDEX_DIR to another folder") from exc
    except Exception as exc:
        raise IndexError_(f"building the search index failed: {type(exc).__name__}: {str(exc)[:300]}",
                          hint="check the reference files (do-expert index status shows the index state)") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, keep=gen.name)
    _remember_stamp(corpus, root, gen)  # the first start after a build finds it without hashing every file
    return gen


def _remember_stamp(files: CorpusFiles, root: Path, gen: Path) -> None:
    """Record that these exact files (names, sizes, mtimes) belong to ``gen``; atomic, and optional."""
    stamp_file = root / "stamps" / files.stamp
    try:
        stamp_file.parent.mkdir(exist_ok=True)
        tmp = stamp_file.with_name(f".{stamp_file.name}-{os.getpid()}")
        tmp.write_text(gen.name)
        os.replace(tmp, stamp_file)
    except OSError:
        pass  # a read-only index folder: the next start hashes the files again, nothing worse


def _prune(root: Path, keep: str) -> None:
    """Remove old generations (best effort). A reader that still has one open keeps its open files on POSIX. Stamp
    files pointing at removed generations are ignored by readers (they check the manifest) and pruned here."""
    gens = sorted((p for p in root.glob("gen-*") if p.name != keep), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in gens[KEEP_GENERATIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
    stamps = root / "stamps"
    if stamps.is_dir() and len(list(stamps.iterdir())) > 64:
        for old_stamp in sorted(stamps.iterdir(), key=lambda p: p.stat().st_mtime)[:-32]:
            old_stamp.unlink(missing_ok=True)


def _remove_leftovers(root: Path) -> None:
    """Remove what killed builds left behind: ``.build-<pid>-*`` folders whose process is gone, and any
    ``.old-*``/``.bad-*`` folder (moved aside, so no new reader can open it)."""
    for leftover in [*root.glob(".build-*"), *root.glob(".old-*"), *root.glob(".bad-*")]:
        if leftover.name.startswith(".build-") and _builder_alive(leftover.name):
            continue
        shutil.rmtree(leftover, ignore_errors=True)


def _builder_alive(name: str) -> bool:
    pid_text = name.removeprefix(".build-").split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # another thread of this process may be building
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
