"""HTTP guards: case-insensitive bearer scheme, request-head and body read timeouts, GET /mcp answered at once,
and protocol negotiation with the SDK client for the 2025 handshake versions and the current stateless one."""

from __future__ import annotations

import socket
import time

import anyio
import httpx
import pytest
from mcp import Client
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, MODERN_PROTOCOL_VERSIONS

pytestmark = pytest.mark.timeout(180)

LIST = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream",
           "mcp-protocol-version": "2025-11-25"}


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_bearer_scheme_is_case_insensitive(http_server, scheme):
    url = http_server(token="s3cret")
    ok = httpx.post(url, json=LIST, headers={**HEADERS, "authorization": f"{scheme} s3cret"})
    assert ok.status_code == 200, ok.text
    bad = httpx.post(url, json=LIST, headers={**HEADERS, "authorization": f"{scheme} S3CRET"})
    assert bad.status_code == 401  # the token itself stays case-sensitive


def test_get_mcp_answers_405_at_once(http_server):
    url = http_server()
    t = time.perf_counter()
    resp = httpx.get(url, headers={"accept": "text/event-stream"}, timeout=10)
    assert resp.status_code == 405 and resp.headers["allow"] == "POST"
    assert time.perf_counter() - t < 5


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])


def test_a_trickled_request_head_is_cut_off(http_server):
    url = http_server(DO_EXPERT_HEADER_TIMEOUT="1")
    sock = socket.create_connection(("127.0.0.1", _port(url)))
    sock.settimeout(15)
    sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    closed = False
    while time.monotonic() - started < 12:
        try:
            sock.sendall(b"X")  # one header byte every 200 ms: never a complete head
            time.sleep(0.2)
        except OSError:
            closed = True
            break
    if not closed:  # the peer may have closed while our writes still fit the buffer: a read tells
        closed = sock.recv(1) == b""
    sock.close()
    assert closed, "a connection trickling its headers stayed open"
    assert time.monotonic() - started < 12


def test_many_trickling_sockets_do_not_stay_open(http_server):
    url = http_server(DO_EXPERT_HEADER_TIMEOUT="1")
    socks = [socket.create_connection(("127.0.0.1", _port(url))) for _ in range(50)]
    for s in socks:
        s.sendall(b"POST /mcp HTTP/1.1\r\n")
        s.settimeout(10)
    open_after = sum(1 for s in socks if _still_open(s))
    for s in socks:
        s.close()
    assert open_after == 0
    assert httpx.post(url, json=LIST, headers=HEADERS).status_code == 200  # still serving


def _still_open(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) != b""
    except (TimeoutError, socket.timeout):
        return True
    except OSError:
        return False


def test_a_slow_body_gets_408(http_server):
    url = http_server(DO_EXPERT_BODY_TIMEOUT="1")
    sock = socket.create_connection(("127.0.0.1", _port(url)))
    sock.settimeout(10)
    sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\n\r\n{")
    reply = sock.recv(200)
    sock.close()
    assert reply.startswith(b"HTTP/1.1 408")


def test_an_oversized_body_gets_413(http_server):
    url = http_server(DO_EXPERT_MAX_BODY="100000")
    big = {**LIST, "params": {"pad": "x" * 200_000}}
    assert httpx.post(url, json=big, headers=HEADERS).status_code == 413


@pytest.mark.parametrize("mode", ["legacy", *MODERN_PROTOCOL_VERSIONS])
def test_protocol_versions_with_the_sdk_client(http_server, mode):
    url = http_server()

    async def scenario():
        async with Client(url, mode=mode) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            found = await client.call_tool("search_docs", {"query": "alarm retries", "limit": 1})
            return client.protocol_version, tools, found

    version, tools, found = anyio.run(scenario)
    expected = HANDSHAKE_PROTOCOL_VERSIONS[-1] if mode == "legacy" else mode
    assert version == expected
    assert {"search_docs", "review_code"} <= tools and not found.is_error


@pytest.mark.parametrize("version", HANDSHAKE_PROTOCOL_VERSIONS)
def test_every_2025_handshake_version_is_accepted(http_server, version):
    url = http_server()
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": version, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    resp = httpx.post(url, json=init, headers={**HEADERS, "mcp-protocol-version": version})
    assert resp.status_code == 200, resp.text
    assert resp.json()["result"]["protocolVersion"] == version
