"""Fixable share of findings, per rule: over every `bad*` rule fixture, how many findings carry edits (safe or
unsafe), and whether applying them (all of them, in the fix loop) removes the rule's findings without adding a
syntax error. Rules with no findings in the fixtures are left out.

    python benchmarks/fixable_share.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "review"))

from review_fixtures import cases, read_case  # noqa: E402
from server.review import review_files  # noqa: E402
from server.review.fixes import fix_loop  # noqa: E402
from server.review.rules import RULES  # noqa: E402


def main() -> int:
    found, safe, unsafe, left_after = Counter(), Counter(), Counter(), Counter()
    broke = 0
    for rule_id in RULES:
        for case in cases(rule_id):
            if not case.name.startswith("bad"):
                continue
            files = read_case(case)
            result = review_files(files)
            for f in result.findings:
                found[f.rule] += 1
                if f.edits:
                    (safe if f.fix_safety == "safe" else unsafe)[f.rule] += 1
            if not any(f.edits for f in result.findings):
                continue
            run = fix_loop(files, unsafe=True)
            broke += len(run.refused) + sum(f.rule == "do-syntax-error" for f in run.result.findings) - \
                sum(f.rule == "do-syntax-error" for f in result.findings)
            # findings of a fixed rule still there afterwards, beyond the ones that had no edits to begin with
            before = Counter(f.rule for f in result.findings)
            without_edits = Counter(f.rule for f in result.findings if not f.edits)
            after = Counter(f.rule for f in run.result.findings)
            for rule in {f.rule for f in result.findings if f.edits}:
                left_after[rule] += max(0, after[rule] - without_edits[rule]) if before[rule] else 0
    print(f"{'rule':34} {'findings':>8} {'safe':>5} {'unsafe':>6} {'fixable':>8} {'left after fix':>14}")
    total = Counter()
    for rule_id in sorted(found):
        n, s, u = found[rule_id], safe[rule_id], unsafe[rule_id]
        total.update(findings=n, safe=s, unsafe=u)
        print(f"{rule_id:34} {n:8} {s:5} {u:6} {(s + u) / n:8.0%} {left_after[rule_id]:14}")
    n = total["findings"]
    print(f"{'all rules':34} {n:8} {total['safe']:5} {total['unsafe']:6} {(total['safe'] + total['unsafe']) / n:8.0%}"
          f" {sum(left_after.values()):14}")
    print(f"fixes refused or adding a syntax error: {broke}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
