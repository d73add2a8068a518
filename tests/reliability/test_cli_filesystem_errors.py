"""Every filesystem failure in ``new``, ``review`` and ``index`` exits 2 with a one-line message and a hint, and
``new`` never leaves a half-written project behind."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mcp_helpers import ROOT
from server.cli import main

pytestmark = pytest.mark.timeout(120)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "server.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=60)


def assert_clean_failure(res: subprocess.CompletedProcess, *needles: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith(("do-expert:", "hint:"))]
    assert len(lines) == 2 and lines[0].startswith("do-expert:") and lines[1].startswith("hint:"), res.stderr
    for needle in needles:
        assert needle in res.stderr, res.stderr


def test_new_under_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    assert_clean_failure(run_cli("new", "my-app", "--template", "counter", "--dir", str(tmp_path / "afile" / "p")),
                         "not a folder")


def test_new_through_a_symlink_loop(tmp_path):
    os.symlink(tmp_path / "l2", tmp_path / "l1")
    os.symlink(tmp_path / "l1", tmp_path / "l2")
    assert_clean_failure(run_cli("new", "my-app", "--template", "counter", "--dir", str(tmp_path / "l1" / "p")),
                         "symlink loop")


def test_new_in_proc():
    assert_clean_failure(run_cli("new", "my-app", "--template", "counter", "--dir", "/proc/do-expert-test/p"))


@pytest.mark.parametrize("code,needle", [(errno.EACCES, "permission"), (errno.EROFS, "read-only"),
                                         (errno.ENOSPC, "disk is full")])
def test_new_write_failure_leaves_nothing_behind(tmp_path, monkeypatch, capsys, code, needle):
    """Fail the fourth file write (after three succeeded): nothing may remain, and a rerun must succeed."""
    real_open = os.open
    calls = {"n": 0}

    def failing_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT:
            calls["n"] += 1
            if calls["n"] == 4:
                raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    target = tmp_path / "proj"
    monkeypatch.setattr(os, "open", failing_open)
    rc = main(["new", "my-app", "--template", "chat-room", "--dir", str(target)])
    err = capsys.readouterr().err
    assert rc == 2 and needle in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "a failed run left files behind"
    monkeypatch.setattr(os, "open", real_open)
    assert main(["new", "my-app", "--template", "chat-room", "--dir", str(target)]) == 0  # the rerun is not blocked
    assert (target / "src" / "index.ts").is_file()


def test_new_creates_an_ordinary_folder(tmp_path):
    target = tmp_path / "proj"
    assert main(["new", "my-app", "--template", "counter", "--dir", str(target)]) == 0
    assert target.stat().st_mode & 0o777 == 0o755
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_review_fifo_device_loop_and_missing(tmp_path):
    fifo = tmp_path / "pipe.ts"
    os.mkfifo(fifo)
    assert_clean_failure(run_cli("review", str(fifo)), "FIFO")
    assert_clean_failure(run_cli("review", "/dev/null"), "device")
    os.symlink(tmp_path / "loop.ts", tmp_path / "loop.ts")
    assert_clean_failure(run_cli("review", str(tmp_path / "loop.ts")), "symlink loop")
    assert_clean_failure(run_cli("review", str(tmp_path / "missing.ts")), "no such file")


def test_review_folder_with_a_fifo_inside_does_not_block(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("export const a = 1;\n")
    os.mkfifo(tmp_path / "src" / "pipe.ts")
    res = run_cli("review", str(tmp_path))
    assert res.returncode == 0, res.stderr


def test_review_does_not_follow_a_symlink_out_of_the_folder(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.ts").write_text('const SECRET = "do-not-print"; ctx.storage.sql.exec(`SELECT ${SECRET}`);\n')
    proj = tmp_path / "proj" / "src"
    proj.mkdir(parents=True)
    (proj / "index.ts").write_text("export const a = 1;\n")
    os.symlink(outside / "secret.ts", proj / "leak.ts")
    res = run_cli("review", str(tmp_path / "proj"), "--format", "json")
    assert res.returncode == 0 and "do-not-print" not in res.stdout and "leak.ts" not in res.stdout
    assert "symlink out of" in res.stderr


def test_review_unreadable_subfolder(tmp_path, monkeypatch, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "index.ts").write_text("export const a = 1;\n")
    real_scandir = os.scandir

    def denied(path="."):
        if str(path).endswith("src"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    assert main(["review", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "Permission denied" in err and "hint:" in err


def test_index_build_into_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    assert_clean_failure(run_cli("index", "build", env={"DO_EXPERT_INDEX_DIR": str(tmp_path / "f" / "ix")}))
