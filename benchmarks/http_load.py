"""HTTP load benchmark on loopback: N clients x M search_docs calls against `do-expert serve --transport http`.

    python benchmarks/http_load.py [--clients 50] [--requests 100] [--workers 1 2] [--rounds 3]

Each client opens one keep-alive HTTP/1.1 connection, does the MCP handshake (``initialize``, then
``notifications/initialized``), then sends its calls one after another with the questions of the benchmark sets
(stateless streamable HTTP, JSON responses). Every answer must be HTTP 200 with a JSON-RPC result that is not
``isError``; anything else (another status, a JSON-RPC error, a tool error, a dropped connection, no answer within
``--timeout`` seconds) counts as an error, and the connection is opened again.

The load generator is kept light on purpose, because it shares the machine's cores with the server it measures:
raw HTTP/1.1 over asyncio streams, request bodies encoded once before the clock starts, one JSON decode per answer.
Its own CPU per call is printed next to the server's, so the table shows how much of the machine each side took;
"server cores busy" is the server's CPU seconds per second of the run (at most the cores it could get), and
"CPU split" each of its busiest processes' share of that CPU (work shared evenly between 2 workers reads 50/50).

Measured in the same run: a bare MCPServer with one no-op tool (one worker: the transport's own ceiling), and
do-expert with each --workers value; with --rounds R the servers are measured R times in alternation (bare, 1, 2,
bare, 1, 2, ...) and the table gives each one's median with the spread (min-max). Binds 127.0.0.1 only; every
server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
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
PROTOCOL_VERSION = "2025-06-18"


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


def group_cpu_seconds(pgid: int) -> dict[int, float]:
    """User + system CPU seconds of each live process in the server's process group (the parent and its
    workers), from /proc; empty where /proc is not there."""
    tick, out = os.sysconf("SC_CLK_TCK"), {}
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return out
    for entry in entries:
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ..., utime (12), stime (13)
            out[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def encode(port: int, message: dict) -> bytes:
    """One complete HTTP/1.1 request (head and body) for a JSON-RPC message, built once."""
    body = json.dumps(message).encode()
    head = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: {PROTOCOL_VERSION}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


class ProtocolError(Exception):
    """An answer that is not a well-formed HTTP/1.1 response."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server keeps the connection) of one HTTP/1.1 response: Content-Length or chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise ProtocolError(lines[0][:80])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunks.append(await reader.readexactly(size + 2))  # the chunk and its CRLF
            if size == 0:
                break
        body = b"".join(c[:-2] for c in chunks)
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return int(parts[1]), body, headers.get("connection", "").lower() != "close"


def check(status: int, body: bytes) -> str | None:
    """None for a good tools/call answer, else the kind of error."""
    if status != 200:
        return f"HTTP {status}"
    try:
        message = json.loads(body)
    except ValueError:
        return "answer is not JSON"
    if "error" in message:
        return f"JSON-RPC error {message['error'].get('code')}"
    result = message.get("result")
    if not isinstance(result, dict) or result.get("isError", False) or not result.get("content"):
        return "tool error: " + body[:100].decode(errors="replace")
    return None


async def load(port: int, requests_by_client: list[list[bytes]], handshake: tuple[bytes, bytes],
               timeout: float) -> dict:
    """Every client: connect, handshake, then its calls one after another. Latency is per tools/call."""
    latencies: list[float] = []
    kinds: dict[str, int] = {}

    def fail(kind: str) -> None:
        kinds[kind] = kinds.get(kind, 0) + 1

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        initialize, initialized = handshake
        for request, expected in ((initialize, 200), (initialized, 202)):
            writer.write(request)
            status, body, _ = await read_response(reader)
            if status != expected:
                raise ProtocolError(f"handshake answered HTTP {status}")
        return reader, writer

    async def client(calls: list[bytes]) -> None:
        conn = None
        for request in calls:
            t0 = time.perf_counter()
            kind, keep = None, True
            try:
                async with asyncio.timeout(timeout):
                    if conn is None:
                        conn = await connect()
                        t0 = time.perf_counter()  # the handshake is not part of the call's latency
                    reader, writer = conn
                    writer.write(request)
                    status, body, keep = await read_response(reader)
                kind = check(status, body)
            except TimeoutError:
                kind, keep = "timeout", False
            except (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError,
                    ValueError) as exc:
                kind, keep = type(exc).__name__, False
            latencies.append(time.perf_counter() - t0)
            if kind:
                fail(kind)
            if not keep and conn is not None:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client(calls) for calls in requests_by_client))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    latencies.sort()
    return {"rps": len(latencies) / wall, "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], "errors": sum(kinds.values()),
            "n": len(latencies), "kinds": kinds, "wall": wall, "client_cpu": cpu}


