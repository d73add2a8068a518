"""Machine-applicable fixes: every fix kind before/after, the edit applier, the fix loop, ``review --fix`` and
SARIF ``fixes``."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from fix_cases import CASES, WRANGLER
from server.cli import main
from server.errors import InvalidInputError
from server.models import Finding, TextEdit
from server.review import review_files, to_sarif
from server.review.fixes import apply_edits, fix_loop, fix_texts, write_atomically
from server.review.parse import SourceFile
from server.review.rules import RULES


def _review(files: dict[str, str]):
    return review_files(list(files.items()))


# -- every fix kind: exact before/after, safety, re-review clean, valid code -----------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fix_kind_before_after(case):
    files = {case.path: case.before, "wrangler.jsonc": WRANGLER}
    before = _review(files)
    mine = [f for f in before.findings if f.rule == case.rule]
    assert mine and all(f.edits and f.fix_safety == case.safety for f in mine), before.findings
    assert before.another_pass
    changed, applied = fix_texts(files, mine, unsafe=True)
    assert changed[case.path] == case.after
    assert {f.rule for f in applied} == {case.rule}
    assert all(e.path == case.path for f in mine for e in f.edits)  # a config finding may be fixed in the code
    assert not SourceFile(case.path, changed[case.path]).has_errors
    after = _review({**files, **changed})
    assert case.rule not in {f.rule for f in after.findings}, after.findings
    assert not any(f.rule == "do-syntax-error" for f in after.findings)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_safe_only_leaves_unsafe_fixes_alone(case):
    files = {case.path: case.before, "wrangler.jsonc": WRANGLER}
    changed, _ = fix_texts(files, _review(files).findings, unsafe=False)
    assert (case.path in changed) == (case.safety == "safe")


def test_no_edit_where_the_fix_is_not_mechanical():
    imp = 'import { DurableObject } from "cloudflare:workers";\n'
    cases = {
        # not async: adding `await` would not compile
        "do-unawaited-rpc": imp + "export function go(env: Env) {\n  const stub = env.COUNTER.getByName(\"a\");\n"
                                  "  stub.increment();\n}\n",
        # an await between BEGIN and COMMIT: the transactionSync callback is synchronous
        "do-sql-transaction-stmt": imp + "export class C extends DurableObject {\n  async f() {\n"
                                         "    this.ctx.storage.sql.exec(\"BEGIN\");\n    await fetch(\"https://x\");\n"
                                         "    this.ctx.storage.sql.exec(\"COMMIT\");\n  }\n}\n",
        # three constructor parameters: the super call is not obvious
        "do-legacy-class-shape": "export class C implements DurableObject {\n"
                                 "  constructor(state: DurableObjectState, env: Env, extra: number) {}\n"
                                 "  async fetch() { return new Response(\"\"); }\n}\n",
        # SQL built at run time: nothing to insert IF NOT EXISTS into
    }
    for rule, code in cases.items():
        found = [f for f in _review({"src/index.ts": code}).findings if f.rule == rule]
        assert found, rule
        assert all(not f.edits and f.fix_safety is None for f in found), (rule, found)


def test_transaction_with_declaration_inside_is_not_rewritten():
    code = ('import { DurableObject } from "cloudflare:workers";\nexport class C extends DurableObject {\n  f() {\n'
            '    this.ctx.storage.sql.exec("BEGIN");\n    const n = 1;\n    this.ctx.storage.sql.exec("UPDATE t SET a = ?", n);\n'
            '    this.ctx.storage.sql.exec("COMMIT");\n    return n;\n  }\n}\n')
    found = [f for f in _review({"src/index.ts": code}).findings if f.rule == "do-sql-transaction-stmt"]
    assert len(found) == 2 and not any(f.edits for f in found)


def test_clean_review_needs_no_other_pass():
    res = _review({"src/index.ts": CASES[0].after, "wrangler.jsonc": WRANGLER})
    assert res.clean and not res.another_pass


def test_every_fixable_rule_example_is_fixed_by_its_own_edits():
    """Each rule's `bad` example: if its findings carry edits, applying them all removes the rule's finding and
    keeps the file parseable."""
    fixable = 0
    for rule in RULES.values():
        files = {rule.example_path: rule.bad, **rule.example_files}
        found = [f for f in _review(files).findings if f.rule == rule.id and f.edits]
        if not found:
            continue
        fixable += 1
        changed, _ = fix_texts(files, found, unsafe=True)
        assert changed, rule.id
        after = _review({**files, **changed})
        assert rule.id not in {f.rule for f in after.findings}, (rule.id, changed)
        for path, text in changed.items():
            if path.endswith(".ts"):
                assert not SourceFile(path, text).has_errors, (rule.id, text)
    assert fixable >= 6


# -- the edit applier ------------------------------------------------------------------------------------------------

def _e(line, col, end_line, end_col, text):
    return TextEdit(path="a.ts", line=line, column=col, end_line=end_line, end_column=end_col, text=text)


def test_apply_edits_orders_dedupes_and_leaves_overlaps():
    text = "abc\ndef\n"
    new, left = apply_edits(text, [_e(2, 1, 2, 4, "XYZ"), _e(1, 1, 1, 1, ">"), _e(1, 1, 1, 1, ">"),
                                   _e(2, 2, 2, 3, "q")])
    assert new == ">abc\nXYZ\n"
    assert [(e.line, e.column, e.text) for e in left] == [(2, 2, "q")]
    # a replacement right after another, and an insertion at the end of the file
    assert apply_edits("abc", [_e(1, 1, 1, 2, "A"), _e(1, 2, 1, 3, "B"), _e(1, 4, 1, 4, "!")])[0] == "ABc!"
    # two different insertions at one point conflict (their order would be a guess)
    new, left = apply_edits("ab", [_e(1, 2, 1, 2, "x"), _e(1, 2, 1, 2, "y")])
    assert new == "axb" and len(left) == 1


def test_apply_edits_counts_characters_not_bytes():
    code = ('import { DurableObject } from "cloudflare:workers";\nexport class Counter extends DurableObject {\n'
            '  add(id: string) {\n    this.ctx.storage.sql.exec("INSERT INTO n (id, t) VALUES (?, \'héllo 🎉\') -- ?", [id, 2]);\n'
            '  }\n}\n')
    (f,) = [f for f in _review({"src/index.ts": code}).findings if f.rule == "do-sql-bindings-array"]
    new, left = apply_edits(code, f.edits)
    assert not left and "-- ?\", id, 2);" in new


def test_apply_edits_rejects_positions_outside_the_file():
    with pytest.raises(InvalidInputError):
        apply_edits("abc\n", [_e(5, 1, 5, 1, "x")])
    with pytest.raises(InvalidInputError):
        apply_edits("abc\n", [_e(1, 9, 1, 9, "x")])
    with pytest.raises(InvalidInputError):
        apply_edits("abc\n", [_e(1, 3, 1, 1, "x")])


# -- the loop, the guard and the CLI ---------------------------------------------------------------------------------

def test_fix_loop_reaches_a_clean_review():
    code = "".join(c.before for c in CASES if c.id in ("bindings-array-literal",))
    run = fix_loop([("src/index.ts", code), ("wrangler.jsonc", WRANGLER)], unsafe=False)
    assert run.result.clean and run.passes == 1 and not run.result.another_pass
    assert run.fixed == {"src/index.ts": ["do-sql-bindings-array"]}


def test_fix_loop_refuses_a_fix_that_breaks_parsing(monkeypatch):
    import server.review.engine as engine

    real = engine.review_files
    bad = Finding(rule="do-unawaited-rpc", severity="warning", path="src/a.ts", line=1, column=1, end_line=1,
                  end_column=1, message="m", fix="f", docs=[], edits=[TextEdit(path="src/a.ts", line=1, column=1,
                  end_line=1, end_column=1, text="{{{ (")], fix_safety="safe")

    def fake(files, date=None):
        res = real(files, date)
        return res.model_copy(update={"findings": res.findings + [bad]})

    monkeypatch.setattr(engine, "review_files", fake)
    run = fix_loop([("src/a.ts", "export const x = 1;\n")], unsafe=False)
    assert run.refused == ["src/a.ts"] and run.texts == {}


def test_cli_fix_writes_atomically_and_reports(tmp_path, capsys):
    case = next(c for c in CASES if c.id == "transaction-sync")
    unsafe = next(c for c in CASES if c.id == "alarm-stub")
    (tmp_path / "src").mkdir()
    src = tmp_path / "src" / "index.ts"
    other = tmp_path / "src" / "other.ts"
    src.write_text(case.before)
    other.write_text(unsafe.before.replace("class Counter", "class Other"))
    (tmp_path / "wrangler.jsonc").write_text(WRANGLER)
    os.chmod(src, 0o640)
    code = main(["review", str(tmp_path), "--fix"])
    out, err = capsys.readouterr()
    assert src.read_text() == case.after
    assert other.read_text() == unsafe.before.replace("class Counter", "class Other")  # unsafe: not applied
    assert stat.S_IMODE(os.stat(src).st_mode) == 0o640
    assert "fixed" in err and "do-sql-transaction-stmt x2" in err and "--unsafe-fixes" in err
    assert "do-sql-transaction-stmt" not in out and code == 1  # the setAlarm error is still there
    assert not [p for p in (tmp_path / "src").iterdir() if p.name.startswith(".do-expert-")]
    code = main(["review", str(tmp_path), "--unsafe-fixes", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0 and json.loads(out)["clean"] is True
    assert "async alarm(): Promise<void>" in other.read_text()


def test_write_atomically_keeps_the_original_on_failure(tmp_path):
    p = tmp_path / "a.ts"
    p.write_text("old")
    with pytest.raises(TypeError):
        write_atomically(str(p), 123)  # type: ignore[arg-type]
    assert p.read_text() == "old" and [x.name for x in tmp_path.iterdir()] == ["a.ts"]


# -- SARIF -----------------------------------------------------------------------------------------------------------

def test_sarif_fixes_validate_and_carry_the_edits():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
    files = {c.path.replace("index", c.id): c.before for c in CASES[:7]}
    sarif = to_sarif(_review(files), files)
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    fixed = [r for r in sarif["runs"][0]["results"] if "fixes" in r]
    assert len(fixed) >= 5
    rep = fixed[0]["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert set(rep) == {"deletedRegion", "insertedContent"} and rep["deletedRegion"]["startLine"] >= 1
    assert {r["properties"]["fixSafety"] for r in fixed} == {"safe", "unsafe"}


def test_rules_say_whether_they_are_fixable():
    """`fixable` in list_rules is true exactly for the rules whose findings carry edits somewhere in the fixtures
    or fix cases."""
    from review_fixtures import cases, read_case
    from server.review import list_rules

    with_edits = {c.rule for c in CASES}
    for rule_id in RULES:
        for case in cases(rule_id):
            with_edits |= {f.rule for f in review_files(read_case(case)).findings if f.edits}
    assert {r.id for r in list_rules().rules if r.fixable} == with_edits


def test_class_exported_from_another_file_is_re_exported():
    files = {"wrangler.jsonc": WRANGLER,
             "src/index.ts": 'export default { async fetch() { return new Response(""); } };',
             "src/counter.ts": 'import { DurableObject } from "cloudflare:workers";\nexport class Counter extends DurableObject {}\n'}
    (f,) = [f for f in _review(files).findings if f.rule == "do-class-not-exported"]
    assert f.path == "wrangler.jsonc" and f.fix_safety == "safe"
    changed, applied = fix_texts(files, [f], unsafe=False)
    assert changed["src/index.ts"].endswith('\nexport { Counter } from "./counter";\n') and applied == [f]
    assert "do-class-not-exported" not in {x.rule for x in _review({**files, **changed}).findings}
    # the file to change was not given: nothing applied, the finding stays
    assert fix_texts({"wrangler.jsonc": WRANGLER}, [f], unsafe=False) == ({}, [])


def test_stubs_in_javascript_have_no_type_annotations():
    code = ('import { DurableObject } from "cloudflare:workers";\nexport class Feed extends DurableObject {\n'
            '  async fetch(req) {\n    const [client, server] = Object.values(new WebSocketPair());\n'
            '    this.ctx.acceptWebSocket(server);\n    await this.ctx.storage.setAlarm(Date.now() + 1000);\n'
            '    return new Response(null, { status: 101, webSocket: client });\n  }\n}\n')
    files = {"src/index.js": code}
    changed, applied = fix_texts(files, _review(files).findings, unsafe=True)
    assert len(applied) == 1  # both stubs go to the same place: one per pass, the loop applies the other
    run = fix_loop(list(files.items()), unsafe=True)
    out = run.texts["src/index.js"]
    assert run.passes == 2 and sorted(run.fixed["src/index.js"]) == ["do-setalarm-no-handler", "do-ws-missing-handler"]
    assert "async alarm() {" in out and "async webSocketMessage(_ws, _message) {" in out and ": Promise" not in out
    assert not SourceFile("src/index.js", out).has_errors
