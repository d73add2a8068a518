"""Start-up benchmark over MCP stdio: do-expert against a bare MCPServer with one no-op tool, in the same run.

    python benchmarks/startup.py [--runs 5]

For each server, spawned fresh each run: time from spawn to the answer of tools/list (initialize included), and for
do-expert the time from initialize's answer to the first search_docs answer, with a warm index folder and with an
empty one (the index is then built in the background while tools/list is answered). Medians over the runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mcp import Client
from mcp.client.stdio import StdioServerParameters

ROOT = Path(__file__).resolve().parents[1]
BARE = """
from mcp.server.mcpserver import MCPServer
mcp = MCPServer(name="bare")

@mcp.tool()
def noop() -> str:
    return "ok"

mcp.run("stdio")
"""


async def one_run(args: list[str], env: dict[str, str], search: bool) -> tuple[float, float | None]:
    params = StdioServerParameters(command=sys.executable, args=args, cwd=str(ROOT), env=env)
    t0 = time.perf_counter()
    async with Client(params, read_timeout_seconds=300) as client:
        t_init = time.perf_counter()
        await client.list_tools()
        t_list = time.perf_counter() - t0
        first = None
        if search:
            res = await client.call_tool("search_docs", {"query": "how do alarm retries work"})
            assert not res.is_error, res
            first = time.perf_counter() - t_init
    return t_list, first


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    base_env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DO_EXPERT_LOG_LEVEL": "WARNING"}
    warm = Path(tempfile.mkdtemp(prefix="do-expert-startup-"))
    rows = {}
    try:
        asyncio.run(one_run(["-m", "server.cli", "serve"], {**base_env, "DO_EXPERT_INDEX_DIR": str(warm)}, True))
        for name, argv, search, fresh in (("bare MCPServer, one no-op tool", ["-c", BARE], False, False),
                                          ("do-expert, index built", ["-m", "server.cli", "serve"], True, False),
                                          ("do-expert, empty index folder", ["-m", "server.cli", "serve"], True, True)):
            lists, firsts = [], []
            for _ in range(args.runs):
                index = Path(tempfile.mkdtemp(prefix="do-expert-empty-")) if fresh else warm
                t_list, first = asyncio.run(one_run(argv, {**base_env, "DO_EXPERT_INDEX_DIR": str(index)}, search))
                lists.append(t_list)
                if first is not None:
                    firsts.append(first)
                if fresh:
                    shutil.rmtree(index, ignore_errors=True)
            rows[name] = (statistics.median(lists), statistics.median(firsts) if firsts else None)
    finally:
        shutil.rmtree(warm, ignore_errors=True)
    bare = rows["bare MCPServer, one no-op tool"][0]
    print(f"medians of {args.runs} runs each, same machine, same run\n")
    print("| server | spawn to tools/list | vs bare MCPServer | initialize to first search_docs |")
    print("|---|---|---|---|")
    for name, (t_list, first) in rows.items():
        shown = f"{first * 1000:.0f} ms" if first is not None else "-"
        print(f"| {name} | {t_list * 1000:.0f} ms | {t_list / bare:.2f}x | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
