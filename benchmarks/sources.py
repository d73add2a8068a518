"""Sources benchmark: the bundled reference alone against the same with a user's folder of 2,000 Markdown files.

    python benchmarks/sources.py [--files 2000] [--folder PATH] [--runs 3] [--questions 80]

``--folder PATH``: the first ``--files`` Markdown files of a real folder (sorted by path, copied with their
folders), e.g. a checkout of tldr-pages' ``pages/`` (short command pages that are not about Durable Objects).
Otherwise the folder is made from the bundled sections: each file holds one to three
consecutive sections with a made-up word of the file's own woven into its prose (benchmarks/scale.py), so no two
files are equal; a quarter are MDX with imports, components and JSX comments, some carry front matter, and they sit
in nested folders. In the same run, alternating:
- indexing the folder as a source (``do-expert sources add`` does this) against SQLite FTS5's build of the same
  parsed sections;
- in fresh processes: spawn to the first search answer, the in-process query p50/p99 and peak RSS, without and with
  the source (the issue's figures: spawn <= 1.5x, p50 <= 60 ms, RSS <= 150 MB, build <= 20x FTS5);
- quality: hit@1 on a question set over the bundled reference, without and with the source (the folder repeats
  the bundled text, so every question has a near-copy competing for the top; the bundled section should keep it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from retrieval import fts5_database, first_hit, load_questions  # noqa: E402
from scale import PROBE_MEASURE, copy_word, cpu_seconds, distinct_body  # noqa: E402

# A fresh interpreter with every configured source (the environment names the folders), measured as scale.py does.
PROBE = r"""
import json, statistics, sys, time
t0 = time.perf_counter()
from server.sources import library as lm
from server.search import engine as em
em.RECHECK_SECONDS = lm.RECHECK_SECONDS = lm.SOURCE_RECHECK_SECONDS = float("inf")
e = lm.Library()
qs = json.loads(sys.argv[1])
""" + PROBE_MEASURE

MDX_HEAD = 'import { Details, Render } from "~/components";\n\n<Render file="shared-note" product="team" />\n\n'


def make_folder(dest: Path, files: int) -> Path:
    from server.search.corpus import Corpus

    sections = [s for s in Corpus(ROOT / "references").sections.values() if s.level >= 2]
    for k in range(files):
        word = copy_word(k + 1)
        start = (k * 7) % len(sections)
        chosen = sections[start:start + 1 + k % 3]
        body = "\n\n".join(s.markdown for s in chosen)
        text = f"# {chosen[0].heading} {word}\n\n{distinct_body(body, word)}"
        mdx = k % 4 == 0
        if mdx:
            text = MDX_HEAD + text.replace("\n## ", "\n{/* reviewed */}\n\n## ", 1)
        if k % 3 == 0:
            text = f"---\ntitle: {chosen[0].heading} {word}\ntags: [notes, {word}]\n---\n\n{text}"
        path = dest / f"area-{k % 20}" / f"topic-{k % 7}" / f"page-{k}.{'mdx' if mdx else 'md'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return dest


def take_files(source: Path, dest: Path, files: int) -> Path:
    import shutil

    chosen = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".md", ".mdx") and p.is_file())[:files]
    for path in chosen:
        target = dest / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return dest


def probe(env: dict, questions: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(questions)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def hit_at_1(questions: list[dict], texts: dict) -> tuple[float, float]:
    """(hit@1, share of top hits from the bundled reference) with the current environment's sources."""
    from server.sources import library as lm
    from server.search import engine as em

    em.RECHECK_SECONDS = lm.RECHECK_SECONDS = lm.SOURCE_RECHECK_SECONDS = float("inf")
    lib = lm.Library()
    hits = bundled = 0
    for item in questions:
        results = lib.search(item["q"], limit=10).results
        ranked = [r.id for r in results]
        hits += first_hit(ranked, item, {**texts, **_texts_of(lib, ranked)}) == 1
        bundled += bool(results) and results[0].source == "bundled"
    return hits / len(questions), bundled / len(questions)


