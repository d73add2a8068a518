"""Every rule against its fixtures: bad cases trigger exactly at the marked lines, good cases stay clean."""

from __future__ import annotations

import pytest

from review_fixtures import cases, expected, read_case
from server.review import review_files
from server.review.rules import RULES

CASES = [(rule_id, case) for rule_id in RULES for case in cases(rule_id)]


@pytest.mark.parametrize("rule_id,case", CASES, ids=[f"{r}/{c.name}" for r, c in CASES])
def test_fixture(rule_id, case):
    files = read_case(case)
    result = review_files(files)
    got = {(f.path, f.line, f.rule) for f in result.findings if f.rule == rule_id}
    want = {e for e in expected(case, files) if e[2] == rule_id}
    if case.name.startswith("bad"):
        assert want, f"{case}: a bad fixture needs an `expect: {rule_id}` marker"
        assert got == want, f"{case}: expected {sorted(want)}, got {sorted(got)}"
    else:
        assert not want, f"{case}: good fixtures carry no expect markers"
        noisy = [f"{f.path}:{f.line} {f.rule} {f.message}" for f in result.findings if f.severity != "info"]
        assert not got and not noisy, f"{case}: good fixture is not clean: {noisy or got}"


def test_every_bad_marker_names_a_real_rule():
    for rule_id in RULES:
        for case in cases(rule_id):
            for _, _, marked in expected(case, read_case(case)):
                assert marked in RULES, f"{case}: unknown rule id {marked!r} in an expect marker"
