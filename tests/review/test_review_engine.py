"""Engine behaviour: suppression, compatibility dates, positions, bad input, SARIF and text output."""

from __future__ import annotations

import json
import time

import pytest

from server.errors import InvalidInputError, ReviewError
from server.review import format_text, review_files, review_paths, to_sarif

SINGLETON = 'export default { async fetch(r: Request, env: Env) { return env.C.getByName("global").fetch(r); } };\n'


def rules_of(result):
    return [f.rule for f in result.findings]


# -- suppression -------------------------------------------------------------------------------------------------

def test_ignore_on_the_line():
    src = SINGLETON.rstrip("\n") + " // do-expert-ignore do-global-singleton\n"
    assert rules_of(review_files([("a.ts", src)])) == []


def test_ignore_on_the_line_above():
    src = "// do-expert-ignore do-global-singleton -- one low-rate coordinator\n" + SINGLETON
    assert rules_of(review_files([("a.ts", src)])) == []


def test_ignore_other_rule_does_not_suppress():
    src = "// do-expert-ignore do-timers\n" + SINGLETON
    assert rules_of(review_files([("a.ts", src)])) == ["do-global-singleton"]


def test_ignore_two_lines_above_does_not_suppress():
    src = "// do-expert-ignore do-global-singleton\n\n" + SINGLETON
    assert rules_of(review_files([("a.ts", src)])) == ["do-global-singleton"]


def test_ignore_in_toml_config():
    cfg = ('name = "x"\nmain = "src/index.ts"\ncompatibility_date = "2026-09-01"\n[[durable_objects.bindings]]\n'
           'name = "A"\nclass_name = "A" # do-expert-ignore do-binding-without-migration\n')
    assert "do-binding-without-migration" not in rules_of(review_files([("wrangler.toml", cfg)]))


# -- findings shape ----------------------------------------------------------------------------------------------

def test_finding_fields_and_positions():
    res = review_files([("src/a.ts", "\n" + SINGLETON)])
    (f,) = res.findings
    assert (f.path, f.line, f.severity) == ("src/a.ts", 2, "warning")
    assert f.column == SINGLETON.index("env.C") + 1 and f.end_line == 2 and f.end_column > f.column
    assert f.fix and f.docs and not res.clean and res.summary.warning == 1


def test_columns_count_characters_not_bytes():
    src = 'const s = "ééé"; export default { f(env: Env) { return env.C.getByName("x"); } };\n'
    (f,) = review_files([("a.ts", src)]).findings
    assert f.column == src.index("env.C") + 1


def test_clean_result():
    res = review_files([("a.ts", "export const x = 1;\n")])
    assert res.clean and res.findings == [] and res.summary.error == 0


# -- compatibility dates -----------------------------------------------------------------------------------------

WS_CLOSE = ('export class Room extends DurableObject {\n  async webSocketMessage(ws: WebSocket) {}\n'
            '  async webSocketClose(ws: WebSocket, code: number) {}\n}\n')


def test_date_gated_rule_needs_a_date():
    assert "do-ws-close-not-reciprocated" not in rules_of(review_files([("a.ts", WS_CLOSE)]))


def test_date_from_argument():
    assert "do-ws-close-not-reciprocated" in rules_of(review_files([("a.ts", WS_CLOSE)], compatibility_date="2025-01-01"))
    assert "do-ws-close-not-reciprocated" not in rules_of(review_files([("a.ts", WS_CLOSE)], compatibility_date="2026-04-07"))


def test_argument_overrides_config_date():
    cfg = '{"name": "x", "compatibility_date": "2025-01-01"}'
    assert "do-ws-close-not-reciprocated" in rules_of(review_files([("a.ts", WS_CLOSE), ("wrangler.jsonc", cfg)]))
    assert "do-ws-close-not-reciprocated" not in rules_of(
        review_files([("a.ts", WS_CLOSE), ("wrangler.jsonc", cfg)], compatibility_date="2026-10-01"))


