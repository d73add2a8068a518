"""Streamable HTTP transport: real server subprocess, SDK client, Origin check and bearer token."""

import anyio
import httpx
import pytest
from mcp import Client

pytestmark = pytest.mark.timeout(120)


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
