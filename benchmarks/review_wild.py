"""Review real public Durable Object code and score every error and warning against hand judgements.

    python benchmarks/review_wild.py [--typescript] [--list] [--unjudged] REPO[:SUB,SUB...] ...

Each REPO is a local checkout or a bare git mirror (exported at HEAD into a temporary folder); its name is the
folder name (``cloudflare+agents`` -> ``agents``). ``:SUB,SUB`` limits the walk to those subfolders (for
workers-sdk: its fixtures and templates, not the wrangler package itself). Nothing of the reviewed code is stored
here: only ``benchmarks/wild-judgements.jsonl``, one JSON object a line:

    {"repo": "agents", "path": "examples/x/src/server.ts", "line": 12, "rule": "do-timers",
     "text": "<sha1 of the stripped line, 12 hex>", "verdict": "tp|fp|debatable", "reason": "..."}

A finding matches a judgement on (repo, path, line, rule), or, when the line moved, on (repo, path, rule, text):
the same line text nearest to the old line number. Precision counts tp / (tp + fp); debatable findings are shown
but left out of the ratio. Projects are found by their wrangler config (or, for library packages without one,
their package.json) and reviewed together, as a user would run ``do-expert review`` in that folder.

``--typescript`` also runs TypeScript's own parser (the test toolchain's ``typescript``) over every file with a
syntax finding, and counts syntax findings on files TypeScript parses cleanly (the target is 0).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from table import print_figures  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import tree_sitter as ts  # noqa: E402

from server.review import review_files  # noqa: E402
from server.review.config import CONFIG_NAMES  # noqa: E402
from server.review.engine import is_reviewable  # noqa: E402
from server.review.files import SKIP_DIRS  # noqa: E402
from server.review.parse import TS_LANGUAGE, TSX_LANGUAGE  # noqa: E402

JUDGEMENTS = Path(__file__).with_name("wild-judgements.jsonl")
DO_MARKER = re.compile(r"DurableObject|durable_objects|extends\s+(?:Agent|AIChatAgent|Server|Actor|McpAgent)\b")
SYNTAX_RULES = {"do-syntax-error"}


@dataclass(frozen=True)
class Scored:
    repo: str
    path: str
    line: int
    rule: str
    severity: str
    text: str
    message: str


def line_hash(text: str) -> str:
    return hashlib.sha1(text.strip().encode()).hexdigest()[:12]


def export_if_mirror(path: Path, tmp: Path) -> tuple[str, Path]:
    """A bare git dir is exported at HEAD; a folder is used as it is. Returns (repo name, folder)."""
    name = path.name if path.name != "repo" else path.parent.name
    name = name.split("+", 1)[-1]
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        out = tmp / name
        out.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "--git-dir", str(path), "archive", "HEAD"], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(out)], input=archive.stdout, check=True)
        return name, out
    return name, path


def walk(base: Path, subs: list[str]) -> list[Path]:
    out: list[Path] = []
    for sub in subs or [""]:
        for root, dirs, names in os.walk(base / sub, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for n in sorted(names):
                p = Path(root) / n
                if (is_reviewable(str(p)) or p.name.endswith(".d.ts")) and p.is_file():
                    out.append(p)
    return out


def group_projects(base: Path, files: list[Path]) -> dict[Path, list[Path]]:
    """Project folder -> files: the nearest folder with a wrangler config, else with a package.json."""
    config_dirs = {f.parent for f in files if f.name.lower() in CONFIG_NAMES}
    groups: dict[Path, list[Path]] = defaultdict(list)
    pkg_cache: dict[Path, Path] = {}
    for f in files:
        d, chosen = f.parent, None
        while True:
            if d in config_dirs:
                chosen = d
                break
            if d == base or base not in d.parents:
                break
            d = d.parent
        if chosen is None:
            d = f.parent
            if d not in pkg_cache:
                p = d
                while p != base and base in p.parents and not (p / "package.json").is_file():
                    p = p.parent
                pkg_cache[d] = p
            chosen = pkg_cache[d]
        groups[chosen].append(f)
    return groups


def load_judgements() -> tuple[dict[tuple, dict], dict[tuple, list[dict]]]:
    exact: dict[tuple, dict] = {}
    by_text: dict[tuple, list[dict]] = defaultdict(list)
    if JUDGEMENTS.exists():
        for row in JUDGEMENTS.read_text().splitlines():
            if not row.strip():
                continue
            j = json.loads(row)
            exact[(j["repo"], j["path"], j["line"], j["rule"])] = j
            by_text[(j["repo"], j["path"], j["rule"], j.get("text", ""))].append(j)
    return exact, by_text


def judge(f: Scored, exact, by_text) -> dict | None:
    j = exact.get((f.repo, f.path, f.line, f.rule))
    if j is not None:
        return j
    near = by_text.get((f.repo, f.path, f.rule, line_hash(f.text)), [])
    return min(near, key=lambda j: abs(j["line"] - f.line)) if near else None


def typescript_clean(paths: list[Path]) -> dict[Path, bool] | None:
    """For each file: True when TypeScript's parser reports no syntax diagnostic. None without the toolchain."""
    try:
        from toolchain import ensure_toolchain
        tc = ensure_toolchain()
    except Exception as exc:  # the benchmark still runs without Node; it just cannot judge syntax
        print(f"(TypeScript check skipped: {exc})", file=sys.stderr)
        return None
    script = ROOT / "tests" / "review" / "ts_parse.mjs"
    res = subprocess.run([str(tc.node), str(script), *map(str, paths)], capture_output=True, text=True,
                         env={**os.environ, "TS_NODE_MODULES": str(tc.node_modules)}, cwd=tc.root, check=True)
    diags = json.loads(res.stdout)
    return {p: not diags.get(str(p.resolve())) for p in paths}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+", help="REPO[:SUB,SUB...] (checkout folder or bare git mirror)")
    ap.add_argument("--typescript", action="store_true", help="check syntax findings against TypeScript's parser")
    ap.add_argument("--list", action="store_true", help="print every error and warning with its verdict")
    ap.add_argument("--unjudged", action="store_true", help="print unjudged findings as judgement stubs")
    args = ap.parse_args()

    exact, by_text = load_judgements()
    scored: list[Scored] = []
    info = Counter()
    n_files = n_projects = 0
    syntax_files: set[tuple[str, str]] = set()
    review_s = parse_s = 0.0
    abs_of: dict[tuple[str, str], Path] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.repos:
            raw, _, subs = spec.partition(":")
            name, base = export_if_mirror(Path(raw).resolve(), Path(tmp))
            groups = group_projects(base, walk(base, [s for s in subs.split(",") if s]))
            for _proj, paths in sorted(groups.items()):
                texts = [(p.relative_to(base).as_posix(), p.read_bytes().decode("utf-8", "replace")) for p in paths]
                # a DO project by its text (generated .d.ts included), the same whatever the engine reviews
                if not any(DO_MARKER.search(t) for _, t in texts):
                    continue
                texts = [(p, t) for p, t in texts if not p.endswith(".d.ts")]
                if not texts:
                    continue
                n_projects += 1
                n_files += sum(1 for p, _ in texts if not p.endswith(".d.ts"))
                for p, t in texts:
                    if not is_reviewable(p) or p.lower().split("/")[-1] in CONFIG_NAMES or p.endswith(".d.ts"):
                        continue
                    lang = TSX_LANGUAGE if p.endswith((".tsx", ".jsx")) else TS_LANGUAGE
                    t0 = time.perf_counter()
                    ts.Parser(lang).parse(t.encode("utf-8", "surrogatepass"))
                    parse_s += time.perf_counter() - t0
                lines = {p: t.split("\n") for p, t in texts}
                for p, _ in texts:
                    abs_of[(name, p)] = base / p
                t0 = time.perf_counter()
                result = review_files(texts)
                review_s += time.perf_counter() - t0
                for f in result.findings:
                    if f.rule in SYNTAX_RULES:
                        syntax_files.add((name, f.path))
                    if f.severity == "info":
                        info[f.rule] += 1
                        continue
                    src_lines = lines.get(f.path, [])
                    text = src_lines[f.line - 1] if 0 < f.line <= len(src_lines) else ""
                    scored.append(Scored(name, f.path, f.line, f.rule, f.severity, text, f.message))

        ts_bad = None
        if args.typescript and syntax_files:
            targets = [abs_of[k] for k in sorted(syntax_files)]
            clean = typescript_clean(targets)
            if clean is not None:
                ts_bad = [k for k, p in zip(sorted(syntax_files), targets) if clean[p]]

    tallies: dict[str, Counter] = defaultdict(Counter)
    unjudged: list[Scored] = []
    for f in scored:
        j = judge(f, exact, by_text)
        verdict = j["verdict"] if j else "unjudged"
        tallies[f.severity][verdict] += 1
        if j is None:
            unjudged.append(f)
        if args.list:
            print(f"{f.severity:7} {verdict:9} {f.rule:30} {f.repo}/{f.path}:{f.line}  {j['reason'] if j else f.message[:100]}")
    if args.unjudged:
        for f in unjudged:
            print(json.dumps({"repo": f.repo, "path": f.path, "line": f.line, "rule": f.rule, "text": line_hash(f.text),
                              "verdict": "?", "reason": f.message[:160]}))

    rows = [("projects reviewed", f"{n_projects}"), ("files reviewed (TS/JS/config, no .d.ts)", f"{n_files}")]
    for sev in ("error", "warning"):
        c = tallies[sev]
        tp, fp = c["tp"], c["fp"]
        prec = f"{tp / (tp + fp):.2f}" if tp + fp else "n/a"
        rows.append((f"{sev} precision", f"{prec} (tp {tp}, fp {fp}, debatable {c['debatable']}, unjudged {c['unjudged']})"))
    rows.append(("info findings (not judged)", f"{sum(info.values())}"))
    rows.append(("unjudged errors+warnings", f"{len(unjudged)}"))
    rows.append(("files with a syntax finding", f"{len(syntax_files)} ({100 * len(syntax_files) / max(n_files, 1):.1f}%)"))
    if args.typescript:
        ts_bad = ts_bad or []
        rows.append(("syntax findings on files TypeScript parses", f"{len(ts_bad)}" + (f" ({', '.join(f'{r}/{p}' for r, p in ts_bad[:5])})" if ts_bad else "")))
    rows.append(("review speed", f"{n_files / max(review_s, 1e-9):,.0f} files/s ({review_s:.1f} s)"))
    rows.append(("review / bare tree-sitter parse time", f"{review_s / max(parse_s, 1e-9):.1f}x"))
    print_figures(rows)


if __name__ == "__main__":
    main()
