"""Scale benchmark: the corpus at 1x and at Nx (copies of references/ under new doc ids, as user docs will bring).

    python benchmarks/scale.py [--factors 1 50] [--queries 60] [--runs 3] [--distinct]

Two kinds of Nx corpus. By default copy k is references/ verbatim under new ids, so every section's text recurs N
times and a build that analyses a repeated text once gains from the copies. ``--distinct`` weaves a word of copy
k's own into the title, every heading and prose line (code blocks and source markers untouched): no two sections' texts are
equal, while the vocabulary and word statistics stay those of the real corpus (real docs share words, not
sections). Copy 0 is references/ itself in both modes.

For each size, in the same run: index build time against SQLite FTS5's build of the same sections (wall clock, and
CPU time of the build's process and its worker processes, which a machine shared with other work disturbs
less; ``--runs`` builds, the ratios' spread shown), from
the parsed sections (the Markdown parse is left out on both sides; the last column counts it on both). Then, in a
fresh process (what a server start costs) the time from spawn to the first search answer, the in-process query p50/p99
over the question sets, FTS5's p50 over the same questions, and peak RSS. Prints a Markdown table with ratios
against the 1x figures and against FTS5.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.search.asks import ASKS_FOLDER, ask_files, read_ask_file  # noqa: E402
from server.search.corpus import Corpus, classify_lines, reference_files, split_front_matter  # noqa: E402
from server.search.build_pool import distinct_share, pool_workers  # noqa: E402
from server.search.store import build  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from retrieval import fts5_database  # noqa: E402

_ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)
_ALIASES = re.compile(r"^aliases:.*$", re.MULTILINE)
_TITLE = re.compile(r'^(title:\s*"?)(.*?)("?\s*)$', re.MULTILINE)  # a quoted title keeps its closing quote last

# The end of a probe script (PROBE here, benchmarks/sources.py's too): after the opening code has set ``t0`` (spawn),
# ``e`` (anything with ``search``) and ``qs``, the first answer, the query loop and peak RSS, printed as JSON.
PROBE_MEASURE = r"""
first = e.search("how do alarm retries work")
t_first = time.perf_counter() - t0
times = []
for q in qs:
    s = time.perf_counter(); e.search(q); times.append(time.perf_counter() - s)
times.sort()
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over execve, so it would report the (big) parent's peak
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({"first": t_first, "p50": statistics.median(times), "p99": times[max(0, int(len(times) * .99) - 1)],
                  "rss_mb": hwm / 1024}))
"""

# Runs in a fresh interpreter: spawn -> engine open -> first answer, then the query loop and peak RSS.
PROBE = r"""
import json, statistics, sys, time
t0 = time.perf_counter()
from pathlib import Path
from server.search import engine as em
em.RECHECK_SECONDS = float("inf")
e = em.SearchEngine(references=Path(sys.argv[1]), index_dir=Path(sys.argv[2]))
qs = json.loads(sys.argv[3])
""" + PROBE_MEASURE


_SYLLABLES = ("ka", "lo", "mi", "nu", "pe", "ri", "so", "ta", "vu", "ze")


def copy_word(k: int) -> str:
    """A made-up word of copy k's own, letters only (the analyzers keep it whole): 3 -> "zanupe"-like."""
    return "za" + "".join(_SYLLABLES[int(d)] for d in str(k)) + "x"


def _weave(line: str, word: str) -> str:
    """``line`` with ``word`` in it, where it stays prose: a table row gets it in its first cell, any other line
    with letters at its end (after inline code and links, so neither changes). Rows of dashes, blank lines and
    HTML comments (source markers) are left alone."""
    stripped = line.strip()
    if not any(c.isalpha() for c in stripped) or stripped.startswith("<!--"):
        return line
    if stripped.startswith("|"):
        at = line.index("|") + 1
        return f"{line[:at]} {word}{line[at:]}"
    return f"{line.rstrip()} {word}"


def distinct_body(markdown: str, word: str) -> str:
    """The Markdown body with ``word`` woven into every heading and prose line, fenced code left as it is."""
    return "\n".join(_weave(line, word) if kind == "text" else line for line, kind in classify_lines(markdown)) + "\n"


def make_corpus(factor: int, dest: Path, distinct: bool = False) -> Path:
    """references/ copied ``factor`` times; copy k>0 of doc X is doc X-cK (aliases dropped: they must be unique),
    with its questions (asks/X-cK.yaml). ``distinct``: copy k>0 also has ``copy_word(k)`` woven into its headings,
    prose and questions (see the module docstring)."""
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ASKS_FOLDER).mkdir(exist_ok=True)
    for path in ask_files(ROOT / "references"):
        asks = read_ask_file(path)
        for k in range(factor):
            new_id = path.stem if k == 0 else f"{path.stem}-c{k}"
            copied = {slug: [f"{q} {copy_word(k)}" if distinct and k else q for q in qs] for slug, qs in asks.items()}
            (dest / ASKS_FOLDER / f"{new_id}.yaml").write_text(json.dumps(copied), encoding="utf-8")  # JSON is YAML
    for path in reference_files(ROOT / "references"):
        text = path.read_text(encoding="utf-8")
        for k in range(factor):
            if k == 0:
                (dest / path.name).write_text(text, encoding="utf-8")
                continue
            new_id = f"{path.stem}-c{k}"
            copy = _ID_LINE.sub(f"id: {new_id}", text, count=1)
            copy = _ALIASES.sub("aliases: []", copy, count=1)
            if distinct:  # the title is the doc's H1 (and part of every section's doc_terms field)
                copy = _TITLE.sub(lambda m: f"{m[1]}{m[2]} {copy_word(k)}{m[3]}", copy, count=1)
                _, body = split_front_matter(copy, path)
                copy = copy[: len(copy) - len(body)] + distinct_body(body, copy_word(k))
            (dest / f"{new_id}.md").write_text(copy, encoding="utf-8")
    return dest


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children: a large build's worker processes
    (server/search/build_pool.py) are joined before build() returns, so their time is counted."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def fts5_build(corpus: Corpus) -> tuple[float, float, sqlite3.Connection]:
    """FTS5's build of the same sections (each body with the questions it answers, as do-expert indexes them):
    wall and CPU seconds, and the database."""
    c0, t0 = cpu_seconds(), time.perf_counter()
    db = fts5_database(corpus.sections, with_asks=True)
    return time.perf_counter() - t0, cpu_seconds() - c0, db


