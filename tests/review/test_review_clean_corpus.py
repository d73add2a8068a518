"""Precision: idiomatic DO projects (chat rooms, counters, bookings, rate limiters, job queues, multi-tenant stores,
alarms, WebSockets, transactions) produce no error or warning."""

from __future__ import annotations

import pytest

from review_fixtures import clean_projects, read_case
from server.review import review_files

PROJECTS = clean_projects()


def test_corpus_is_big_enough():
    ts_files = [f for p in PROJECTS for f, _ in read_case(p) if f.endswith(".ts")]
    assert len(ts_files) >= 15 and len(PROJECTS) >= 15


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_idiomatic_project_is_clean(project):
    result = review_files(read_case(project))
    noisy = [f"{f.path}:{f.line} {f.rule}: {f.message}" for f in result.findings if f.severity != "info"]
    assert result.clean and not noisy, "\n".join(noisy)
