"""Index generations: built on first use, rebuilt when a reference changes, never half-visible."""

import shutil
from pathlib import Path

from server.search import store
from server.search.corpus import Corpus
from server.search.engine import SearchEngine

FIXTURE_REFS = Path(__file__).parent / "fixtures" / "refs"


def test_first_use_builds_one_complete_generation(tmp_path):
    SearchEngine(references=FIXTURE_REFS, index_dir=tmp_path)
    gens = list(tmp_path.glob("gen-*"))
    assert len(gens) == 1 and (gens[0] / "manifest.json").is_file()
    assert not list(tmp_path.glob(".build-*"))
    assert store.status(Corpus(FIXTURE_REFS), tmp_path).fresh


def test_changed_reference_triggers_rebuild(tmp_path, monkeypatch):
    refs = tmp_path / "refs"
    shutil.copytree(FIXTURE_REFS, refs)
    engine = SearchEngine(references=refs, index_dir=tmp_path / "ix")
    assert engine.search("zanzibarquux", limit=1).total == 0
    doc = refs / "sockets.md"
    doc.write_text(doc.read_text() + "\n## Zanzibar\n\nThe zanzibarquux section.\n")
    monkeypatch.setattr("server.search.engine.RECHECK_SECONDS", 0.0)
    result = engine.search("zanzibarquux", limit=1)
    assert result.results and result.results[0].id == "sockets#zanzibar"
    assert len(list((tmp_path / "ix").glob("gen-*"))) == 2  # the old generation stays for readers that have it open


def test_half_built_generation_without_manifest_is_rebuilt(tmp_path):
    corpus = Corpus(FIXTURE_REFS)
    gen = tmp_path / f"gen-{store.generation_key(corpus)}"
    gen.mkdir(parents=True)
    (gen / "junk").write_text("a crashed writer left this")
    assert not store.status(corpus, tmp_path).fresh
    engine = SearchEngine(references=FIXTURE_REFS, index_dir=tmp_path)
    assert engine.search("transactionSync", limit=1).results


def test_read_only_install_uses_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DO_EXPERT_INDEX_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(store, "_writable", lambda folder: False)
    assert store.index_root() == tmp_path / "cache" / "do-expert" / "index"


def test_env_overrides_index_location(tmp_path, monkeypatch):
    monkeypatch.setenv("DO_EXPERT_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert store.index_root() == tmp_path / "elsewhere"


def test_forced_rebuild_replaces_generation(tmp_path):
    corpus = Corpus(FIXTURE_REFS)
    first = store.build(corpus, tmp_path)
    stamp = (first / "manifest.json").stat().st_mtime_ns
    again = store.build(corpus, tmp_path, replace=True)
    assert again == first and (again / "manifest.json").stat().st_mtime_ns != stamp


def test_the_first_start_after_a_build_does_not_hash_the_files(tmp_path, monkeypatch):
    """A build records its files' stamp, so the server that starts next finds the generation from names, sizes and
    mtimes alone (hashing every file was ~100 ms of each start at 50x the corpus)."""
    from server.search.corpus import CorpusFiles

    store.build(Corpus(FIXTURE_REFS), tmp_path)

    def no_hashing(self):
        raise AssertionError("the reference files were hashed")

    monkeypatch.setattr(CorpusFiles, "hashes", property(no_hashing))
    assert SearchEngine(references=FIXTURE_REFS, index_dir=tmp_path).search("transactionSync", limit=1).results
