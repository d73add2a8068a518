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
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index

from server.errors import IndexError_
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
    fresh: bool
    documents: int
    sections: int
    built_at: str | None

    def as_dict(self) -> dict:
        return {
            "root": str(self.root),
            "generation": self.generation.name,
            "fresh": self.fresh,
            "documents": self.documents,
            "sections": self.sections,
            "built_at": self.built_at,
        }


def status(corpus: Corpus, root: Path | None = None) -> IndexStatus:
    root = root or index_root()
    gen = generation_dir(corpus, root)
    manifest = _read_manifest(gen)
    return IndexStatus(root, gen, manifest is not None, len(corpus.docs), len(corpus.sections),
                       manifest.get("built_at") if manifest else None)


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
    try:
        return json.loads((gen / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


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
        corpus = files if isinstance(files, Corpus) else Corpus(files.root)
        build(corpus, root, replace=force)
    try:
        stamp_file.parent.mkdir(exist_ok=True)
        tmp = stamp_file.with_name(f".{stamp_file.name}-{os.getpid()}")
        tmp.write_text(gen.name)
        os.replace(tmp, stamp_file)
    except OSError:
        pass  # a read-only index folder: the next start hashes the files again, nothing worse
    return gen


def open_generation(gen: Path):
    """Open one built generation read-only (the one place an index is opened)."""
    try:
        return whoosh_index.open_dir(str(gen))
    except Exception as exc:  # whoosh raises several unrelated types for a damaged folder
        raise IndexError_(f"cannot open the search index at {gen}: {exc}",
                          hint="run 'do-expert index build' to rebuild it") from exc


def open_index(corpus: CorpusFiles, root: Path | None = None, *, force: bool = False):
    """Open the index for this corpus, building it first when it is missing or stale (or when forced)."""
    return open_generation(ensure_generation(corpus, root, force=force))


def build(corpus: Corpus, root: Path, *, replace: bool = False) -> Path:
    """Build the generation for ``corpus`` under ``root``; a no-op when another process already built it."""
    from server.search.indexer import doc_catalogue, speller_vocabulary, write_sections  # late: analyzers

    gen = generation_dir(corpus, root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    except OSError as exc:
        raise IndexError_(f"cannot create the index folder {root}: {exc}",
                          hint="set DO_EXPERT_INDEX_DIR to a writable folder") from exc
    started = time.perf_counter()
    try:
        ix = whoosh_index.create_in(str(tmp), build_schema())
        write_sections(ix, corpus, tmp)
        (tmp / DOCS_FILE).write_text(json.dumps(doc_catalogue(corpus), separators=(",", ":")), encoding="utf-8")
        (tmp / VOCAB_FILE).write_text(json.dumps(speller_vocabulary(corpus), separators=(",", ":")),
                                      encoding="utf-8")
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "fingerprint": corpus.fingerprint,
            "files": corpus.hashes,
            "documents": len(corpus.docs),
            "sections": len(corpus.sections),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2))  # written last: marks the folder complete
        # A generation folder without a manifest is debris (only complete folders are ever renamed into place),
        # and a forced rebuild replaces a good one: either way, move it aside first.
        if gen.exists() and (replace or _read_manifest(gen) is None):
            old = root / f".old-{gen.name}-{os.getpid()}-{time.monotonic_ns()}"
            try:
                os.rename(gen, old)  # readers with files open keep them; new readers get the rebuilt one
                shutil.rmtree(old, ignore_errors=True)
            except OSError:
                pass  # another process moved it first
        try:
            os.rename(tmp, gen)
            log.info("built search index %s (%d sections) in %.2fs", gen, len(corpus.sections),
                     time.perf_counter() - started)
        except OSError:
            log.info("search index %s was built by another process meanwhile", gen.name)
    except IndexError_:
        raise
    except Exception as exc:
        raise IndexError_(f"building the search index failed: {exc}", hint="check the reference files") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, keep=gen.name)
    return gen


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
    for stale_tmp in root.glob(".build-*"):
        try:
            if time.time() - stale_tmp.stat().st_mtime > 3600:  # an abandoned build of a crashed process
                shutil.rmtree(stale_tmp, ignore_errors=True)
        except OSError:
            pass
