"""HTTP load benchmark on loopback: N clients x M search_docs calls against `do-expert serve --transport http`.

    python benchmarks/http_load.py [--clients 50] [--requests 100] [--workers 1 2]

Each client sends its calls one after another (stateless streamable HTTP, JSON responses) with the questions of the
benchmark sets. Measured in the same run: do-expert with each --workers value, and a bare MCPServer with one
no-op tool (one worker) as the transport's own ceiling. Binds 127.0.0.1 only; every server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
BARE = """
import sys, uvicorn
from mcp.server.mcpserver import MCPServer
mcp = MCPServer(name="bare")

@mcp.tool()
def noop(query: str = "") -> str:
    return "ok"

uvicorn.run(mcp.streamable_http_app(stateless_http=True, json_response=True), host="127.0.0.1",
            port=int(sys.argv[1]), log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"server on port {port} did not start")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # its own session: uvicorn's worker processes go too
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def load(port: int, tool: str, questions: list[str], clients: int, requests: int) -> dict:
    latencies: list[float] = []
    errors = 0
    kinds: dict[str, int] = {}
    url = f"http://127.0.0.1:{port}/mcp"
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(n: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in range(requests):
            q = questions[(n * requests + i) % len(questions)]
            body = {"jsonrpc": "2.0", "id": i, "method": "tools/call",
                    "params": {"name": tool, "arguments": {"query": q}}}
            t0 = time.perf_counter()
            kind = None
            try:
                r = await http.post(url, json=body, headers=HEADERS)
                if r.status_code != 200:
                    kind = f"HTTP {r.status_code}"
                elif r.json().get("result", {}).get("isError", True):
                    kind = "tool error: " + str(r.json())[:120]
            except (httpx.HTTPError, ValueError) as exc:
                kind = type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            if kind:
                errors += 1
                kinds[kind] = kinds.get(kind, 0) + 1

    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        t0 = time.perf_counter()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        wall = time.perf_counter() - t0
    latencies.sort()
    return {"rps": len(latencies) / wall, "p50": statistics.median(latencies),
            "p99": latencies[max(0, int(len(latencies) * 0.99) - 1)], "errors": errors, "n": len(latencies),
            "kinds": kinds}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    questions = [d["q"] for name in ("questions_holdout.yaml", "questions_sentences.yaml")
                 for d in yaml.safe_load((ROOT / "benchmarks" / name).read_text()) if isinstance(d, dict)]
    index = tempfile.mkdtemp(prefix="do-expert-http-")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DO_EXPERT_INDEX_DIR": index,
           "DO_EXPERT_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "server.cli", "index", "build"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    rows = []
    runs = [("bare MCPServer, no-op tool, 1 worker", None, "noop")] + [
        (f"do-expert search_docs, {w} worker{'s' if w > 1 else ''}", w, "search_docs") for w in args.workers]
    for label, workers, tool in runs:
        port = free_port()
        argv = ["-c", BARE, str(port)] if workers is None else \
            ["-m", "server.cli", "serve", "--transport", "http", "--port", str(port), "--workers", str(workers)]
        proc = start(argv, port, env)
        try:
            asyncio.run(load(port, tool, questions, min(args.clients, 5), 2))  # warm every worker's index
            rows.append((label, workers, asyncio.run(load(port, tool, questions, args.clients, args.requests))))
        finally:
            stop(proc)
    base = next((r for _, w, r in rows if w == min(args.workers)), rows[0][2])
    bare = rows[0][2]
    print(f"{args.clients} clients x {args.requests} calls on 127.0.0.1; figures from one run on this machine "
          f"({os.cpu_count()} cores)\n")
    print("| server | calls/s | vs 1 worker | vs bare MCPServer | p50 | p99 | errors |")
    print("|---|---|---|---|---|---|---|")
    for label, _, r in rows:
        print(f"| {label} | {r['rps']:.0f} | {r['rps'] / base['rps']:.2f}x | {r['rps'] / bare['rps']:.2f}x | "
              f"{r['p50'] * 1000:.0f} ms | {r['p99'] * 1000:.0f} ms | {r['errors']} of {r['n']} |")
    for label, _, r in rows:
        for kind, n in r["kinds"].items():
            print(f"- {label}: {n} x {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
