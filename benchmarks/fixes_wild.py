"""Fixes on real public Durable Object code, judged by tsc: do safe fixes ever break a project that type-checked?

    python benchmarks/fixes_wild.py [--mutate] [--limit N] REPO[:SUB,SUB...] ...

Same corpus and project grouping as review_wild.py. Two parts, in one run:

1. The real code as it is. For every project with a finding that carries edits, the fix loop runs twice in memory:
   safe fixes only, then all fixes (``--unsafe-fixes``). The project is type-checked before and after each.
2. ``--mutate``: mutation testing. The real code triggers few fixable findings (the fixes repair mistakes that
   released code rarely has), so a figure over it alone says little. Here every project file that tsc reports
   nothing in is mutated mechanically (``fix_mutations.py``: strip ``IF NOT EXISTS``, bindings into an array,
   ``transactionSync`` back to ``BEGIN``/``COMMIT``, ``export`` dropped from a bound class, ``await`` dropped
   before an RPC call); files whose mutant tsc rejects are left as they were. The mutant is reviewed, fixed (safe
   only, then all), and type-checked again: a fix breaks it when tsc reports any diagnostic the original did not
   have. Mutated files that the safe fixes give back byte for byte are counted too.

tsc: strict, ``@cloudflare/workers-types`` (or the project's own ``wrangler types`` output when it declares the
runtime), with the test toolchain's node_modules (workers-types, agents, partyserver, @cloudflare/actors, ai,
vitest); the projects' other npm dependencies are not installed. The program is the project's non-test .ts/.tsx
files and every .d.ts (plus any test file a fix changed). In part 1 only projects tsc accepts whole before
count for the headline ("safe fixes that break tsc"); the others are listed with the reason (usually a missing npm
package). A project is broken by a fix when tsc reports any diagnostic after it that it did not before. Nothing of the reviewed code is stored.
"""

from __future__ import annotations

import argparse
import json
import posixpath
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from fix_mutations import OPERATORS, SAFE_RULE, mutate  # noqa: E402
from review_wild import DO_MARKER, export_if_mirror, group_projects, walk  # noqa: E402
from server.review import review_files  # noqa: E402
from server.review.config import ParsedConfig, is_config_path  # noqa: E402
from server.review.fixes import fix_loop  # noqa: E402
from server.review.parse import SourceFile  # noqa: E402

