"""The shared analysis layer: DO classes, test code, call graph, branches, taint; and confidence in the output."""

from __future__ import annotations

import pytest

from server.review import review_files
from server.review.analysis.testcode import is_test_path
from server.review.config import ParsedConfig
from server.review.context import ReviewContext
from server.review.output import to_sarif
from server.review.parse import SourceFile, method_name


def _ctx(files: dict[str, str]) -> ReviewContext:
    sources = [SourceFile(p, t) for p, t in files.items() if not p.endswith((".jsonc", ".toml", ".json"))]
    configs = [ParsedConfig(p, t) for p, t in files.items() if p.endswith((".jsonc", ".toml", ".json"))]
    return ReviewContext(sources, configs)


DO_CODE = '''
import { DurableObject } from "cloudflare:workers";
import { Agent as BaseAgent } from "agents";
import { Server } from "partyserver";
import { Actor } from "@cloudflare/actors";
import { Server as HttpServer } from "node:http";

export class Plain extends DurableObject<Env> {}
export class Chat extends BaseAgent<Env> {}
export class Party extends Server<Env> {}
export class Box extends Actor<Env> {}
export class Base extends DurableObject<Env> {}
export class Child extends Base {}
export class Http extends HttpServer {}
class Helper {
  constructor(private state: DurableObjectState, private parent: Plain) {}
  fetch() { return 1; }
}
export class Legacy {
  constructor(state: DurableObjectState, env: Env) {}
  async fetch() { return new Response("ok"); }
}
'''


def test_which_classes_are_durable_objects():
    kinds = {c.name: c.kind for c in _ctx({"src/index.ts": DO_CODE}).do_classes}
    assert kinds == {"Plain": "DurableObject", "Chat": "framework", "Party": "framework", "Box": "framework",
                     "Base": "DurableObject", "Child": "framework", "Legacy": "legacy"}


def test_a_bound_class_is_a_durable_object():
    cfg = '{"name": "x", "main": "src/index.ts", "durable_objects": {"bindings": [{"name": "H", "class_name": "Helper"}]}}'
    names = {c.name for c in _ctx({"src/index.ts": DO_CODE, "wrangler.jsonc": cfg}).do_classes}
    assert "Helper" in names and "Legacy" not in names  # with a config, unbound old-shape classes are helpers


@pytest.mark.parametrize("path,expected", [
    ("src/tests/worker.ts", True), ("packages/x/src/e2e-tests/worker.ts", True), ("src/__tests__/a.ts", True),
    ("src/lifecycle-tests/worker.ts", True), ("fixtures/app/src/index.ts", True), ("src/room.test.ts", True),
    ("src/room.spec.tsx", True), ("vitest.config.ts", True), ("src/index.ts", False), ("src/latest/index.ts", False),
    ("src/contests/index.ts", False),
])
def test_test_code_by_path(path, expected):
    assert is_test_path(path) is expected


def test_a_config_named_by_a_cloudflare_vitest_config_is_test_only():
    ctx = _ctx({
        "vitest.config.ts": 'import { cloudflareTest } from "@cloudflare/vitest-pool-workers";\n'
                            'export default { plugins: [cloudflareTest({ wrangler: { configPath: "./harness/wrangler.jsonc" } })] };',
        "harness/wrangler.jsonc": '{"name": "h"}',
        "wrangler.jsonc": '{"name": "app"}',
    })
    by_path = {c.path: ctx.analysis.tests.config(c) for c in ctx.configs}
    assert by_path == {"harness/wrangler.jsonc": True, "wrangler.jsonc": False}


FLOW_CODE = '''
export class Room extends DurableObject<Env> {
  a(flag: boolean) {
    if (flag) {
      this.ctx.storage.put("x", 1);
    } else {
      this.ctx.storage.put("y", 2);
    }
  }
  b(flag: boolean) {
    if (flag) {
      this.ctx.storage.put("x", 1);
      return;
    }
    this.ctx.storage.put("y", 2);
  }
  c() {
    this.ctx.storage.put("x", 1);
    this.ctx.storage.put("y", 2);
  }
  d() { this.helper(); }
  helper() { hangUp(); }
}
function hangUp() { return 1; }
'''


def test_exclusive_branches_and_early_returns():
    ctx = _ctx({"src/index.ts": FLOW_CODE})
    src = ctx.sources[0]
    puts = ctx.calls_named(src, "put")
    by_method: dict[str, list] = {}
    for p in puts:
        m = p
        while m.type != "method_definition":
            m = m.parent
        by_method.setdefault(method_name(src, m), []).append(p)
    flow = ctx.analysis.flow
    assert flow.exclusive(*by_method["a"]) and flow.exclusive(*by_method["b"])
    assert not flow.exclusive(*by_method["c"])


def test_call_graph_follows_methods_and_module_functions():
    ctx = _ctx({"src/index.ts": FLOW_CODE})
    src = ctx.sources[0]
    cls = ctx.do_classes[0]
    reached = {src.text_of(f.child_by_field_name("name")) for f in ctx.analysis.flow.reachable(src, cls.methods["d"])}
    assert reached == {"d", "helper", "hangUp"}


TAINT_CODE = '''
const ALLOWED = ["a", "b"];
export class Db extends DurableObject<Env> {
  async fetch(request: Request) {
    const { table } = (await request.json()) as { table: string };
    const t = table as keyof Tables;
    this.ctx.storage.sql.exec(`SELECT * FROM ${t}`);
    const checked = new URL(request.url).searchParams.get("k") ?? "";
    if (!ALLOWED.includes(checked)) throw new Error("no");
    this.ctx.storage.sql.exec(`SELECT * FROM ${checked}`);
    const n = Number(new URL(request.url).searchParams.get("n"));
    this.ctx.storage.sql.exec(`SELECT * FROM x LIMIT ${n}`);
  }
  private internal(name: string) {
    this.ctx.storage.sql.exec(`SELECT * FROM ${name}`);
  }
}
'''


def test_taint_sources_casts_and_sanitizers():
    res = review_files([("src/index.ts", TAINT_CODE)])
    got = {(f.line, f.confidence) for f in res.findings if f.rule == "do-sql-interpolation"}
    # the cast table is tainted (high); the allow-listed and numeric ones are not; a private helper's parameter
    # is reported with medium confidence (its callers decide)
    assert got == {(7, "high"), (15, "medium")}


def test_confidence_reaches_findings_and_sarif():
    code = ('export default { async fetch(req: Request, env: Env) {\n'
            '  return env.COUNTER.getByName("global").fetch(req);\n} };\n')
    res = review_files([("src/index.ts", code)])
    f = next(x for x in res.findings if x.rule == "do-global-singleton")
    assert f.confidence == "low" and "real" in f.message
    sarif = to_sarif(res)
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["properties"]["precision"] == "low"
    assert sarif["runs"][0]["results"][0]["properties"]["confidence"] == "low"
    high = review_files([("src/index.ts", 'export class A extends DurableObject {\n  k(ws: WebSocket) { ws.close(1006, "x"); }\n}\n')])
    assert {x.confidence for x in high.findings if x.rule == "do-ws-reserved-close-code"} == {"high"}
