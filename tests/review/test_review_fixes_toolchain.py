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