_DIAG = re.compile(r"^(.+?)\(\d+,\d+\): error (TS\d+): (.*)$", re.M)
_MISSING = re.compile(r"Cannot find module '([^']+)'")
_TEST = re.compile(r"(^|/)(test|tests|__tests__|e2e)/|\.(test|spec)\.[mc]?[jt]sx?$|\.config\.[mc]?[jt]s$")  # tests, tool configs
_LOCAL_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}/[^"'\n]{1,300})["']""")
_RESOLVE = ("", ".ts", ".tsx", ".d.ts", "/index.ts", "/index.tsx")
_RUNTIME_DECL = re.compile(r"declare module ['\"]cloudflare:workers['\"]")


@dataclass
class Tsc:
    diags: Counter = field(default_factory=Counter)
    note: str = ""

    @property
    def clean(self) -> bool:
        return not self.diags and not self.note

    def reason(self) -> str:
        if self.note:
            return self.note
        missing = sorted({m.group(1) for (_, code, msg) in self.diags for m in [_MISSING.search(msg)] if m})
        if missing:
            return "missing npm packages: " + ", ".join(missing[:4]) + (" ..." if len(missing) > 4 else "")
        codes = Counter(code for (_, code, _) in self.diags)
        return f"{sum(self.diags.values())} diagnostics ({', '.join(f'{c} x{n}' for c, n in codes.most_common(3))})"


def program(texts: dict[str, str], changed: set[str] = frozenset()) -> dict[str, str]:
    """The files tsc checks: TypeScript, or for a project without any, its JavaScript (checked with checkJs)."""
    ts_only = any(p.endswith((".ts", ".tsx", ".mts")) and not p.endswith(".d.ts") for p in texts)
    exts = (".ts", ".tsx", ".mts") if ts_only else (".ts", ".js", ".mjs")
    return {p: t for p, t in texts.items() if p.endswith(exts)
            and (p.endswith(".d.ts") or not _TEST.search(p) or p in changed)}


_OWN_OPTIONS = ("target", "lib", "strict", "noImplicitAny", "strictNullChecks", "useDefineForClassFields",
                "experimentalDecorators", "jsx", "jsxImportSource", "noImplicitOverride", "exactOptionalPropertyTypes",
                "noUncheckedIndexedAccess", "allowImportingTsExtensions", "noPropertyAccessFromIndexSignature")


def own_options(base: Path, project: str) -> dict:
    """The checking options of the project's own tsconfig (nearest one up to the repository root, following a
    relative ``extends``): the same code can be right under the authors' settings and wrong under others."""
    import json5

    d = base / project
    while True:
        cfg = d / "tsconfig.json"
        if cfg.is_file() or d == base or base not in d.parents:
            break
        d = d.parent
    opts: dict = {}
    found = cfg.is_file()
    for _ in range(4):
        if not cfg.is_file():
            break
        try:
            data = json5.loads(cfg.read_text())
        except Exception:  # an unreadable tsconfig: fall back to the defaults
            break
        for k, v in (data.get("compilerOptions") or {}).items():
            if k in _OWN_OPTIONS:
                opts.setdefault(k, v)  # the nearest tsconfig wins over the one it extends
        ext = data.get("extends")
        if not isinstance(ext, str) or not ext.startswith("."):
            break
        cfg = (cfg.parent / ext).resolve()
        cfg = cfg if cfg.suffix == ".json" else cfg.with_suffix(".json")
    if found:
        opts.setdefault("strict", False)  # tsc's default when the project's tsconfig does not turn it on
    if isinstance(opts.get("lib"), list):
        opts["lib"] = [x for x in opts["lib"] if isinstance(x, str) and x.lower() != "dom"] or ["es2024"]
    return opts


def tsc(tc, files: dict[str, str], work: Path, options: dict | None = None) -> Tsc:
    if not any(not p.endswith(".d.ts") for p in files):
        return Tsc(note="no TypeScript or JavaScript files")
    js = any(p.endswith((".js", ".mjs")) for p in files)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for p, t in files.items():
        (work / p).parent.mkdir(parents=True, exist_ok=True)
        (work / p).write_text(t)
    own_runtime = any(p.endswith(".d.ts") and _RUNTIME_DECL.search(t) for p, t in files.items())
    (work / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2024"],
                            "types": [] if own_runtime else ["@cloudflare/workers-types"], "strict": True,
                            "noEmit": True, "skipLibCheck": True, "allowJs": js, "checkJs": js, "jsx": "react-jsx",
                            "resolveJsonModule": True, "allowArbitraryExtensions": True, **(options or {})},
        "include": ["**/*.ts", "**/*.tsx", "**/*.mts"] + (["**/*.js", "**/*.mjs"] if js else []),
        "exclude": ["node_modules"]}))
    tc.link_into(work)
    res = tc.run(["tsc", "--noEmit", "-p", "."], cwd=work, timeout=600)
    diags = Counter((m.group(1), m.group(2), m.group(3)) for m in _DIAG.finditer(res.stdout))
    if res.returncode != 0 and not diags:
        diags[("<tsc>", "TS0", (res.stdout + res.stderr).strip()[:200])] += 1
    return Tsc(diags)


def with_local_imports(base: Path, texts: dict[str, str], limit: int = 400) -> dict[str, str]:
    """The project's files plus every repository file they reach by a relative import (a monorepo example that
    imports ``../../packages/core/src``), so tsc sees what the project's own build sees."""
    out = dict(texts)
    queue = [p for p in texts if p.endswith((".ts", ".tsx", ".mts"))]
    while queue and len(out) < limit:
        path = queue.pop()
        for m in _LOCAL_IMPORT.finditer(out[path]):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(path), m.group(1)))
            stems = [target] + ([target[:-3]] if target.endswith(".js") else [])
            for cand in (st + ext for st in stems for ext in _RESOLVE):
                if cand in out:
                    break
                f = base / cand
                if cand.endswith((".ts", ".tsx")) and not cand.startswith("..") and f.is_file():
                    out[cand] = f.read_text(errors="replace")
                    queue.append(cand)
                    break
    return out


def env_types(tc, texts: dict[str, str], work: Path) -> dict[str, str]:
    """``worker-configuration.d.ts`` as ``wrangler types`` writes it (the ``Env`` interface, runtime types from
    workers-types), for each config of a project that does not commit its own: what ``npm run cf-typegen`` gives
    the project's authors."""
    if any(p.endswith(".d.ts") and "interface Env" in t for p, t in texts.items()):
        return {}
    out = {}
    for path in [p for p in texts if is_config_path(p)]:
        if work.exists():
            shutil.rmtree(work)
        for p, t in texts.items():
            (work / p).parent.mkdir(parents=True, exist_ok=True)
            (work / p).write_text(t)
        dts = posixpath.join(posixpath.dirname(path), "worker-configuration.d.ts")
        res = tc.run(["wrangler", "types", dts, "--include-runtime=false", "--config", path], cwd=work, timeout=300)
        if res.returncode == 0 and (work / dts).is_file():
            out[dts] = (work / dts).read_text()
    return out


