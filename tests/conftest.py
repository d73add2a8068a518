"""Shared test setup.

Puts ``tests/`` on ``sys.path`` so any test can ``from toolchain import ensure_toolchain`` (see tests/toolchain.py),
and provides the session fixture ``node_toolchain`` (the installed, cached Cloudflare toolchain)."""

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from toolchain import Toolchain, ensure_toolchain  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def private_user_folders(tmp_path_factory):
    """Every test, and every server a test starts, gets empty config and data folders of its own: the sources a
    developer configured on this machine never leak into a test, and no test writes into the developer's."""
    import os

    saved = {k: os.environ.get(k) for k in ("DO_EXPERT_CONFIG_DIR", "DO_EXPERT_DATA_DIR")}
    os.environ["DO_EXPERT_CONFIG_DIR"] = str(tmp_path_factory.mktemp("user-config"))
    os.environ["DO_EXPERT_DATA_DIR"] = str(tmp_path_factory.mktemp("user-data"))
    yield
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def node_toolchain() -> Toolchain:
    """The pinned toolchain (Node 22, tsc, vitest, wrangler). Skips when npm is absent (fails under CI)."""
    return ensure_toolchain()


@pytest.fixture
def http_server(tmp_path):
    """Start ``do-expert serve --transport http`` (``start(token=None, **env)`` returns its URL); all are stopped
    at the end of the test."""
    from mcp_helpers import start_http_server

    procs = []

    def start(token: str | None = None, **env: str) -> str:
        url, proc = start_http_server(tmp_path / "ix", token, **env)
        procs.append(proc)
        return url

    yield start
    for proc in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()


def pytest_terminal_summary(terminalreporter):
    from figures import FIGURES

    if FIGURES:
        terminalreporter.section("figures measured by the tests")
        for line in FIGURES:
            terminalreporter.write_line(line)
