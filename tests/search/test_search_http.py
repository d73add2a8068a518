"""Streamable HTTP transport: real server subprocess, SDK client, Origin check and bearer token."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import pytest
from mcp import Client

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_server(tmp_path):
    servers = []

    def start(token: str | None = None) -> str:
        port = free_port()
        env = {**os.environ, "DO_EXPERT_INDEX_DIR": str(tmp_path / "ix"), "PYTHONPATH": str(ROOT)}
        env.pop("DO_EXPERT_TOKEN", None)
        if token:
            env["DO_EXPERT_TOKEN"] = token
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--transport", "http", "--port",
                                 str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        servers.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"http://127.0.0.1:{port}/mcp"
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(proc.stderr.read().decode())
                time.sleep(0.2)
        raise RuntimeError("HTTP server did not start")

    yield start
    for proc in servers:
        proc.terminate()
        proc.wait(timeout=10)


INIT = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream",
           "mcp-protocol-version": "2025-11-25"}


def test_sdk_client_searches_over_http(http_server):
    url = http_server()

    async def scenario():
        async with Client(url) as client:
            result = await client.call_tool("search_docs", {"query": "hibernation websocket", "limit": 2})
            assert not result.is_error and result.structured_content["results"]

    anyio.run(scenario)


def test_foreign_origin_is_rejected(http_server):
    url = http_server()
    resp = httpx.post(url, json=INIT, headers={**HEADERS, "origin": "https://evil.example"})
    assert resp.status_code == 403


def test_bearer_token_required_when_configured(http_server):
    url = http_server(token="s3cret")
    assert httpx.post(url, json=INIT, headers=HEADERS).status_code == 401
    assert httpx.post(url, json=INIT, headers={**HEADERS, "authorization": "Bearer wrong"}).status_code == 401
    ok = httpx.post(url, json=INIT, headers={**HEADERS, "authorization": "Bearer s3cret"})
    assert ok.status_code != 401