def fts5_query_p50(db: sqlite3.Connection, questions: list[str]) -> float:
    times = []
    for q in questions:
        ws = [w for w in re.findall(r"[a-z0-9_]+", q.lower()) if len(w) > 1]
        expr = " OR ".join(f'"{w}"' for w in ws)
        t0 = time.perf_counter()
        db.execute("SELECT sid FROM s WHERE s MATCH ? ORDER BY bm25(s) LIMIT 10", (expr,)).fetchall()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def load_questions(limit: int) -> list[str]:
    import yaml

    out = []
    for name in ("questions_holdout.yaml", "questions_sentences.yaml"):
        out += [d["q"] for d in yaml.safe_load((ROOT / "benchmarks" / name).read_text()) if isinstance(d, dict)]
    return out[:limit]


def measure(factor: int, work: Path, questions: list[str], runs: int, distinct: bool = False) -> dict:
    """Build ``runs`` times, each followed by FTS5's build of the same sections (so both see the same machine
    load), then probe each index in a fresh process; the probe figures are medians over the runs."""
    refs = make_corpus(factor, work / f"refs-{factor}x", distinct)
    t0 = time.perf_counter()
    corpus = Corpus(refs)
    parse = time.perf_counter() - t0
    walls, cpus, fts_walls, fts_cpus = [], [], [], []
    for run in range(runs):
        c0, t0 = cpu_seconds(), time.perf_counter()
        build(corpus, work / f"index-{factor}x-{run}")
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_seconds() - c0)
        fts_wall, fts_cpu, db = fts5_build(corpus)
        fts_walls.append(fts_wall)
        fts_cpus.append(fts_cpu)
    probes = []  # one fresh process per build: a single spawn-to-first-answer time swings by tens of ms
    for run in range(runs):
        probe = subprocess.run([sys.executable, "-c", PROBE, str(refs), str(work / f"index-{factor}x-{run}"),
                                json.dumps(questions)], cwd=ROOT, capture_output=True, text=True, check=True)
        probes.append(json.loads(probe.stdout.strip().splitlines()[-1]))
    got = {key: statistics.median(p[key] for p in probes) for key in probes[0]}
    return {"factor": factor, "sections": len(corpus.sections), "parse": parse,
            "workers": pool_workers(len(corpus.sections), distinct_share(corpus)),
            "build": statistics.median(walls), "fts_build": statistics.median(fts_walls),
            "ratios": sorted(w / max(f, 1e-9) for w, f in zip(walls, fts_walls)),
            "cpu_ratios": sorted(c / max(f, 1e-9) for c, f in zip(cpus, fts_cpus)),
            "fts_p50": fts5_query_p50(db, questions), **got}


def _spread(values: list[float]) -> str:
    """Median, and the range over the runs when there are several."""
    med = statistics.median(values)
    return f"{med:.0f}x" if len(values) == 1 else f"{med:.0f}x ({min(values):.0f}-{max(values):.0f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--factors", type=int, nargs="+", default=[1, 50])
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3, help="builds per corpus size (the ratios show their spread)")
    ap.add_argument("--distinct", action="store_true",
                    help="copies whose text does not repeat: a word of each copy's own in its headings and prose")
    args = ap.parse_args()
    questions = load_questions(args.queries)
    work = Path(tempfile.mkdtemp(prefix="do-expert-scale-"))
    try:
        rows = [measure(f, work, questions, max(1, args.runs), args.distinct) for f in args.factors]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[0]
    mode = ("distinct copies: a word of each copy's own in its titles, headings and prose lines; no section text repeats"
            if args.distinct else "verbatim copies: every section's text recurs once per copy")
    print(f"Corpus mode: {mode}")
    print("Build worker processes: " + ", ".join(f"{r['factor']}x {r['workers'] or 'none (one process)'}"
                                                  for r in rows) + "\n")
    print(f"{len(questions)} questions; {args.runs} builds per size, each followed by FTS5's build of the same "
          "sections; build figures are medians, ratios are median (min-max) over the runs\n")
    print("| corpus | sections | spawn to first answer | vs 1x | p50 query | p99 query | FTS5 p50 | RSS | build | "
          "FTS5 build | build / FTS5 | CPU build / FTS5 CPU | from files: (parse + build) / (parse + FTS5) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['factor']}x | {r['sections']} | {r['first'] * 1000:.0f} ms | {r['first'] / base['first']:.2f}x | "
              f"{r['p50'] * 1000:.1f} ms | {r['p99'] * 1000:.1f} ms | {r['fts_p50'] * 1000:.2f} ms | "
              f"{r['rss_mb']:.0f} MB | {r['build']:.1f} s | {r['fts_build']:.2f} s | {_spread(r['ratios'])} | "
              f"{_spread(r['cpu_ratios'])} | {(r['parse'] + r['build']) / (r['parse'] + r['fts_build']):.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