def projects(specs: list[str], tmp: Path):
    """(repo name, project folder name, {path: text}) for every project with Durable Object code."""
    for spec in specs:
        raw, _, subs = spec.partition(":")
        name, base = export_if_mirror(Path(raw).resolve(), tmp)
        groups = group_projects(base, walk(base, [s for s in subs.split(",") if s]))
        for proj, paths in sorted(groups.items()):
            texts = {p.relative_to(base).as_posix(): p.read_bytes().decode("utf-8", "replace") for p in paths}
            if any(DO_MARKER.search(t) for t in texts.values()):
                yield name, (proj.relative_to(base).as_posix() or "."), texts, base


def context_files(tc, base: Path, texts: dict[str, str], tmp: Path) -> dict[str, str]:
    """Files tsc needs beside the project's own: repository files reached by relative imports, generated Env."""
    extra = {p: t for p, t in with_local_imports(base, texts).items() if p not in texts}
    return {**extra, **env_types(tc, {**texts, **extra}, tmp / "types")}


def reviewed(texts: dict[str, str]) -> list[tuple[str, str]]:
    return [(p, t) for p, t in texts.items() if not p.endswith(".d.ts")]


def fixed(texts: dict[str, str], unsafe: bool):
    run = fix_loop(reviewed(texts), unsafe=unsafe)
    return {**texts, **run.texts}, run


def after_status(before: Tsc, after: Tsc | None) -> str:
    """tsc after a fix, against before: clean, or how many diagnostics the fix added."""
    if after is None:
        return "-"
    if after.clean or after.note:
        return after.note or "clean"
    new = sum((after.diags - before.diags).values())
    return f"{new} new diagnostic(s)" if new else f"no new diagnostic ({sum(after.diags.values())} as before)"


