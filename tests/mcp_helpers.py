"""Start `do-expert serve` as a real subprocess and talk to it with the official SDK client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[2]


def stdio_client(index_dir: Path, mode: str = "auto", **extra_env: str) -> Client:
    """An SDK client for a fresh server subprocess. ``mode="legacy"`` speaks the 2025 protocol (initialize
    handshake, ``ping``); the default negotiates the current stateless protocol."""
    env = {"DO_EXPERT_INDEX_DIR": str(index_dir), "PYTHONPATH": str(ROOT), **_passed_through(), **extra_env}
    params = StdioServerParameters(command=sys.executable, args=["-m", "server.cli", "serve"], env=env, cwd=str(ROOT))
    return Client(params, read_timeout_seconds=120, mode=mode)


def _passed_through() -> dict[str, str]:
    """The test session's corpus and its private config and data folders (tests/conftest.py): a server under test
    never reads the sources configured by the person running the tests."""
    names = ("DO_EXPERT_REFERENCES", "DO_EXPERT_CONFIG_DIR", "DO_EXPERT_DATA_DIR")
    return {name: os.environ[name] for name in names if name in os.environ}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_http_server(index_dir: Path, token: str | None = None, **extra_env: str):
    """`do-expert serve --transport http` on a free loopback port; returns (url, process). The caller terminates it."""
    import socket
    import subprocess
    import time

    port = free_port()
    env = {**os.environ, "DO_EXPERT_INDEX_DIR": str(index_dir), "PYTHONPATH": str(ROOT), **extra_env}
    env.pop("DO_EXPERT_TOKEN", None)
    if token:
        env["DO_EXPERT_TOKEN"] = token
    # stderr goes to a file, never a pipe nobody reads: a full pipe blocks the server's logging, and with it the
    # event loop (a load test once hung that way after ~64 KB of request logs).
    log_file = open(Path(index_dir).parent / f"http-server-{port}.log", "w+b")  # noqa: SIM115 - closed with proc
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--transport", "http", "--port", str(port)],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return f"http://127.0.0.1:{port}/mcp", proc
        except OSError:
            if proc.poll() is not None:
                log_file.seek(0)
                raise RuntimeError(log_file.read().decode(errors="replace")[-4000:])
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("HTTP server did not start within 90 s")
