"""DESIGN: every generated project and every scaffold_class output passes do-expert's own review with no error or
warning. Checked here too, so a new rule that would flag the templates fails in the review suite first."""

from __future__ import annotations

import pytest

scaffold = pytest.importorskip("server.scaffold")

from server.review import review_files  # noqa: E402

TEMPLATES = [t.id for t in scaffold.list_templates().templates]
FEATURE_SETS = [["sql"], ["kv"], ["alarms"], ["websockets"], ["pitr"], ["sql", "alarms", "websockets", "pitr"]]


def noisy(result):
    return [f"{f.path}:{f.line} {f.rule}: {f.message}" for f in result.findings if f.severity != "info"]


@pytest.mark.parametrize("style", ["exports", "migrations"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_generated_project_is_clean(template, style):
    project = scaffold.scaffold_project("review-" + template, template, style)
    result = review_files([(f.path, f.content) for f in project.files])
    assert not noisy(result), "\n".join(noisy(result))


@pytest.mark.parametrize("features", FEATURE_SETS, ids=["+".join(f) for f in FEATURE_SETS])
def test_scaffolded_class_is_clean(features):
    out = scaffold.scaffold_class("GameRoom", features, None, "jsonc", "exports")
    result = review_files([(f.path, f.content) for f in out.files])
    assert not noisy(result), "\n".join(noisy(result))
