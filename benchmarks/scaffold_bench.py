"""Scaffolding benchmark: render time for every template and style, and (with --toolchain) how long each generated
project takes through tsc --noEmit, vitest run and wrangler deploy --dry-run, plus its review findings.

    python benchmarks/scaffold_bench.py               # rendering only (milliseconds)
    python benchmarks/scaffold_bench.py --toolchain   # also the real toolchain (needs npm once for the cache)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "tests" / "scaffold")]

from server.scaffold import list_templates, scaffold_project, write_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--toolchain", action="store_true", help="run tsc, vitest and wrangler on each project")
    args = parser.parse_args()
    ids = [t.id for t in list_templates().templates]
    rows = []
    tc = None
    if args.toolchain:
        from toolchain import ensure_toolchain

        tc = ensure_toolchain()
    with tempfile.TemporaryDirectory(prefix="scaffold-bench-") as tmp:
        for template in ids:
            for style in ("exports", "migrations"):
                started = time.perf_counter()
                result = scaffold_project(f"{template}-{style}", template, style)
                render_ms = (time.perf_counter() - started) * 1000
                row = {"project": f"{template}/{style}", "files": len(result.files), "render_ms": round(render_ms, 1)}
                if tc is not None:
                    from scaffold_checks import review_project, run_toolchain

                    project = Path(tmp) / f"{template}-{style}"
                    write_files(project, result.files)
                    report = run_toolchain(tc, project)
                    row.update(report.seconds, ok=report.ok, review=len(review_project(project)))
                rows.append(row)
                print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    if tc is not None:
        total = sum(r.get("tsc", 0) + r.get("vitest", 0) + r.get("wrangler", 0) for r in rows)
        print(f"toolchain total: {total:.1f}s for {len(rows)} projects; failures: "
              f"{sum(not r['ok'] for r in rows)}; projects with review findings: {sum(r['review'] > 0 for r in rows)}")
    return 0 if all(r.get("ok", True) for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
