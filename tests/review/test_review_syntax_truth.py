"""TypeScript's own parser is the judge of syntax: do-expert must never report a syntax error in a file that
TypeScript parses. Runs over every TS/TSX file in this repository and, when present locally, over the real-code
corpus (Cloudflare's public DO repositories exported under ``$DO_EXPERT_WILD``, default ``/tmp/wild``; see
benchmarks/review_wild.py). Only files where do-expert reports a syntax error are sent to TypeScript, so the test
costs one tree-sitter parse per file and one TypeScript run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from server.review import review_files
from server.review.engine import is_reviewable
from server.review.files import SKIP_DIRS

REPO = Path(__file__).resolve().parents[2]
WILD = Path(os.environ.get("DO_EXPERT_WILD", "/tmp/wild"))
SCRIPT = Path(__file__).with_name("ts_parse.mjs")
EXTENSIONS = (".ts", ".tsx", ".mts", ".cts")


def ts_files(root: Path) -> list[Path]:
    out = []
    for base, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        out.extend(Path(base) / n for n in names if is_reviewable(n) and n.endswith(EXTENSIONS))
    return sorted(out)


def reported_syntax_errors(files: list[Path]) -> list[Path]:
    out = []
    for f in files:
        text = f.read_bytes().decode("utf-8", "replace")
        if any(x.rule == "do-syntax-error" for x in review_files([(f.name, text)]).findings):
            out.append(f)
    return out


def typescript_diagnostics(toolchain, files: list[Path]) -> dict[str, list]:
    if not files:
        return {}
    res = subprocess.run([str(toolchain.node), str(SCRIPT), *map(str, files)], capture_output=True, text=True,
                         env={**os.environ, "TS_NODE_MODULES": str(toolchain.node_modules)}, check=True, timeout=600)
    return json.loads(res.stdout)


def disagreements(toolchain, root: Path) -> tuple[int, int, list[str]]:
    files = ts_files(root)
    flagged = reported_syntax_errors(files)
    diags = typescript_diagnostics(toolchain, flagged)
    wrong = [str(f.relative_to(root)) for f in flagged if not diags.get(str(f.resolve()))]
    return len(files), len(flagged), wrong


def test_typescript_agrees_on_real_syntax_errors(node_toolchain, tmp_path):
    """The judge itself works: a real error is reported by both, valid Agents-SDK code by neither."""
    bad = tmp_path / "bad.ts"
    bad.write_text("export function f() {\n  return (1 + 2;\n}\n")
    good = tmp_path / "good.ts"
    good.write_text("class A { sql<T>(s: TemplateStringsArray): T[] { return []; }\n"
                    "  f() { return this.sql<{ n: number }>`SELECT 1`; } }\n")
    assert reported_syntax_errors([bad, good]) == [bad]
    diags = typescript_diagnostics(node_toolchain, [bad, good])
    assert diags[str(bad.resolve())] and not diags[str(good.resolve())]


def test_no_false_syntax_errors_in_this_repo(node_toolchain):
    n, flagged, wrong = disagreements(node_toolchain, REPO)
    assert n > 50
    assert wrong == [], f"do-expert reports syntax errors TypeScript does not: {wrong}"


@pytest.mark.skipif(not WILD.is_dir(), reason=f"real-code corpus not present at {WILD} (see benchmarks/review_wild.py; "
                                                 "set DO_EXPERT_WILD)")
def test_no_false_syntax_errors_in_real_code(node_toolchain):
    n, flagged, wrong = disagreements(node_toolchain, WILD)
    assert n > 500
    assert wrong == [], f"do-expert reports syntax errors TypeScript does not ({len(wrong)} of {n}): {wrong[:20]}"