def test_flag_counts_as_new_date():
    cfg = '{"name": "x", "compatibility_date": "2025-01-01", "compatibility_flags": ["web_socket_auto_reply_to_close"]}'
    assert "do-ws-close-not-reciprocated" not in rules_of(review_files([("a.ts", WS_CLOSE), ("wrangler.jsonc", cfg)]))


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30", ""])
def test_bad_date_is_invalid_input(bad):
    with pytest.raises(InvalidInputError):
        review_files([("a.ts", "")], compatibility_date=bad)


# -- bad input ---------------------------------------------------------------------------------------------------

def test_binary_file_is_skipped_with_a_finding():
    res = review_files([("blob.ts", "\x00\x01\x02" * 100)])
    assert rules_of(res) == ["do-input-skipped"] and "binary" in res.findings[0].message


def test_ten_megabyte_file_is_bounded():
    big = ("const x = 1;\n" * 800_000)[:10_000_000]
    t = time.monotonic()
    res = review_files([("big.ts", big), ("a.ts", SINGLETON)])
    assert time.monotonic() - t < 5
    assert sorted(rules_of(res)) == ["do-global-singleton", "do-input-skipped"]


def test_thousands_of_files():
    files = [(f"src/f{i}.ts", f"export const v{i} = {i};\n") for i in range(3000)] + [("src/x.ts", SINGLETON)]
    t = time.monotonic()
    res = review_files(files)
    assert time.monotonic() - t < 30 and rules_of(res) == ["do-global-singleton"]


def test_too_many_files_is_a_review_error():
    with pytest.raises(ReviewError):
        review_files([(f"f{i}.ts", "") for i in range(10_001)])


@pytest.mark.parametrize("name,text", [
    ("wrangler.jsonc", '{ "name": "x", "main": '),
    ("wrangler.jsonc", '{ "durable_objects": { "bindings": "nope" } }'),
    ("wrangler.json", "[1, 2]"),
    ("wrangler.toml", 'name = "x"\n[[migrations]\n'),
    ("wrangler.toml", "\u00ff\u00fe garbage = = ="),
])
def test_broken_config_is_a_finding(name, text):
    res = review_files([(name, text), ("src/index.ts", SINGLETON)])
    assert "do-config-invalid" in rules_of(res) and "do-global-singleton" in rules_of(res)


@pytest.mark.parametrize("broken", ["const x = ;\n", "function f( {\n\n"])
def test_syntax_error_still_checks_the_rest(broken):
    got = rules_of(review_files([("a.ts", broken + SINGLETON)]))
    assert got == ["do-syntax-error", "do-global-singleton"]


def test_tsx_is_parsed_as_tsx():
    src = 'const el = <div className="x">{name}</div>;\n' + SINGLETON
    assert rules_of(review_files([("src/view.tsx", src)])) == ["do-global-singleton"]


def test_dotdot_paths_are_labels_only():
    cfg = '{"name": "x", "main": "../outside/index.ts", "compatibility_date": "2026-09-01", "durable_objects": {"bindings": [{"name": "A", "class_name": "A"}]}, "exports": {"A": {"type": "durable-object", "storage": "sqlite"}}}'
    res = review_files([("proj/wrangler.jsonc", cfg), ("../outside/index.ts", "export class A extends DurableObject {}\n"),
                        ("../../etc/passwd.ts", "root:x:0:0\n")])
    assert all(f.path in ("proj/wrangler.jsonc", "../outside/index.ts", "../../etc/passwd.ts") for f in res.findings)


def test_non_source_files_are_ignored_beside_sources():
    assert review_files([("README.md", "# hi"), ("logo.png", "\x89PNG\x00"), ("a.ts", "export {};\n")]).findings == []


def test_only_unreviewable_files_is_invalid_input():
    """An agent that names a file `counter` (no extension) must not get a silent `clean: true`."""
    with pytest.raises(InvalidInputError) as exc:
        review_files([("counter", SINGLETON)])
    assert "src/index.ts" in exc.value.hint


