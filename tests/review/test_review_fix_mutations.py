"""The mutation operators of benchmarks/fixes_wild.py are inverses of the safe fixes: mutating fixed code and
fixing it again gives the same code back, so the benchmark's mutants exercise exactly the fixes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fix_cases import CASES, WRANGLER
from server.review.fixes import fix_loop
from server.review.parse import SourceFile

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from fix_mutations import SAFE_RULE, mutate  # noqa: E402

SAFE = [c for c in CASES if c.safety == "safe"]


@pytest.mark.parametrize("case", SAFE, ids=[c.id for c in SAFE])
def test_mutate_then_fix_round_trips(case):
    src = SourceFile(case.path, case.after)
    is_main = case.rule == "do-class-not-exported"  # else every case's exported Counter would be unexported too
    mutant, sites = mutate(src, bound={"Counter"}, imported_elsewhere=set(), is_main=is_main)
    ops = {s.operator for s in sites}
    if case.id == "bindings-array-const":
        assert not ops  # a spread argument is left alone: `[...values]` would change the bindings
        return
    assert {SAFE_RULE[o] for o in ops} == {case.rule} and mutant != case.after
    assert not SourceFile(case.path, mutant).has_errors
    run = fix_loop([(case.path, mutant), ("wrangler.jsonc", WRANGLER)], unsafe=False)
    assert run.texts[case.path] == case.after


def test_drop_await_only_on_stub_calls():
    code = ('export default {\n  async fetch(req: Request, env: Env) {\n    const stub = env.COUNTER.getByName("a");\n'
            '    await stub.increment();\n    await fetch("https://x");\n    return new Response("");\n  },\n};\n')
    mutant, sites = mutate(SourceFile("src/index.ts", code), set(), set(), is_main=False)
    assert [s.operator for s in sites] == ["drop-await"]
    assert "    stub.increment();\n    await fetch" in mutant
