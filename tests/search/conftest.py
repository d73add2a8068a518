from pathlib import Path

import pytest

from server.search.engine import SearchEngine

FIXTURE_REFS = Path(__file__).parent / "fixtures" / "refs"


@pytest.fixture
def fixture_engine(tmp_path) -> SearchEngine:
    return SearchEngine(references=FIXTURE_REFS, index_dir=tmp_path / "index")


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory) -> SearchEngine:
    return SearchEngine(index_dir=tmp_path_factory.mktemp("real-index"))
