"""Review worker processes never outlive the server, however it ends (here: SIGKILL, which runs no cleanup)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from mcp_helpers import start_http_server

pytestmark = pytest.mark.timeout(120)


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find child processes")
def test_review_workers_exit_when_the_server_is_killed(tmp_path):
    url, proc = start_http_server(tmp_path / "ix")
    try:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "review_code", "arguments": {"files": [{"path": "src/a.ts", "content": "export {}"}]}}}
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
                   "mcp-protocol-version": "2025-11-25"}
        assert httpx.post(url, json=body, headers=headers, timeout=60).status_code == 200
        workers = _children(proc.pid)
        assert workers, "the review ran without a worker process"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not [w for w in workers if _alive(w)], "review workers outlived the server"
    finally:
        if proc.poll() is None:
            proc.kill()
