"""Fixed code still compiles: every fix case, before and after, type-checks with tsc (strict, the pinned
@cloudflare/workers-types) in one run. Uses tests/toolchain.py (skips only without npm; fails under CI=true)."""

from __future__ import annotations

import json

from fix_cases import CASES, WRANGLER
from server.review import review_files
from server.review.fixes import fix_texts

# one global Env for all the case folders; the stub type comes from the await-rpc case (it defines increment())
ENV_DTS = 'interface Env {\n  COUNTER: DurableObjectNamespace<import("./await-rpc-after/src/index").Counter>;\n}\n'


def test_fixed_cases_typecheck(tmp_path, node_toolchain):
    for case in CASES:
        files = {case.path: case.before, "wrangler.jsonc": WRANGLER}
        changed, _ = fix_texts(files, review_files(list(files.items())).findings, unsafe=True)
        for tag, text in (("before", case.before), ("after", changed.get(case.path, case.before))):
            target = tmp_path / f"{case.id}-{tag}" / case.path
            target.parent.mkdir(parents=True)
            target.write_text(text)
        assert changed.get(case.path) == case.after, case.id  # the file tsc checks is the fix's real output
    (tmp_path / "env.d.ts").write_text(ENV_DTS)
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2024"],
                            "types": ["@cloudflare/workers-types"], "strict": True, "noEmit": True,
                            "skipLibCheck": True, "isolatedModules": True},
        "include": ["*/src/**/*.ts", "env.d.ts"],
    }))
    node_toolchain.link_into(tmp_path)
    proc = node_toolchain.run(["tsc", "--noEmit", "-p", "."], cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, f"tsc rejects fixed code:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


def test_fixes_on_rule_fixtures_introduce_no_tsc_diagnostic(tmp_path, node_toolchain):
    """Every `bad*` rule fixture with a fixable finding, fixed by the whole loop (unsafe fixes included), then
    type-checked before and after in one tsc run each. The fixtures are excerpts (some name an undeclared `Env`),
    so both runs have diagnostics; only diagnostics that appear after the fixes count, and there must be none."""
    import re

    from review_fixtures import cases, read_case
    from server.review.fixes import fix_loop
    from server.review.rules import RULES

    diag = re.compile(r"^(?:before|after)/(.+?)\(\d+,\d+\): error (TS\d+): (.*)$", re.M)
    fixed_cases = 0
    for rule_id in RULES:
        for case in cases(rule_id):
            if not case.name.startswith("bad"):
                continue
            files = read_case(case)
            run = fix_loop(files, unsafe=True)
            if not run.texts:
                continue
            fixed_cases += 1
            for tag, texts in (("before", dict(files)), ("after", {**dict(files), **run.texts})):
                for path, text in texts.items():
                    if path.endswith((".ts", ".tsx")):
                        target = tmp_path / tag / f"{rule_id}-{case.name}" / path
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_text(text)
    assert fixed_cases >= 8
    # the fixtures assume the global `Env` that `wrangler types` generates; declare a loose one for both runs
    (tmp_path / "env.d.ts").write_text("interface Env {\n  [binding: string]: any;\n}\n")
    (tmp_path / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2024"],
                            "types": ["@cloudflare/workers-types"], "strict": True, "noEmit": True,
                            "skipLibCheck": True, "isolatedModules": True},
        "include": ["before/**/*.ts", "after/**/*.ts", "before/**/*.tsx", "after/**/*.tsx", "env.d.ts"],
    }))
    node_toolchain.link_into(tmp_path)
    proc = node_toolchain.run(["tsc", "--noEmit", "-p", "."], cwd=tmp_path, timeout=300)
    from collections import Counter

    found = {tag: Counter((m.group(1), m.group(2), m.group(3)) for m in diag.finditer(proc.stdout)
                          if m.group(0).startswith(tag)) for tag in ("before", "after")}
    introduced = found["after"] - found["before"]
    assert not introduced, "\n".join(f"{p} {c}: {m}" for p, c, m in introduced)


def test_config_fixes_build_with_wrangler(tmp_path, node_toolchain):
    """Each config the do-binding-without-migration fix writes (JSONC and TOML, migrations and exports) is accepted
    by `wrangler deploy --dry-run`, without wrangler's warning about bound classes that nothing declares (which the
    config before the fix does get, where wrangler can tell: when it declares no class at all)."""
    from test_review_config_fixes import CONFIG_CASES, SRC

    warning = "you have configured `durable_objects` exported by this Worker"
    runs = [(case, "after", path, after) for case, (path, _b, after) in sorted(CONFIG_CASES.items())]
    runs += [(case, "before", path, before) for case, (path, before, _a) in CONFIG_CASES.items() if "nothing" in case]
    for case, tag, path, text in runs:
        project = tmp_path / f"{case}-{tag}"
        (project / "src").mkdir(parents=True)
        (project / "src" / "index.ts").write_text(SRC)
        (project / path).write_text(text)
        node_toolchain.link_into(project)
        proc = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=project, timeout=300)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, f"{case} {tag}: wrangler rejects the config\n{out[-4000:]}"
        assert (warning in out) == (tag == "before"), f"{case} {tag}:\n{out[-4000:]}"