def _texts_of(lib, ids: list[str]) -> dict:
    return {s.id: s.markdown for i in ids if "--" in i for s in lib.read([i]).sections}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--folder", type=Path, help="a real folder of Markdown to add instead of the generated one")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--questions", type=int, default=80)
    ap.add_argument("--quality-set", default="questions_agentmixed_dev.yaml")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="do-expert-sources-bench-"))
    folder = take_files(args.folder.resolve(), work / "notes", args.files) if args.folder else \
        make_folder(work / "notes", args.files)
    base_env = {**os.environ, "PYTHONPATH": str(ROOT), "DO_EXPERT_INDEX_DIR": str(work / "index"),
                "DO_EXPERT_DATA_DIR": str(work / "data")}
    env_without = {**base_env, "DO_EXPERT_CONFIG_DIR": str(work / "config-none")}
    env_with = {**base_env, "DO_EXPERT_CONFIG_DIR": str(work / "config-notes")}
    os.environ.update(env_with)

    from server.search.engine import SearchEngine
    from server.sources import config as cfg
    from server.sources.files import SourceCorpus
    from server.search.store import build

    SearchEngine()  # the bundled index, built once before anything is timed
    cfg.add_source(folder, name="notes")
    builds, fts_builds, cpu, fts_cpu = [], [], [], []
    for run in range(args.runs):
        c0, t0 = cpu_seconds(), time.perf_counter()
        corpus = SourceCorpus(folder, "notes")
        build(corpus, cfg.source_index_dir("notes"), replace=True)
        builds.append(time.perf_counter() - t0)
        cpu.append(cpu_seconds() - c0)
        c0, t0 = cpu_seconds(), time.perf_counter()
        fts5_database(SourceCorpus(folder, "notes").sections, with_asks=False)  # parse included on both sides
        fts_builds.append(time.perf_counter() - t0)
        fts_cpu.append(cpu_seconds() - c0)

    all_questions = load_questions(ROOT / "benchmarks" / args.quality_set)
    qs = [q["q"] for q in all_questions][: args.questions]
    without, with_ = [], []
    for _ in range(args.runs):  # alternating, so both see the same machine load
        without.append(probe(env_without, qs))
        with_.append(probe(env_with, qs))
    med = lambda rows, key: statistics.median(r[key] for r in rows)  # noqa: E731

    from server.search.engine import SearchEngine as SE
    bundled = SE()
    texts = {s.id: s.markdown for s in bundled.corpus.sections.values()}
    os.environ.update(env_without)
    q_without = hit_at_1(all_questions, texts)
    os.environ.update(env_with)
    q_with = hit_at_1(all_questions, texts)

    sections = len(SourceCorpus(folder, "notes").sections)
    ratio = sorted(b / f for b, f in zip(builds, fts_builds))
    print(f"\nfolder: {folder} ({sections} sections in {len(SourceCorpus(folder, 'notes').files)} files); "
          f"{args.runs} runs, medians\n")
    print("| figure | bundled only | with the folder | ratio | required |")
    print("|---|---|---|---|---|")
    sp0, sp1 = med(without, "first"), med(with_, "first")
    print(f"| spawn to first answer | {sp0 * 1000:.0f} ms | {sp1 * 1000:.0f} ms | {sp1 / sp0:.2f}x | <= 1.5x |")
    p0, p1 = med(without, "p50"), med(with_, "p50")
    print(f"| query p50 | {p0 * 1000:.1f} ms | {p1 * 1000:.1f} ms | {p1 / p0:.2f}x | <= 60 ms |")
    print(f"| query p99 | {med(without, 'p99') * 1000:.1f} ms | {med(with_, 'p99') * 1000:.1f} ms | | reported |")
    print(f"| peak RSS | {med(without, 'rss_mb'):.0f} MB | {med(with_, 'rss_mb'):.0f} MB | | <= 150 MB |")
    print(f"| hit@1, {args.quality_set} ({len(all_questions)}) | {q_without[0]:.3f} | {q_with[0]:.3f} | "
          f"{q_with[0] - q_without[0]:+.3f} | |")
    print(f"| top hit from bundled | {q_without[1]:.3f} | {q_with[1]:.3f} | | |")
    print("\n| source build (parse + index) | FTS5 (parse + insert) | ratio wall | ratio CPU | required |")
    print("|---|---|---|---|---|")
    print(f"| {statistics.median(builds):.1f} s | {statistics.median(fts_builds):.2f} s | "
          f"{statistics.median(ratio):.0f}x ({ratio[0]:.0f}-{ratio[-1]:.0f}) | "
          f"{statistics.median(c / f for c, f in zip(cpu, fts_cpu)):.0f}x | <= 20x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
