"""The clean corpus is not only clean by our rules: it is valid code that the real toolchain accepts. tsc (strict,
@cloudflare/workers-types) type-checks every project in one run, and ``wrangler deploy --dry-run`` builds each one
with its own wrangler config. Uses tests/toolchain.py (skips only without npm; fails under CI=true)."""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from review_fixtures import CLEAN, clean_projects

ANSI = re.compile(r"\x1b\[[0-9;]*m")
NEEDS_PACKAGES = {"hono-api": "hono"}  # bundling needs the package; type-checking uses the shim below

HONO_SHIM = """declare module "hono" {
  type Ctx<E extends { Bindings: unknown }> = {
    env: E["Bindings"];
    req: { param(name: string): string; query(name: string): string | undefined; json<T>(): Promise<T> };
    json(value: unknown, status?: number): Response;
    body(value: null, status?: number): Response;
  };
  export class Hono<E extends { Bindings: unknown }> {
    get(path: string, handler: (c: Ctx<E>) => Promise<Response> | Response): this;
    post(path: string, handler: (c: Ctx<E>) => Promise<Response> | Response): this;
    fetch: (request: Request, env: E["Bindings"], ctx: ExecutionContext) => Promise<Response>;
  }
}
"""


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory, node_toolchain) -> Path:
    root = tmp_path_factory.mktemp("clean") / "clean"
    shutil.copytree(CLEAN, root)
    node_toolchain.link_into(root)
    (root / "shims").mkdir()
    (root / "shims" / "hono.d.ts").write_text(HONO_SHIM)
    (root / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"target": "es2024", "module": "esnext", "moduleResolution": "bundler", "lib": ["es2024"],
                            "types": ["@cloudflare/workers-types"], "strict": True, "noEmit": True,
                            "skipLibCheck": True, "isolatedModules": True},
        "include": ["*/src/**/*.ts", "shims/*.d.ts"],
    }))
    return root


def test_clean_corpus_typechecks(corpus_copy, node_toolchain):
    proc = node_toolchain.run(["tsc", "--noEmit", "-p", "."], cwd=corpus_copy, timeout=300)
    assert proc.returncode == 0, f"tsc rejects the clean corpus:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


def test_wrangler_builds_every_clean_project(corpus_copy, node_toolchain):
    projects = [p.name for p in clean_projects() if p.name not in NEEDS_PACKAGES]

    def build(name: str) -> tuple[str, int, str]:
        proc = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist", "--env="], cwd=corpus_copy / name,
                                  timeout=180, env={"X_DO_EXPORTS": ""})
        return name, proc.returncode, ANSI.sub("", proc.stdout + proc.stderr)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(build, projects))
    failed = [f"{n} (exit {code}):\n{out[-1500:]}" for n, code, out in results if code != 0]
    warned = [f"{n}:\n{out[-1500:]}" for n, code, out in results if code == 0 and "WARNING" in out]
    assert not failed, "wrangler rejects clean projects:\n" + "\n".join(failed)
    assert not warned, "wrangler warns on clean projects:\n" + "\n".join(warned)
