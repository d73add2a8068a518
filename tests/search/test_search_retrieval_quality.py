"""Retrieval quality guard: the benchmark's question sets, scored in-process against both baselines.

Not a timing test: it fails when a change to the engine or the corpus makes answers harder to find."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("retrieval_bench", ROOT / "benchmarks" / "retrieval.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

SETS = [p for p in (ROOT / "benchmarks" / "questions.yaml", ROOT / "benchmarks" / "questions_holdout.yaml",
                    ROOT / "benchmarks" / "questions_sentences.yaml",
                    ROOT / "benchmarks" / "questions_sentences_tuning.yaml",
                    ROOT / "benchmarks" / "questions_terse_tuning.yaml",
                    ROOT / "benchmarks" / "questions_casual_tuning.yaml",
                    # written by engineers who never saw the engine or the other sets (2026-11-30)
                    ROOT / "benchmarks" / "questions_agentsentences_dev.yaml",
                    ROOT / "benchmarks" / "questions_agentterse_dev.yaml",
                    ROOT / "benchmarks" / "questions_agentmixed_dev.yaml",
                    ROOT / "benchmarks" / "questions_agentproblems_dev.yaml",
                    # spent held-out sets (session 5): dev and validation sets since
                    ROOT / "benchmarks" / "questions_holdout2.yaml",
                    *(ROOT / "benchmarks" / f"questions_holdout{n}{x}.yaml" for n in "345" for x in "abc"),
                    ROOT / "benchmarks" / "questions_sentences2.yaml") if p.exists()]


@pytest.fixture(scope="module")
def setup(real_engine):
    texts = bench.section_texts(real_engine)
    return real_engine, texts, bench.GrepBaseline(texts), bench.Fts5Baseline(real_engine)


@pytest.mark.parametrize("path", SETS, ids=lambda p: p.stem)
def test_do_expert_beats_both_baselines(setup, path):
    engine, texts, grep, fts5 = setup
    questions = bench.load_questions(path)
    assert len(questions) >= 60
    ours = bench.evaluate("do-expert", lambda q: [h.id for h in engine.search(q, limit=10).results], questions, texts)
    g = bench.evaluate("grep", grep.rank, questions, texts)
    f = bench.evaluate("fts5", fts5.rank, questions, texts)
    # the engine was tuned on questions.yaml; the held-out set is the honest (lower) figure
    assert ours["hit3"] >= (0.95 if path.stem == "questions" else 0.85), ours["misses"][:10]
    # hit@3 may tie FTS5 on a held-out set (0.897 each on the sentence set today): a little headroom for docs added
    # later; MRR, which also counts rank 1 and 2, must stay strictly better
    assert ours["hit3"] > g["hit3"] and ours["hit3"] >= f["hit3"] - 0.03
    assert ours["mrr"] > g["mrr"] and ours["mrr"] > f["mrr"]


def test_coverage_signal_flags_off_topic_and_keeps_on_topic(real_engine):
    """covered is false for other products and general programming, true for DO questions. Thresholds leave
    headroom under the measured figures (2026-11-30: kept 0.975 of these sets, flagged 1.00) for reference docs added
    later."""
    on_topic = [d["q"] for p in SETS for d in bench.load_questions(p)]
    off_topic = bench.load_offtopic(ROOT / "benchmarks" / "questions_offtopic.yaml")
    assert len(off_topic) >= 30
    kept, flagged, wrong = bench.coverage_rates(real_engine, on_topic, off_topic)
    assert kept >= 0.94, wrong[:10]
    assert flagged >= 0.90, wrong[:10]
