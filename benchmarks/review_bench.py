"""Review engine figures for the README: recall over all rule fixtures, false positives over the clean corpus, and
speed (lines per second) of a full review of a large generated file against tree-sitter's bare parse of the same
file, measured in the same run.

    python benchmarks/review_bench.py [--lines 50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "review"))

import tree_sitter as ts  # noqa: E402

from review_fixtures import cases, clean_projects, expected, read_case  # noqa: E402
from table import print_figures  # noqa: E402
from server.review import review_files  # noqa: E402
from server.search.corpus import reference_files  # noqa: E402
from server.review.parse import TS_LANGUAGE  # noqa: E402
from server.review.rules import RULES  # noqa: E402

# One DO class per block, mixing idioms and a few findings so every rule has work to do.
BLOCK = '''
export class Room{i} extends DurableObject<Env> {{
  private sessions = new Map<WebSocket, string>();
  constructor(ctx: DurableObjectState, env: Env) {{
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at INTEGER)");
  }}
  async fetch(request: Request): Promise<Response> {{
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({{ name: new URL(request.url).searchParams.get("name") ?? "anon" }});
    return new Response(null, {{ status: 101, webSocket: client }});
  }}
  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {{
    this.ctx.storage.sql.exec("INSERT INTO messages (body, at) VALUES (?, ?)", String(message), Date.now());
    for (const peer of this.ctx.getWebSockets()) peer.send(message);
  }}
  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {{
    ws.close(code, reason);
  }}
  recent(limit: number) {{
    return this.ctx.storage.sql.exec(`SELECT * FROM messages ORDER BY id DESC LIMIT ${{limit}}`).toArray();
  }}
  async alarm(): Promise<void> {{
    const n = this.ctx.storage.sql.exec<{{ n: number }}>("SELECT COUNT(*) AS n FROM messages").one().n;
    if (n > 1000) this.ctx.storage.sql.exec("DELETE FROM messages WHERE id IN (SELECT id FROM messages ORDER BY id LIMIT 100)");
    await this.ctx.storage.setAlarm(Date.now() + 60_000);
  }}
}}
'''


def recall() -> tuple[int, int, int]:
    found = total = fps = 0
    for rule_id in RULES:
        for case in cases(rule_id):
            files = read_case(case)
            want = {e for e in expected(case, files) if e[2] == rule_id}
            got = {(f.path, f.line, f.rule) for f in review_files(files).findings if f.rule == rule_id}
            total += len(want)
            found += len(want & got)
            fps += len(got - want)
    return found, total, fps


def clean_fp() -> tuple[int, int, int, int]:
    projects = clean_projects()
    files = sum(1 for p in projects for f, _ in read_case(p) if f.endswith(".ts"))
    noisy = info = 0
    for p in projects:
        for f in review_files(read_case(p)).findings:
            if f.severity == "info":
                info += 1
            else:
                noisy += 1
    return len(projects), files, noisy, info


def reference_examples() -> tuple[int, int, int]:
    """Independent precision check: the complete TypeScript examples in references/*.md (written by another
    engineer, mostly idiomatic, a few marked bad) reviewed as-is. Returns (blocks, errors, warnings)."""
    import re

    fence = re.compile(r"^```(?:ts|typescript)\s*$")
    blocks = errors = warnings = 0
    for path in reference_files(ROOT / "references"):
        lines = path.read_text().split("\n")
        i = 0
        while i < len(lines):
            if fence.match(lines[i]):
                j = i + 1
                while j < len(lines) and not lines[j].startswith("```"):
                    j += 1
                blocks += 1
                for f in review_files([(f"{path.stem}.ts", "\n".join(lines[i + 1:j]))]).findings:
                    errors += f.severity == "error"
                    warnings += f.severity == "warning"
                i = j
            i += 1
    return blocks, errors, warnings


def speed(lines: int, repeat: int) -> tuple[int, float, float, int]:
    block_lines = BLOCK.count("\n")
    text = 'import { DurableObject } from "cloudflare:workers";\n' + "".join(
        BLOCK.format(i=i) for i in range(max(1, lines // block_lines)))
    n_lines = text.count("\n")
    data = text.encode()
    parse_best = review_best = float("inf")
    findings = 0
    for _ in range(repeat):
        t = time.perf_counter()
        ts.Parser(TS_LANGUAGE).parse(data)
        parse_best = min(parse_best, time.perf_counter() - t)
        t = time.perf_counter()
        res = review_files([("src/generated.ts", text)])
        review_best = min(review_best, time.perf_counter() - t)
        findings = len(res.findings)
    return n_lines, n_lines / parse_best, n_lines / review_best, findings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    found, total, extra = recall()
    projects, files, noisy, info = clean_fp()
    blocks, ref_errors, ref_warnings = reference_examples()
    n_lines, parse_lps, review_lps, findings = speed(args.lines, args.repeat)
    rows = [
        ("rules", f"{len(RULES)}"),
        ("recall over fixtures", f"{found}/{total} marked lines ({100 * found / max(total, 1):.1f}%), {extra} unmarked extra"),
        ("false positives, clean corpus", f"{noisy} errors/warnings ({info} info) over {projects} projects, {files} TS files"),
        ("reference examples (independent)", f"{ref_errors} errors, {ref_warnings} warnings over {blocks} complete TS blocks in references/"),
        ("generated file", f"{n_lines} lines, {findings} findings"),
        ("tree-sitter bare parse", f"{parse_lps:,.0f} lines/s"),
        ("full review", f"{review_lps:,.0f} lines/s"),
        ("review / parse time ratio", f"{parse_lps / review_lps:.1f}x"),
    ]
    print_figures(rows)


if __name__ == "__main__":
    main()
