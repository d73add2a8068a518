"""Linear-time analysis: every rule on hostile inputs, and every literal regex in the project on long runs.

These are complexity checks, not speed checks: each input is timed at a size and at 8x that size, and the ratio
must stay far below the 64x a quadratic path would show (linear is about 8x). Absolute times are only bounded
loosely, so a loaded machine cannot make them fail; a quadratic path blows through both bounds by orders of
magnitude.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

from adversarial import GENERATORS
from server.review import review_files
from server.review.engine import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parents[2]
SMALL, LARGE = 24_000, 192_000
MAX_RATIO = 32  # linear ~8, quadratic ~64


def _best_of(fn, runs: int = 3) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: g.__name__)
def test_review_is_linear_on_hostile_input(gen):
    small, large = gen(SMALL), gen(LARGE)
    t_small = _best_of(lambda: review_files([("src/index.ts", small)]))
    t_large = _best_of(lambda: review_files([("src/index.ts", large)]))
    ratio = t_large / max(t_small, 0.005)  # below 5 ms the small run is timer noise
    print(f"{gen.__name__}: {len(small)} chars {t_small * 1000:.1f} ms, {len(large)} chars {t_large * 1000:.1f} ms, "
          f"ratio {ratio:.1f}")
    assert ratio < MAX_RATIO or t_large < 0.25, f"{gen.__name__} looks super-linear: x{ratio:.0f} for 8x the input"


@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: g.__name__)
def test_largest_permitted_file_finishes_or_is_skipped(gen):
    text = gen(MAX_FILE_BYTES - 2_000)[: MAX_FILE_BYTES - 1]
    t = time.perf_counter()
    result = review_files([("src/index.ts", text)])
    elapsed = time.perf_counter() - t
    skipped = [f for f in result.findings if f.rule == "do-input-skipped"]
    print(f"{gen.__name__}: {len(text)} chars in {elapsed:.2f} s, skipped={bool(skipped)}")
    assert elapsed < 30, f"{gen.__name__}: {elapsed:.1f} s for one 2 MB file"
    for f in skipped:
        assert f.message.startswith("Not reviewed: "), f.message


def test_too_deep_is_reported_not_silently_missed():
    from adversarial import nested_ifs

    result = review_files([("src/index.ts", nested_ifs(200_000))])
    skipped = [f for f in result.findings if f.rule == "do-input-skipped"]
    assert skipped and "levels deep" in skipped[0].message


# ---------------------------------------------------------------------------------------------------- every regex
_RE_FUNCS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
_RUNS = ["a", " ", "\t", "[", "(", ".", "#", "`", "'", '"', "\n", "a.", "a ", "this.a", "# ", "[a", "?", ":", "=",
         "Array(", "do-", "_", "0", "- ", "* ", "<", "{", "\\"]


def _literal_patterns() -> list[tuple[str, str, int, str]]:
    found = []
    for path in sorted((ROOT / "server").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RE_FUNCS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, (str, bytes))):
                flags = 0
                if len(node.args) > 2 and node.func.attr == "compile" or any(k.arg == "flags" for k in node.keywords):
                    flags = re.MULTILINE  # the common case; flags do not change the backtracking shape we probe
                # match/fullmatch are anchored at the start, so only one start position is ever tried
                how = node.func.attr if node.func.attr in ("match", "fullmatch") else "findall"
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value, flags, how))
    return found


PATTERNS = _literal_patterns()


def test_regex_inventory_is_not_empty():
    assert len(PATTERNS) > 20


@pytest.mark.parametrize("where,pattern,flags,how", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_regex_is_linear_on_long_runs(where, pattern, flags, how):
    rx = re.compile(pattern, flags)
    run = getattr(rx, how)
    worst = (0.0, "", 0.0)
    for unit in _RUNS:
        if isinstance(pattern, bytes):
            unit_b = unit.encode()
            small, large = unit_b * (2_000 // len(unit_b)), unit_b * (16_000 // len(unit_b))
        else:
            small, large = unit * (2_000 // len(unit)), unit * (16_000 // len(unit))
        t_small = _best_of(lambda: run(small), runs=2)
        t_large = _best_of(lambda: run(large), runs=2)
        ratio = t_large / max(t_small, 0.0005)
        if t_large > worst[2]:
            worst = (ratio, unit, t_large)
        assert ratio < MAX_RATIO or t_large < 0.05, (
            f"{where}: {pattern!r} is super-linear on runs of {unit!r}: x{ratio:.0f} for 8x the input")
