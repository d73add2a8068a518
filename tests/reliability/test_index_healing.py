"""A corrupt index never stops the server: each fault is detected before anything is unpickled, the generation is
moved aside and rebuilt once, and ``index status`` tells the truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from mcp_helpers import ROOT, stdio_client
from server.search.corpus import Corpus
from server.search.store import generation_dir, open_index, references_dir, status

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(references_dir())


def _segment(gen: Path) -> Path:
    return next(gen.glob("*.seg"))


def _truncate(gen: Path) -> None:
    seg = _segment(gen)
    seg.write_bytes(seg.read_bytes()[:1000])


def _zero(gen: Path) -> None:
    seg = _segment(gen)
    seg.write_bytes(b"\0" * seg.stat().st_size)  # same size: only the checksum can tell


def _delete(gen: Path) -> None:
    _segment(gen).unlink()


def _garble_toc(gen: Path) -> None:
    toc = next(gen.glob("*.toc"))
    toc.write_bytes(os.urandom(toc.stat().st_size))


def _list_manifest(gen: Path) -> None:
    (gen / "manifest.json").write_text("[1, 2, 3]")


def _empty_manifest(gen: Path) -> None:
    (gen / "manifest.json").write_text("{}")


def _wrong_types_manifest(gen: Path) -> None:
    data = json.loads((gen / "manifest.json").read_text())
    data["sections"] = "many"
    (gen / "manifest.json").write_text(json.dumps(data))


def _other_schema(gen: Path) -> None:
    data = json.loads((gen / "manifest.json").read_text())
    data["schema_version"] = -1
    (gen / "manifest.json").write_text(json.dumps(data))


FAULTS = [_truncate, _zero, _delete, _garble_toc, _list_manifest, _empty_manifest, _wrong_types_manifest, _other_schema]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.__name__.strip("_"))
def test_fault_is_reported_then_healed(fault, corpus, tmp_path):
    open_index(corpus, tmp_path)
    gen = generation_dir(corpus, tmp_path)
    assert status(corpus, tmp_path).state == "fresh"
    fault(gen)
    before = status(corpus, tmp_path)
    assert before.state in ("damaged", "missing") and not before.fresh, before
    ix = open_index(corpus, tmp_path)
    with ix.searcher() as s:
        assert s.doc_count_all() == len(corpus.sections)
    assert status(corpus, tmp_path).state == "fresh"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".bad-", ".old-", ".build-"))]


def test_leftovers_of_killed_builds_are_removed_at_the_next_build(corpus, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for name in (f".build-{dead.stdout.strip()}-abc", ".build-xyz", ".old-gen-x-1-2", ".bad-gen-y-1-2"):
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "junk").write_text("x")
    alive = tmp_path / f".build-{os.getpid()}-mine"  # a build in progress in this process is left alone
    alive.mkdir()
    open_index(corpus, tmp_path, force=True)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [alive.name]


def test_cli_search_and_status_heal_without_traceback(corpus, tmp_path):
    env = {**os.environ, "DO_EXPERT_INDEX_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "server.cli"]
    subprocess.run([*cli, "index", "build"], env=env, check=True, capture_output=True)
    _zero(generation_dir(corpus, tmp_path))
    st = subprocess.run([*cli, "index", "status", "--json"], env=env, capture_output=True, text=True)
    assert json.loads(st.stdout)["state"] == "damaged"
    res = subprocess.run([*cli, "search", "alarm retries", "--limit", "1"], env=env, capture_output=True, text=True)
    assert res.returncode == 0 and "Traceback" not in res.stderr and "alarm" in res.stdout.lower()
    assert "moving it aside and rebuilding" in res.stderr


def test_server_starts_and_serves_on_a_corrupt_index(corpus, tmp_path):
    open_index(corpus, tmp_path)
    _truncate(generation_dir(corpus, tmp_path))

    async def scenario():
        async with stdio_client(tmp_path) as client:
            found = await client.call_tool("search_docs", {"query": "hibernation websocket", "limit": 2})
            assert not found.is_error and found.structured_content["results"]

    anyio.run(scenario)
    assert status(corpus, tmp_path).state == "fresh"


def test_unwritable_index_folder_is_a_clean_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env = {**os.environ, "DO_EXPERT_INDEX_DIR": str(blocker / "ix"), "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "server.cli", "index", "build"], env=env, capture_output=True, text=True)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "hint:" in res.stderr and "reference" not in res.stderr.split("hint:")[1]  # a disk problem, not a corpus one
