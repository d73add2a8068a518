"""Untrusted input is never echoed whole: every error repeats at most a short prefix and the length."""

from __future__ import annotations

import anyio
import pytest

from mcp_helpers import stdio_client
from server.cli import main

pytestmark = pytest.mark.timeout(300)

HUGE = 5_000_000
MAX_ERROR_CHARS = 2_000


def _text(result) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


CASES = [
    ("explain_rule", {"rule": "r" * HUGE}),
    ("review_code", {"files": [{"path": "src/index.ts", "content": "export {}"}], "compatibility_date": "9" * HUGE}),
    ("review_code", {"files": [{"path": "p" * 3_000_000 + ".ts", "content": "export {}"}]}),
    ("review_code", {"files": [{"path": "p" * 3_000_000 + ".md", "content": "export {}"}]}),
    ("scaffold_project", {"name": "n" * HUGE, "template": "counter"}),
    ("scaffold_project", {"name": "my-app", "template": "t" * HUGE}),
    ("search_docs", {"query": "alarm", "topic": "t" * HUGE}),
]


def test_mcp_errors_echo_a_prefix_and_a_length(tmp_path):
    async def scenario():
        async with stdio_client(tmp_path / "ix") as client:  # one server for every case: each costs a 5 MB round trip
            return [(tool, await client.call_tool(tool, args)) for tool, args in CASES]

    for tool, result in anyio.run(scenario):
        text = _text(result)
        assert result.is_error, (tool, text[:300])
        assert len(text) < MAX_ERROR_CHARS, f"{tool}: {len(text)} characters of error text"
        assert "Traceback" not in text and "characters" in text, (tool, text[:300])


def test_cli_errors_echo_a_prefix_and_a_length(capsys):
    assert main(["rules", "r" * HUGE]) == 2
    err = capsys.readouterr().err
    assert len(err) < MAX_ERROR_CHARS and "5,000,000 characters" in err