def test_review_paths_reads_folders_and_finds_config(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "wrangler.jsonc").write_text('{"name": "x", "main": "src/index.ts", "compatibility_date": "2026-09-01",'
                                            '"durable_objects": {"bindings": [{"name": "A", "class_name": "A"}]}}')
    (tmp_path / "src" / "index.ts").write_text("export class A extends DurableObject {}\n")
    (tmp_path / "node_modules" / "x" / "index.ts").write_text(SINGLETON)
    (tmp_path / "src" / "blob.ts").write_bytes(b"\x00\x01\xff")
    res = review_paths([str(tmp_path / "src" / "index.ts")])
    assert "do-binding-without-migration" in rules_of(res)
    res = review_paths([str(tmp_path)])
    assert sorted(set(rules_of(res))) == ["do-binding-without-migration", "do-input-skipped"]
    res = review_paths([str(tmp_path / "src")])  # the config one level up is found for a folder too
    assert sorted(set(rules_of(res))) == ["do-binding-without-migration", "do-input-skipped"]
    with pytest.raises(InvalidInputError):
        review_paths([str(tmp_path / "missing")])


# -- output ------------------------------------------------------------------------------------------------------

SARIF_SUBSET_SCHEMA = {
    # The parts of the OASIS SARIF 2.1.0 schema that GitHub code scanning requires (names and types as in
    # https://docs.oasis-open.org/sarif/sarif/v2.1.0/ ; the full schema is 3,000 lines and not vendored).
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["tool", "results"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name", "rules"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                                   "rules": {"type": "array", "items": {
                                       "type": "object", "required": ["id", "shortDescription", "helpUri"],
                                       "properties": {"id": {"type": "string"},
                                                      "shortDescription": {"type": "object", "required": ["text"]},
                                                      "fullDescription": {"type": "object", "required": ["text"]},
                                                      "help": {"type": "object", "required": ["text"]},
                                                      "helpUri": {"type": "string", "pattern": "^https?://"},
                                                      "defaultConfiguration": {"type": "object", "properties": {
                                                          "level": {"enum": ["none", "note", "warning", "error"]}}}}}}}}}},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["ruleId", "message", "locations", "partialFingerprints"],
                    "properties": {
                        "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": 0},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": {"type": "object", "required": ["text"]},
                        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
                        "locations": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["physicalLocation"], "properties": {"physicalLocation": {
                                "type": "object", "required": ["artifactLocation", "region"], "properties": {
                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                    "region": {"type": "object", "required": ["startLine"], "properties": {
                                        "startLine": {"type": "integer", "minimum": 1},
                                        "startColumn": {"type": "integer", "minimum": 1},
                                        "endLine": {"type": "integer", "minimum": 1},
                                        "endColumn": {"type": "integer", "minimum": 1}}}}}}}}}}}},
        }},
    },
}