def real_corpus(tc, specs: list[str], tmp: Path) -> None:
    rows, totals = [], Counter()
    for repo, proj, texts, base in projects(specs, tmp):
        totals["projects"] += 1
        findings = review_files(reviewed(texts)).findings
        safe = sum(1 for f in findings if f.edits and f.fix_safety == "safe")
        unsafe = sum(1 for f in findings if f.edits and f.fix_safety == "unsafe")
        totals["safe findings"] += safe
        totals["unsafe findings"] += unsafe
        if not safe and not unsafe:
            continue
        extra = context_files(tc, base, texts, tmp)
        opts = own_options(base, proj)
        before = tsc(tc, {**extra, **program(texts)}, tmp / "tsc", opts)
        after_safe, run_s = fixed(texts, unsafe=False)
        after_all, run_a = fixed(texts, unsafe=True)
        t_safe = tsc(tc, {**extra, **program(after_safe, set(run_s.texts))}, tmp / "tsc", opts) if run_s.texts else None
        t_all = tsc(tc, {**extra, **program(after_all, set(run_a.texts))}, tmp / "tsc", opts) if run_a.texts else None
        n_safe = sum(len(v) for v in run_s.fixed.values())
        n_all = sum(len(v) for v in run_a.fixed.values())
        rows.append((f"{repo}/{proj}", "clean" if before.clean else before.reason(),
                     n_safe, after_status(before, t_safe), n_all, after_status(before, t_all)))
        totals["safe applied"] += n_safe
        totals["all applied"] += n_all
        if before.clean:
            totals["clean before"] += 1
            totals["safe broke"] += bool(t_safe and not t_safe.clean)
            totals["all broke"] += bool(t_all and not t_all.clean)
        else:
            totals["new diagnostics, others"] += sum((t_all.diags - before.diags).values()) if t_all else 0
    print(f"## Real code as it is: {totals['projects']} Durable Object projects, "
          f"{totals['safe findings']} findings with a safe fix, {totals['unsafe findings']} with an unsafe fix\n")
    print("| project | tsc before | safe fixes applied | tsc after | all fixes applied | tsc after |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(x) for x in r) + " |")
    print(f"\nsafe fixes applied: {totals['safe applied']}; all fixes applied: {totals['all applied']}; projects tsc "
          f"accepted before: {totals['clean before']}; of those broken by safe fixes: {totals['safe broke']}, "
          f"by all fixes: {totals['all broke']}; new diagnostics after all fixes in the other projects: "
          f"{totals['new diagnostics, others']}\n")


def _mutant(texts: dict[str, str], allowed: set[str]) -> tuple[dict[str, str], dict[str, Counter]]:
    """Every mutation site of the ``allowed`` files rewritten; the sites per file by operator."""
    configs = [ParsedConfig(p, t) for p, t in texts.items() if is_config_path(p)]
    bound = {b.class_name for c in configs for _, b in c.all_bindings() if not b.script_name}
    mains = {c.main_path for c in configs if c.main_path}
    mains |= {m[:-3] + ".ts" for m in mains if m.endswith(".js")}
    out, sites = dict(texts), {}
    for path in sorted(allowed):
        src = SourceFile(path, texts[path])
        if src.has_errors or src.recovered:
            continue
        others = {n for n in bound if any(n in t and re.search(r"\bimport\b[^;]{0,400}\b" + re.escape(n) + r"\b", t)
                                          for q, t in texts.items() if q != path)}
        new, kept = mutate(src, bound, others, path in mains)
        if kept:
            out[path] = new
            sites[path] = Counter(s.operator for s in kept)
    return out, sites


def _in_files(diags: Counter, paths: set[str]) -> Counter:
    return Counter({k: n for k, n in diags.items() if k[0] in paths})


def mutation(tc, specs: list[str], tmp: Path, limit: int) -> None:
    """File-level: a file is a mutation target when tsc reports nothing in it (the project as a whole may miss an
    npm package elsewhere); a fix breaks it when tsc reports anything new after the fix (anywhere)."""
    sites_total, applied, t = Counter(), Counter(), Counter()
    skipped, unrestored = Counter(), []
    for repo, proj, texts, base in projects(specs, tmp):
        targets = {p for p in texts if p.endswith((".ts", ".mts")) and not p.endswith(".d.ts") and not _TEST.search(p)}
        if not _mutant(texts, targets)[1]:
            continue
        t["candidates"] += 1
        if t["mutants"] >= limit:
            skipped["over --limit"] += 1
            continue
        extra = context_files(tc, base, texts, tmp)
        opts = own_options(base, proj)
        before = tsc(tc, {**extra, **program(texts)}, tmp / "tsc", opts)
        if before.note:
            skipped[before.note] += 1
            continue
        clean_files = {p for p in targets if not _in_files(before.diags, {p})}
        mutant, sites = _mutant(texts, clean_files)
        for _ in range(2):  # drop the files whose mutation tsc rejects, once
            if not sites:
                break
            got = tsc(tc, {**extra, **program(mutant)}, tmp / "tsc", opts).diags - before.diags
            if not got:
                break
            bad = {k[0] for k in got}
            mutant, sites = _mutant(texts, clean_files - bad)
        else:
            sites = {}
        if not sites:
            skipped["no tsc-clean file with a site, or tsc rejects the mutant"] += 1
            continue
        t["mutants"] += 1
        t["mutated files"] += len(sites)
        t["clean projects"] += before.clean
        for c in sites.values():
            sites_total.update(c)
        for unsafe in (False, True):
            key = "all" if unsafe else "safe"
            after, run = fixed(mutant, unsafe)
            for rules in run.fixed.values():
                applied.update((key, r) for r in rules)
            if not run.texts:
                continue
            t[f"{key} projects"] += 1
            new = tsc(tc, {**extra, **program(after, set(run.texts))}, tmp / "tsc", opts).diags - before.diags
            if new:
                t[f"{key} broke"] += 1
                print(f"  {key} fixes added tsc diagnostics in {repo}/{proj}: {list(new)[:2]}")
            if not unsafe:
                restored = [p for p in sites if after[p] == texts[p]]
                t["restored"] += len(restored)
                unrestored += [(f"{repo}/{p}", dict(sites[p])) for p in sites if p not in restored]
    print(f"## Mutation testing: {t['candidates']} projects with a mutation site; {t['mutants']} mutated "
          f"({t['mutated files']} files tsc accepted before, in {t['clean projects']} projects tsc accepts whole)\n")
    for why, n in sorted(skipped.items()):
        print(f"- skipped, {why}: {n}")
    print("\n| mutation | sites injected | rule | safe fixes applied | all fixes applied |")
    print("|---|---|---|---|---|")
    for op in OPERATORS:
        rule = SAFE_RULE[op]
        print(f"| {op} | {sites_total[op]} | {rule} | {applied[('safe', rule)]} | {applied[('all', rule)]} |")
    for rule in sorted({r for (_, r) in applied} - set(SAFE_RULE.values())):
        print(f"| (not injected) | - | {rule} | {applied[('safe', rule)]} | {applied[('all', rule)]} |")
    print(f"\nmutants changed by safe fixes: {t['safe projects']}, with a new tsc diagnostic: {t['safe broke']}; "
          f"by all fixes: {t['all projects']}, with a new tsc diagnostic: {t['all broke']}; mutated files restored "
          f"byte for byte by the safe fixes: {t['restored']} of {t['mutated files']}")
    for path, ops in unrestored:
        print(f"  not restored: {path} {ops}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--mutate", action="store_true", help="also run the mutation test")
    ap.add_argument("--limit", type=int, default=1000, help="at most this many mutants")
    args = ap.parse_args()
    from toolchain import ensure_toolchain

    tc = ensure_toolchain()
    with tempfile.TemporaryDirectory() as tmp:
        real_corpus(tc, args.repos, Path(tmp))
        if args.mutate:
            mutation(tc, args.repos, Path(tmp), args.limit)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
