"""Start `do-expert serve` as a real subprocess and talk to it with the official SDK client."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[2]


def stdio_client(index_dir: Path, **extra_env: str) -> Client:
    env = {"DO_EXPERT_INDEX_DIR": str(index_dir), "PYTHONPATH": str(ROOT), **extra_env}
    if "DO_EXPERT_REFERENCES" in os.environ:
        env["DO_EXPERT_REFERENCES"] = os.environ["DO_EXPERT_REFERENCES"]
    params = StdioServerParameters(command=sys.executable, args=["-m", "server.cli", "serve"], env=env, cwd=str(ROOT))
    return Client(params, read_timeout_seconds=120)
