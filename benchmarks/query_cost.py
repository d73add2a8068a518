"""Where an in-process search_docs query spends its time, against another revision's code in the same run.

    python benchmarks/query_cost.py [--baseline REV] [--factor 1] [--queries 60] [--runs 3]

Both code trees (this one, and ``REV`` exported with ``git archive`` into a temporary folder) answer the same
questions (scale.py's list) over the corpus (``--factor`` copies of it, as scale.py makes them), each from its own
index built beforehand, in fresh processes run
alternately, ``--runs`` times each. A process opens the engine, answers one warm-up question, then every question
once (the first pass: what scale.py's p50 measures, postings and sections met for the first time) and every question
again (the steady state of a running server). Wall time and the process's CPU time are both shown: on a shared
machine the CPU time moves less with the load. The per-phase table splits the current tree's CPU time by stage.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from scale import load_questions, make_corpus  # noqa: E402

# Runs inside the tree under test (cwd), so `server` is that tree's package.
PROBE = r"""
import json, statistics, sys, time
from collections import defaultdict
from pathlib import Path
sys.path.insert(0, ".")
from server.search import engine as em
em.RECHECK_SECONDS = float("inf")
spent = defaultdict(float)

def timed(owner, name, label):
    inner = getattr(owner, name, None)
    if inner is None:
        return
    def wrapper(*a, **k):
        t = time.process_time()
        try:
            return inner(*a, **k)
        finally:
            spent[label] += time.process_time() - t
    setattr(owner, name, wrapper)

for owner, name, label in [(em.q, "parse", "parse (words, synonyms, spelling)"), (em, "_set_idf", "word IDFs"),
                           (em.q, "clauses", "query terms"), (em, "rank", "BM25F ranking (postings)"),
                           (em, "make_snippet", "snippets"), (em, "about_something_else", "off-topic check")]:
    timed(owner, name, label)
e = em.SearchEngine(references=Path(sys.argv[3]), index_dir=Path(sys.argv[1]))
e.search("how do alarm retries work")
questions = json.loads(sys.argv[2])
out = {}
for label in ("first", "steady"):
    spent.clear()
    wall, cpu = [], []
    for q in questions:
        w, c = time.perf_counter(), time.process_time()
        e.search(q)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    total = sum(cpu)
    phases = dict(spent)
    phases["rest (rerank, headings, results)"] = total - sum(spent.values())
    out[label] = {"wall": sorted(wall), "cpu": sorted(cpu), "phases": {k: v / len(questions) for k, v in phases.items()}}
print(json.dumps(out))
"""


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p99(values: list[float]) -> float:
    return values[max(0, int(len(values) * 0.99) - 1)]


def export(rev: str, dest: Path) -> Path:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def build_index(tree: Path, index: Path, refs: Path) -> None:
    code = ("import sys; sys.path.insert(0, '.'); from pathlib import Path; from server.search.engine import "
            "SearchEngine; SearchEngine(references=Path(sys.argv[2]), index_dir=Path(sys.argv[1])).search('alarm')")
    subprocess.run([sys.executable, "-c", code, str(index), str(refs)], cwd=tree, check=True, capture_output=True)


def probe(tree: Path, index: Path, refs: Path, questions: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, str(index), json.dumps(questions), str(refs)], cwd=tree,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", default="HEAD", help="git revision whose code is the baseline (default HEAD)")
    ap.add_argument("--factor", type=int, default=1, help="copies of the corpus (scale.py's make_corpus)")
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    questions = load_questions(args.queries)
    work = Path(tempfile.mkdtemp(prefix="do-expert-qcost-"))
    try:
        trees = {"baseline": export(args.baseline, work / "baseline"), "current": ROOT}
        refs = make_corpus(args.factor, work / "refs")
        for name, tree in trees.items():
            build_index(tree, work / f"index-{name}", refs)
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for run in range(max(1, args.runs)):
            order = list(trees.items())
            for name, tree in order[::-1] if run % 2 else order:  # alternate, so both see the same machine load
                runs[name].append(probe(tree, work / f"index-{name}", refs, questions))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"{len(questions)} questions, {args.factor}x corpus; baseline = {args.baseline}; medians over {args.runs} fresh "
          "processes per tree, run alternately (order swapped every run); ratio = current / baseline, per run pair (median, min-max)\n")
    print("| pass | measure | baseline p50 | current p50 | ratio p50 | baseline p99 | current p99 |")
    print("|---|---|---|---|---|---|---|")
    for passname in ("first", "steady"):
        for measure in ("wall", "cpu"):
            base = [p50(r[passname][measure]) for r in runs["baseline"]]
            cur = [p50(r[passname][measure]) for r in runs["current"]]
            ratios = sorted(c / b for c, b in zip(cur, base))
            print(f"| {passname} | {measure} | {p50(base) * 1000:.2f} ms | {p50(cur) * 1000:.2f} ms | "
                  f"{p50(ratios):.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f}) | "
                  f"{p50([p99(r[passname][measure]) for r in runs['baseline']]) * 1000:.1f} ms | "
                  f"{p50([p99(r[passname][measure]) for r in runs['current']]) * 1000:.1f} ms |")
    print("\nCPU per query by stage (mean over the questions, median over the runs):\n")
    print("| stage | baseline first | current first | baseline steady | current steady |")
    print("|---|---|---|---|---|")
    labels = list(dict.fromkeys(k for r in runs["current"] + runs["baseline"] for k in r["first"]["phases"]))
    for label in labels:
        cells = []
        for passname in ("first", "steady"):
            for name in ("baseline", "current"):
                vals = [r[passname]["phases"].get(label, 0.0) for r in runs[name]]
                cells.append(f"{p50(vals) * 1000:.2f} ms")
        print(f"| {label} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
