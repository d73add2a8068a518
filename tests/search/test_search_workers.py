"""`do-expert serve --transport http --workers N`: several processes answer on one port from one read-only index."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from server.cli import main

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def test_two_workers_serve_searches_from_one_index(tmp_path):
    port = free_port()
    env = {**os.environ, "DO_EXPERT_INDEX_DIR": str(tmp_path / "ix"), "PYTHONPATH": str(ROOT),
           "DO_EXPERT_LOG_LEVEL": "WARNING"}
    env.pop("DO_EXPERT_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--transport", "http", "--port", str(port),
                             "--workers", "2"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)

        async def scenario():
            for query in ("alarm retries", "websocket hibernation", "transactionSync", "pitr bookmark"):
                async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                    res = await client.call_tool("search_docs", {"query": query, "limit": 2})
                    assert not res.is_error and res.structured_content["results"]

        anyio.run(scenario)
        # The parent listens before its workers have all started (on a busy machine the first connections wait for
        # them), so the count is read until both are up, not at the first accepted connection.
        workers = children(proc.pid)
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = children(proc.pid)
        assert len(workers) >= 2, workers  # the two workers run as child processes of the parent
        gens = [p for p in (tmp_path / "ix").iterdir() if p.name.startswith("gen-")]
        assert len(gens) == 1  # built once, before the workers started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.parametrize("argv", [["serve", "--workers", "0"], ["serve", "--workers", "2"],
                                  ["serve", "--transport", "http", "--workers", "500"]])
def test_bad_worker_counts_are_refused(argv, capsys):
    assert main(argv) == 2
    assert "--workers" in capsys.readouterr().err
