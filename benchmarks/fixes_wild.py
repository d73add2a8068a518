"""Fixes on real public Durable Object code: how many findings carry edits, and whether applying them breaks
anything. Same corpus and project grouping as review_wild.py.

    python benchmarks/fixes_wild.py [--unsafe] REPO[:SUB,SUB...] ...

For every project with a fixable finding the fix loop runs (safe fixes only, or all with ``--unsafe``) in memory.
Two judges, both from the pinned test toolchain:
- TypeScript's parser: a changed file that parsed cleanly before must parse cleanly after.
- tsc (strict, @cloudflare/workers-types): the project's files are type-checked before and after in a scratch
  folder. The projects' own npm dependencies are absent, so both runs report the same unresolved imports; the
  figure is the diagnostics present after but not before (by file, code and message), which a fix introduced.
Nothing of the reviewed code is stored.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from review_wild import DO_MARKER, export_if_mirror, group_projects, typescript_clean, walk  # noqa: E402
from server.review.fixes import fix_loop  # noqa: E402

_DIAG = re.compile(r"^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$", re.M)


def tsc_diagnostics(tc, files: dict[str, str], work: Path) -> Counter:
    if work.exists():
        subprocess.run(["rm", "-rf", str(work)], check=True)
    work.mkdir(parents=True)
    for p, t in files.items():
        (work / p).parent.mkdir(parents=True, exist_ok=True)
        (work / p).write_text(t)
    (work / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2024"],
                            "types": ["@cloudflare/workers-types"], "strict": True, "noEmit": True,
                            "skipLibCheck": True, "allowJs": False, "jsx": "preserve"},
        "include": ["**/*.ts", "**/*.tsx"], "exclude": ["node_modules"]}))
    tc.link_into(work)
    res = tc.run(["tsc", "--noEmit", "-p", "."], cwd=work, timeout=600)
    return Counter((m.group(1), m.group(2), m.group(3)) for m in _DIAG.finditer(res.stdout))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--unsafe", action="store_true", help="apply unsafe fixes too")
    args = ap.parse_args()
    from toolchain import ensure_toolchain

    tc = ensure_toolchain()
    found, with_edits, applied = Counter(), Counter(), Counter()
    projects = changed_files = syntax_broken = new_tsc = baseline_tsc = 0
    new_examples: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.repos:
            raw, _, subs = spec.partition(":")
            name, base = export_if_mirror(Path(raw).resolve(), Path(tmp))
            groups = group_projects(base, walk(base, [s for s in subs.split(",") if s]))
            for i, (proj, paths) in enumerate(sorted(groups.items())):
                texts = {p.relative_to(base).as_posix(): p.read_bytes().decode("utf-8", "replace") for p in paths}
                if not any(DO_MARKER.search(t) for t in texts.values()):
                    continue
                reviewed = [(p, t) for p, t in texts.items() if not p.endswith(".d.ts")]
                run = fix_loop(reviewed, unsafe=args.unsafe)
                first = run.result if not run.texts else None
                from server.review import review_files
                before = first or review_files(reviewed)
                for f in before.findings:
                    if f.severity != "info":
                        found[f.rule] += 1
                    if f.edits and (args.unsafe or f.fix_safety == "safe"):
                        with_edits[f.rule] += 1
                if not run.texts:
                    continue
                projects += 1
                changed_files += len(run.texts)
                for rules in run.fixed.values():
                    applied.update(rules)
                # syntax judge: files that TypeScript parsed before must still parse
                scratch = Path(tmp) / "syntax"
                scratch.mkdir(exist_ok=True)
                pairs = []
                for j, (p, new) in enumerate(run.texts.items()):
                    ext = Path(p).suffix
                    a, b = scratch / f"{i}-{j}-a{ext}", scratch / f"{i}-{j}-b{ext}"
                    a.write_text(texts[p])
                    b.write_text(new)
                    pairs.append((a, b))
                ok = typescript_clean([x for pair in pairs for x in pair]) or {}
                syntax_broken += sum(1 for a, b in pairs if ok.get(a) and not ok.get(b))
                # type judge
                ts_files = {p: t for p, t in texts.items() if p.endswith((".ts", ".tsx"))}
                d0 = tsc_diagnostics(tc, ts_files, Path(tmp) / "tsc")
                d1 = tsc_diagnostics(tc, {**ts_files, **{p: t for p, t in run.texts.items() if p in ts_files}},
                                     Path(tmp) / "tsc")
                introduced = d1 - d0
                baseline_tsc += sum(d0.values())
                new_tsc += sum(introduced.values())
                new_examples += [f"{name}/{f} {code}: {msg}" for (f, code, msg) in list(introduced)[:3]]
    mode = "all fixes" if args.unsafe else "safe fixes"
    print(f"{'rule':34} {'errors+warnings':>15} {'with ' + mode:>16} {'applied':>8}")
    for rule in sorted(found):
        if with_edits[rule] or applied[rule]:
            print(f"{rule:34} {found[rule]:15} {with_edits[rule]:16} {applied[rule]:8}")
    print(f"projects changed: {projects}, files changed: {changed_files}")
    print(f"changed files that TypeScript parsed before and not after: {syntax_broken}")
    print(f"tsc diagnostics before the fixes (missing npm dependencies, ...): {baseline_tsc}; "
          f"introduced by the fixes: {new_tsc}")
    for line in new_examples[:10]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
