"""The CLI over the same core: search, read, index; errors go to stderr with exit code 2."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from server.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def private_index(tmp_path, monkeypatch):
    monkeypatch.setenv("DO_EXPERT_INDEX_DIR", str(tmp_path / "ix"))


def test_search_text_and_json(capsys):
    assert main(["search", "getByName", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. namespace-and-stubs#") and "do-expert read" in out
    assert main(["search", "alarm", "retries", "--json", "--limit", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["query"] == "alarm retries" and len(data["results"]) <= 3


def test_read_known_and_unknown(capsys):
    assert main(["read", "rules", "nope#x"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("<!-- rules ") and "nope#x" in captured.err
    assert main(["read", "../../etc/passwd"]) == 2


def test_bad_input_exit_code_and_hint(capsys):
    assert main(["search", "alarm", "--limit", "99"]) == 2
    err = capsys.readouterr().err
    assert "limit must be" in err and "hint:" in err


def test_index_build_and_status(capsys, tmp_path):
    assert main(["index", "build"]) == 0
    assert "state: fresh" in capsys.readouterr().out
    assert main(["index", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["fresh"] and status["sections"] > 50


def test_console_script_entry_point_runs():
    proc = subprocess.run([sys.executable, "-m", "server.cli", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.startswith("do-expert ")
