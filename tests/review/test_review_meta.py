"""Meta-test: every rule is complete (docs, examples, fix, fixtures) and its own examples behave."""

from __future__ import annotations

import pytest

from review_fixtures import cases
from server.review import explain_rule, list_rules, review_files
from server.review.rules import RULES

REQUIRED_IDS = """do-global-singleton do-bcw-outside-constructor do-bcw-external-io do-await-between-writes do-race-across-io
do-memory-only-state do-transactionsync-async do-sql-interpolation do-sql-transaction-stmt do-sql-bindings-array
do-sql-create-not-idempotent do-sql-pragma-user-version do-setalarm-no-handler do-alarm-always-reschedules
do-deleteall-alarm do-ws-no-hibernation do-ws-missing-handler do-ws-close-not-reciprocated do-ws-state-not-attached
do-timers do-legacy-fetch-routing do-unawaited-rpc do-legacy-class-shape do-class-not-exported
do-binding-without-migration do-prefer-sqlite-backend do-sql-api-on-kv-class do-compat-date-rpc do-migration-integrity
do-kv-list-unbounded""".split()

DOC_IDS = {"sqlite-storage", "pitr", "limits", "sql-statements", "json-functions", "foreign-keys", "namespace-and-stubs",
           "service-bindings", "workers", "rules", "concurrency", "patterns", "errors", "testing", "alarms", "websockets",
           "lifecycle-and-config"}


def test_required_rule_ids_exist():
    assert sorted(set(REQUIRED_IDS) - set(RULES)) == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_complete(rule_id):
    r = RULES[rule_id]
    assert r.severity in ("error", "warning", "info")
    for field in ("summary", "why", "bad", "good", "fix"):
        assert len(getattr(r, field).strip()) >= 10, f"{rule_id}: {field} is missing or too short"
    assert r.docs, f"{rule_id}: no reference docs"
    for d in r.docs:
        assert d.split("#")[0] in DOC_IDS, f"{rule_id}: unknown doc id {d!r}"
    assert r.bad != r.good or r.example_files, f"{rule_id}: bad and good examples are identical"
    names = [c.name for c in cases(rule_id)]
    assert any(n.startswith("bad") for n in names), f"{rule_id}: no bad fixture under tests/review/fixtures/{rule_id}/"
    assert any(n.startswith("good") for n in names), f"{rule_id}: no good fixture under tests/review/fixtures/{rule_id}/"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_documented_examples_behave(rule_id):
    """The bad example in the rule's own documentation triggers it; the good one does not."""
    r = RULES[rule_id]
    extra = list(r.example_files.items())
    bad = review_files([(r.example_path, r.bad), *extra])
    assert any(f.rule == rule_id for f in bad.findings), f"{rule_id}: documented bad example does not trigger the rule"
    good = review_files([(r.example_path, r.good), *extra])
    assert not any(f.rule == rule_id for f in good.findings), f"{rule_id}: documented good example triggers the rule"


def test_list_and_explain_rules():
    listed = list_rules().rules
    assert [r.id for r in listed] == sorted(RULES)
    e = explain_rule("do-sql-interpolation")
    assert e.severity == "error" and "?" in e.good and e.docs


def test_explain_unknown_rule_is_not_found():
    from server.errors import NotFoundError

    with pytest.raises(NotFoundError) as exc:
        explain_rule("do-sql-interpolaton")
    assert "list_rules" in exc.value.hint


def test_rule_docs_resolve_to_reference_sections():
    """Every docs id names a reference document or one of its sections (what read_docs accepts)."""
    from pathlib import Path

    refs = Path(__file__).resolve().parents[2] / "references"
    if not any(refs.glob("*.md")):
        pytest.skip("references/ is empty")
    from server.search.corpus import Corpus

    corpus = Corpus(refs)  # the same loader read_docs uses (README.md is not a doc)
    missing = sorted({f"{r.id}: {d}" for r in RULES.values() for d in r.docs if corpus.resolve(d) is None})
    assert not missing, "rule docs that do not resolve:\n" + "\n".join(missing)