def test_sarif_is_valid_and_stable():
    jsonschema = pytest.importorskip("jsonschema")
    files = [("src/a.ts", SINGLETON + "export class X extends DurableObject { n = 0; inc() { this.n++; } }\n")]
    res = review_files(files)
    sarif = to_sarif(res, dict(files))
    jsonschema.validate(sarif, SARIF_SUBSET_SCHEMA)
    run = sarif["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} == {f.rule for f in res.findings}
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    # fingerprints depend on the flagged line's text, not its number: inserting lines above keeps them
    moved = [("src/a.ts", "\n\n// new header\n" + files[0][1])]
    sarif2 = to_sarif(review_files(moved), dict(moved))
    fp = lambda s: sorted(r["partialFingerprints"]["primaryLocationLineHash/v1"] for r in s["runs"][0]["results"])
    assert fp(sarif) == fp(sarif2)
    json.dumps(sarif)


def test_sarif_validates_against_the_full_oasis_schema():
    """tests/review/sarif-schema-2.1.0.json is the SARIF 2.1.0 (rtm.5) JSON schema as shipped, unchanged, in the npm
    package @microsoft/jest-sarif 1.0.0-beta.0 (MIT; lib/schemas/sarif-2.1.0-rtm.5.json, the schemastore copy)."""
    jsonschema = pytest.importorskip("jsonschema")
    from pathlib import Path

    schema = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
    files = [("src/a b.ts", SINGLETON + "export class X extends DurableObject { n = 0; inc() { this.n++; } }\n"),
             ("wrangler.jsonc", '{ "name": "x", "main": ')]
    sarif = to_sarif(review_files(files), dict(files))
    assert len(sarif["runs"][0]["results"]) == 3
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(sarif)
    empty = to_sarif(review_files([("a.ts", "export const x = 1;\n")]))
    jsonschema.Draft4Validator(schema).validate(empty)


def test_sarif_security_severity_for_injection():
    files = [("a.ts", "export class U extends DurableObject { f(x: string) { return this.ctx.storage.sql.exec(`SELECT ${x}`); } }\n")]
    sarif = to_sarif(review_files(files), dict(files))
    (rule,) = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "8.0"


def test_text_output():
    out = format_text(review_files([("a.ts", SINGLETON)]))
    assert out.startswith("a.ts:1:") and "do-global-singleton" in out and "not clean" in out


# -- robustness: truncated and mangled real code never crashes a rule ------------------------------------------------

def test_truncated_fixtures_never_break_a_rule(caplog):
    """Every fixture cut at many points (half-typed code, as an agent sends mid-edit) reviews without a rule
    raising: the engine would swallow such an exception, so assert on its error log instead."""
    import logging
    from pathlib import Path

    root = Path(__file__).parent
    texts = [p.read_text(errors="replace") for p in sorted(root.glob("fixtures/**/*.ts")) + sorted(root.glob("clean/**/*.ts"))]
    configs = [p.read_text(errors="replace") for p in sorted(root.glob("fixtures/**/wrangler.*"))]
    caplog.set_level(logging.ERROR, logger="server.review.engine")
    for text in texts:
        for cut in range(1, 9):
            part = text[: len(text) * cut // 9]
            review_files([("src/index.ts", part), ("wrangler.jsonc", configs[cut % len(configs)][: len(part) % 400])])
            review_files([("src/index.ts", part[::-1][:2000])])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.records[0].getMessage()


def test_a_crashing_rule_costs_only_that_rule(monkeypatch, caplog):
    import dataclasses
    import logging

    from server.review import rules as registry

    def boom(ctx):
        raise RuntimeError("bug in a rule")

    monkeypatch.setitem(registry.RULES, "do-timers", dataclasses.replace(registry.RULES["do-timers"], check=boom))
    caplog.set_level(logging.ERROR, logger="server.review.engine")
    res = review_files([("a.ts", SINGLETON)])
    assert rules_of(res) == ["do-global-singleton"]
    assert any("do-timers" in r.getMessage() for r in caplog.records)


def test_test_files_may_address_fixed_objects():
    """Tests use `getByName("test")` on purpose: the singleton rule is about the request path."""
    for path in ("test/counter.test.ts", "src/counter.spec.ts", "tests/helpers.ts"):
        assert rules_of(review_files([(path, SINGLETON)])) == []
    assert rules_of(review_files([("src/testing.ts", SINGLETON)])) == ["do-global-singleton"]


def test_review_paths_on_a_folder_without_sources(tmp_path):
    (tmp_path / "README.md").write_text("# nothing here\n")
    with pytest.raises(InvalidInputError):
        review_paths([str(tmp_path)])


def test_paths_are_reported_as_given_and_odd_text_is_fine():
    res = review_files([("src\\\\win.ts", SINGLETON), ("odd.ts", "const s = '\ud800 x';\n" + SINGLETON)])
    assert {f.path for f in res.findings} == {"src\\\\win.ts", "odd.ts"}


def test_pathological_nesting_is_handled_without_losing_rules(caplog):
    import logging

    caplog.set_level(logging.ERROR, logger="server.review.engine")
    def deep(levels: int) -> str:
        return ("export class A extends DurableObject { f() { return this.ctx.storage.sql.exec("
                + "(" * levels + '"BEGIN"' + ")" * levels + "); } }\n")

    assert rules_of(review_files([("deep.ts", deep(900))])) == ["do-sql-transaction-stmt"]
    # past the depth cap the file is skipped with the reason, never silently half-reviewed
    too_deep = review_files([("deep.ts", deep(3000))]).findings
    assert [f.rule for f in too_deep] == ["do-input-skipped"] and "levels deep" in too_deep[0].message
    review_files([("chain.ts", "x" + ".y" * 20000 + "();\n"), ("arr.ts", "const a = " + "[" * 5000 + "]" * 5000 + ";\n")])
    assert not caplog.records, caplog.records[0].getMessage()