def plan(port: int, tool: str, questions: list[str], clients: int, requests: int):
    """The encoded handshake and each client's encoded calls (real questions, spread over the clients)."""
    initialize = encode(port, {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL_VERSION, "capabilities": {},
        "clientInfo": {"name": "http_load", "version": "1"}}})
    initialized = encode(port, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    calls = [[encode(port, {"jsonrpc": "2.0", "id": i + 1, "method": "tools/call", "params": {
        "name": tool, "arguments": {"query": questions[(n * requests + i) % len(questions)]}}})
        for i in range(requests)] for n in range(clients)]
    return (initialize, initialized), calls


def measure(label: str, workers: int | None, args, questions: list[str], env: dict[str, str]) -> dict:
    tool = "noop" if workers is None else "search_docs"
    port = free_port()
    argv = ["-c", BARE, str(port)] if workers is None else \
        ["-m", "server.cli", "serve", "--transport", "http", "--port", str(port), "--workers", str(workers)]
    proc = start(argv, port, env)
    try:
        warm_handshake, warm_calls = plan(port, tool, questions, 2 * (workers or 1), 3)
        asyncio.run(load(port, warm_calls, warm_handshake, args.timeout))  # every worker opens its index
        handshake, calls = plan(port, tool, questions, args.clients, args.requests)
        cpu0 = group_cpu_seconds(proc.pid)
        result = asyncio.run(load(port, calls, handshake, args.timeout))
        used = {pid: t - cpu0.get(pid, 0.0) for pid, t in group_cpu_seconds(proc.pid).items()}
        result["server_cpu"] = sum(used.values())
        # how the work was shared: the busiest processes' CPU, as shares of the server's total
        busiest = sorted(used.values(), reverse=True)[:workers or 1]
        result["split"] = "/".join(f"{t / max(result['server_cpu'], 1e-9) * 100:.0f}" for t in busiest)
    finally:
        stop(proc)
    result["load"] = os.getloadavg()[0]
    print(f"  {label}: {result['rps']:.0f} calls/s, p50 {result['p50'] * 1000:.0f} ms, p99 "
          f"{result['p99'] * 1000:.0f} ms, {result['errors']} errors, CPU split {result['split']} %, "
          f"load average {result['load']:.2f}",
          file=sys.stderr, flush=True)
    return result


def spread(values: list[float], fmt: str) -> str:
    """The median, with the range across rounds in brackets when the rounds differ."""
    mid, low, high = (fmt.format(v) for v in (statistics.median(values), min(values), max(values)))
    return mid if low == high else f"{mid} ({low}-{high})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=3, help="measure every server this many times, alternating")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds a call may take before it is an error")
    args = ap.parse_args()
    questions = [d["q"] for name in ("questions_holdout.yaml", "questions_sentences.yaml")
                 for d in yaml.safe_load((ROOT / "benchmarks" / name).read_text()) if isinstance(d, dict)]
    index = tempfile.mkdtemp(prefix="do-expert-http-")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "DO_EXPERT_INDEX_DIR": index,
           "DO_EXPERT_LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "-m", "server.cli", "index", "build"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    servers = [("bare MCPServer, no-op tool, 1 worker", None)] + [
        (f"do-expert search_docs, {w} worker{'s' if w > 1 else ''}", w) for w in args.workers]
    results: dict[str, list[dict]] = {label: [] for label, _ in servers}
    try:
        for r in range(args.rounds):
            print(f"round {r + 1} of {args.rounds}", file=sys.stderr, flush=True)
            for label, workers in servers:
                results[label].append(measure(label, workers, args, questions, env))
    finally:
        shutil.rmtree(index, ignore_errors=True)
    base_label = next(label for label, w in servers if w == min(args.workers))
    bare_label = servers[0][0]
    loads = [r["load"] for rs in results.values() for r in rs]
    print(f"{args.clients} clients x {args.requests} calls on 127.0.0.1, {os.cpu_count()} cores shared by server and "
          f"load generator; {args.rounds} round(s) alternating the servers; 1-minute load average "
          f"{min(loads):.2f}-{max(loads):.2f} while measuring\n")
    print("| server | calls/s | vs 1 worker | vs bare MCPServer | p50 | p99 | errors | server CPU / call "
          "| client CPU / call | server cores busy | CPU split (%) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, _ in servers:
        rs = results[label]
        # ratios round by round (same round, neighbouring runs), so a busy minute affects both sides alike
        vs_base = [r["rps"] / b["rps"] for r, b in zip(rs, results[base_label])]
        vs_bare = [r["rps"] / b["rps"] for r, b in zip(rs, results[bare_label])]
        print(f"| {label} | {spread([r['rps'] for r in rs], '{:.0f}')} | {spread(vs_base, '{:.2f}x')} | "
              f"{spread(vs_bare, '{:.2f}x')} | {spread([r['p50'] * 1000 for r in rs], '{:.0f} ms')} | "
              f"{spread([r['p99'] * 1000 for r in rs], '{:.0f} ms')} | "
              f"{sum(r['errors'] for r in rs)} of {sum(r['n'] for r in rs)} | "
              f"{spread([r['server_cpu'] / r['n'] * 1000 for r in rs], '{:.2f} ms')} | "
              f"{spread([r['client_cpu'] / r['n'] * 1000 for r in rs], '{:.2f} ms')} | "
              f"{spread([r['server_cpu'] / r['wall'] for r in rs], '{:.2f}')} | {', '.join(r['split'] for r in rs)} |")
    for label, _ in servers:
        kinds: dict[str, int] = {}
        for r in results[label]:
            for kind, n in r["kinds"].items():
                kinds[kind] = kinds.get(kind, 0) + n
        for kind, n in kinds.items():
            print(f"- {label}: {n} x {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
