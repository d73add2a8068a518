"""Eight servers started at once on an empty index folder (one per IDE window): all answer, one index results."""

import anyio
import pytest

from mcp_helpers import stdio_client

pytestmark = pytest.mark.timeout(600)
SERVERS = 8


def test_eight_servers_share_one_index_built_once(tmp_path):
    index_dir = tmp_path / "shared-index"
    answers: list[str] = []

    async def one_server():
        async with stdio_client(index_dir) as client:
            result = await client.call_tool("search_docs", {"query": "getByName", "limit": 3})
            assert not result.is_error, result.content
            answers.append(result.structured_content["results"][0]["id"])

    async def scenario():
        async with anyio.create_task_group() as tg:
            for _ in range(SERVERS):
                tg.start_soon(one_server)

    anyio.run(scenario)
    assert len(answers) == SERVERS
    assert len(set(answers)) == 1 and answers[0].startswith("namespace-and-stubs#")
    gens = list(index_dir.glob("gen-*"))
    assert len(gens) == 1 and (gens[0] / "manifest.json").is_file()
    assert not list(index_dir.glob(".build-*")), "no temporary build folder is left behind"
