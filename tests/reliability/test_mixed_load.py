"""Load on loopback: 50 clients x 100 mixed calls over streamable HTTP, while one more client sends hostile reviews.

Reports p50 and p99 of the searches, idle and under the reviewing client, and requires 0 errors. The ratio of the
two p99s is reported, not asserted: timing bounds belong in benchmarks, and this machine is shared."""

from __future__ import annotations

import itertools
import statistics
import time

import anyio
import httpx
import pytest

from adversarial import assignments_without_semicolons, comment_in_ws_class, many_map_fields
from figures import report

pytestmark = pytest.mark.timeout(900)

CLIENTS, CALLS = 50, 100
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream",
           "mcp-protocol-version": "2025-11-25"}
QUERIES = ["alarm retries", "how do I hibernate websockets", "transactionSync rollback", "sql.exec bindings",
           "limits of storage", "getByName", "PITR bookmark", "vitest runInDurableObject"]
MIXED = [("search_docs", lambda i: {"query": QUERIES[i % len(QUERIES)], "limit": 5})] * 5 + [
    ("read_docs", lambda i: {"ids": ["alarms"]}),
    ("list_rules", lambda i: {}),
    ("explain_rule", lambda i: {"rule": "do-timers"}),
    ("list_templates", lambda i: {}),
    ("ping", None),
]
HOSTILE = [{"path": "src/a.ts", "content": assignments_without_semicolons(1_500_000)},
           {"path": "src/b.ts", "content": comment_in_ws_class(300_000)},
           {"path": "src/c.ts", "content": many_map_fields(300_000)}]


def _request(n: int, name: str, args: dict | None) -> dict:
    if name == "ping":
        return {"jsonrpc": "2.0", "id": n, "method": "ping", "params": {}}
    return {"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": name, "arguments": args}}


async def _client(http: httpx.AsyncClient, url: str, ordinal: int, calls: int, only_search: bool,
                  search_times: list[float], errors: list[str]) -> None:
    for i in range(calls):
        name, make = MIXED[0] if only_search else MIXED[(ordinal + i) % len(MIXED)]
        body = _request(ordinal * 10_000 + i, name, make(ordinal + i) if make else None)
        t = time.perf_counter()
        try:
            resp = await http.post(url, json=body, headers=HEADERS)
            data = resp.json()
            if resp.status_code != 200 or "error" in data or data.get("result", {}).get("isError"):
                errors.append(f"{name}: {resp.status_code} {str(data)[:200]}")
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error of the run
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        if name == "search_docs":
            search_times.append(time.perf_counter() - t)


async def _hostile(url: str, stop: anyio.Event, reviews: list[float], errors: list[str]) -> None:
    async with httpx.AsyncClient(timeout=300, limits=httpx.Limits(keepalive_expiry=2.0)) as http:
        for n in itertools.count():
            if stop.is_set():
                return
            t = time.perf_counter()
            resp = await http.post(url, json=_request(900_000 + n, "review_code", {"files": HOSTILE}), headers=HEADERS)
            data = resp.json()
            if resp.status_code != 200 or "error" in data:
                errors.append(f"hostile review: {resp.status_code} {str(data)[:200]}")
            reviews.append(time.perf_counter() - t)


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


async def _phase(url: str, calls: int, only_search: bool, hostile: bool) -> tuple[list[float], list[str], list[float]]:
    search_times: list[float] = []
    errors: list[str] = []
    reviews: list[float] = []
    stop = anyio.Event()
    # Idle connections expire on the client before the server's 5 s keep-alive, as a well-behaved client does;
    # otherwise a request can race the server closing the same idle connection (a ReadError no server can avoid).
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS, keepalive_expiry=2.0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        async with anyio.create_task_group() as outer:
            if hostile:
                outer.start_soon(_hostile, url, stop, reviews, errors)
                await anyio.sleep(1.0)  # the first hostile review is running
            async with anyio.create_task_group() as tg:
                for c in range(CLIENTS):
                    tg.start_soon(_client, http, url, c, calls, only_search, search_times, errors)
            stop.set()
    return search_times, errors, reviews


def test_fifty_clients_mixed_calls_with_a_hostile_reviewer(http_server):
    url = http_server()

    async def scenario():
        idle, idle_errors, _ = await _phase(url, 20, only_search=True, hostile=False)
        loaded, errors, reviews = await _phase(url, CALLS, only_search=False, hostile=True)
        return idle, idle_errors, loaded, errors, reviews

    started = time.perf_counter()
    idle, idle_errors, loaded, errors, reviews = anyio.run(scenario)
    elapsed = time.perf_counter() - started
    idle_p50, idle_p99 = _pct(idle, 50) * 1000, _pct(idle, 99) * 1000
    p50, p99 = _pct(loaded, 50) * 1000, _pct(loaded, 99) * 1000
    report(f"idle searches: {len(idle)}, p50 {idle_p50:.0f} ms, p99 {idle_p99:.0f} ms")
    report(f"mixed load: {CLIENTS}x{CALLS} calls ({len(loaded)} searches) with {len(reviews)} hostile reviews "
          f"running: search p50 {p50:.0f} ms, p99 {p99:.0f} ms ({p99 / idle_p99:.1f}x idle p99); "
          f"errors {len(errors) + len(idle_errors)}; {elapsed:.0f} s in all")
    assert not idle_errors and not errors, (idle_errors + errors)[:5]
    assert len(loaded) == CLIENTS * CALLS * 5 // len(MIXED) or len(loaded) > CLIENTS * CALLS // 3
    assert reviews, "no hostile review ran during the load"
