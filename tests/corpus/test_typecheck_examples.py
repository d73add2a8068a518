"""Type-check every TypeScript example in ``references/*.md`` with the pinned tsc and @cloudflare/workers-types.

Code-block conventions (see the doc writers' brief):

- ```` ```ts ````            a complete module; checked as-is (each block is its own module).
- ```` ```ts fragment ````   statements; placed inside ``async function`` that declares ``ctx: DurableObjectState``,
                             ``sql: SqlStorage``, ``storage: DurableObjectStorage``, ``env: any``,
                             ``request: Request`` and ``ws: WebSocket``. ``await`` is allowed. Leading
                             ``import`` lines are hoisted to module level.
- ```` ```ts nocheck ````    deliberately broken code; skipped, but counted.

Wrangler config blocks (```` ```jsonc ````, ```` ```json ```` or ```` ```toml ```` that are not a tsconfig or package.json) are
validated against the pinned wrangler's ``config-schema.json``.

All checked blocks go into one temporary TS project (strict, types: @cloudflare/workers-types and
@cloudflare/vitest-plugin/types), tsc runs once, and each error is reported as ``references/<doc>.md:<line>``.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "references"

TS_LANGS = {"ts", "typescript", "tsx", "mts", "cts"}
MODES = {"": "module", "fragment": "fragment", "nocheck": "nocheck"}

FRAGMENT_PARAMS = (
    "ctx: DurableObjectState, sql: SqlStorage, storage: DurableObjectStorage, "
    "env: any, request: Request, ws: WebSocket"
)

TSCONFIG = {
    "compilerOptions": {
        "target": "es2024",
        "module": "esnext",
        "moduleResolution": "bundler",
        "lib": ["es2024"],
        "types": ["@cloudflare/workers-types", "@cloudflare/vitest-plugin/types"],
        "strict": True,
        "noEmit": True,
        "skipLibCheck": True,
        "moduleDetection": "force",
        "isolatedModules": True,
        "allowUnreachableCode": True,
        "allowUnusedLabels": True,
    },
    "include": ["blocks/*.ts"],
}


@dataclass
class Block:
    doc: str  # file name, e.g. "sqlite-storage.md"
    line: int  # 1-based line of the opening fence
    info: str  # full info string, e.g. "ts fragment"
    lang: str
    mode: str | None  # "module" | "fragment" | "nocheck" | None (unknown modifier)
    code: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"references/{self.doc}:{self.line}"


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


def extract_blocks(path: Path) -> list[Block]:
    """All fenced code blocks of a Markdown file (any language), with the line of their opening fence."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, indent, info = m.group("fence"), len(m.group("indent")), m.group("info").strip()
        words = info.split()
        lang = words[0].lower() if words else ""
        modifier = " ".join(words[1:])
        block = Block(doc=path.name, line=i + 1, info=info, lang=lang, mode=MODES.get(modifier))
        i += 1
        while i < len(lines):
            close = re.match(r"^[ \t]*(`{3,}|~{3,})[ \t]*$", lines[i])
            if close and close.group(1)[0] == fence[0] and len(close.group(1)) >= len(fence):
                break
            text = lines[i]
            strip = min(indent, len(text) - len(text.lstrip(" \t")))
            block.code.append(text[strip:])
            i += 1
        i += 1  # past the closing fence (or EOF)
        blocks.append(block)
    return blocks


def ts_blocks(docs: list[Path]) -> list[Block]:
    return [b for d in docs for b in extract_blocks(d) if b.lang in TS_LANGS]


_IMPORT_START = re.compile(r"^\s*import\s")


def render(block: Block) -> tuple[list[str], list[int]]:
    """The TS source for a block and, per generated line, the Markdown line it came from (0 = harness)."""
    fence = block.line
    if block.mode == "module":
        return list(block.code), [fence + 1 + k for k in range(len(block.code))]
    # fragment: hoist leading import statements (possibly multi-line) to module level
    imports: list[tuple[str, int]] = []
    body: list[tuple[str, int]] = []
    k = 0
    code = block.code
    while k < len(code):
        if _IMPORT_START.match(code[k]) and not body:
            while True:
                imports.append((code[k], fence + 1 + k))
                done = code[k].rstrip().endswith(";") or re.search(r"""from\s+["'][^"']+["']\s*;?\s*$""", code[k])
                k += 1
                if done or k >= len(code):
                    break
            continue
        if body or code[k].strip():
            body.append((code[k], fence + 1 + k))
        k += 1
    src = [t for t, _ in imports] + ["export {};", f"export async function __fragment({FRAGMENT_PARAMS}) {{"]
    lines = [n for _, n in imports] + [0, 0]
    src += [t for t, _ in body] + ["}"]
    lines += [n for _, n in body] + [0]
    return src, lines


_ERROR = re.compile(r"^(?P<file>[^()\s][^()]*)\((?P<line>\d+),(?P<col>\d+)\): error (?P<code>TS\d+): (?P<msg>.*)$")


def run_tsc(blocks: list[Block], workdir: Path, toolchain) -> tuple[dict[str, list[str]], str]:
    """Write the checked blocks into a TS project, run tsc once, return {doc: [errors]} and the raw output."""
    (workdir / "blocks").mkdir(parents=True, exist_ok=True)
    (workdir / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2))
    toolchain.link_into(workdir)
    maps: dict[str, tuple[Block, list[int]]] = {}
    for n, b in enumerate(blocks):
        src, lines = render(b)
        name = f"blocks/{Path(b.doc).stem}_L{b.line}_{n}.ts"
        (workdir / name).write_text("\n".join(src) + "\n", encoding="utf-8")
        maps[name] = (b, lines)
    proc = toolchain.run(["tsc", "-p", "tsconfig.json", "--pretty", "false"], cwd=workdir, timeout=600)
    output = (proc.stdout + proc.stderr).strip()
    errors: dict[str, list[str]] = {}
    current: list[str] | None = None
    for raw in output.splitlines():
        m = _ERROR.match(raw)
        if m:
            name = m.group("file").replace("\\", "/")
            gen_line, col = int(m.group("line")), int(m.group("col"))
            if name in maps:
                b, lines = maps[name]
                md_line = lines[gen_line - 1] if 0 < gen_line <= len(lines) and lines[gen_line - 1] else b.line
                where = f"references/{b.doc}:{md_line}:{col}"
                hint = "" if b.mode == "module" else " (in a `ts fragment`)"
                current = errors.setdefault(b.doc, [])
                current.append(f"{where}: {m.group('code')} {m.group('msg')}{hint}")
            else:
                current = errors.setdefault("<harness>", [])
                current.append(raw)
        elif current is not None and raw.startswith(" "):
            current[-1] += "\n    " + raw.strip()
        elif raw.strip():
            errors.setdefault("<harness>", []).append(raw)
    if proc.returncode != 0 and not errors:
        errors["<harness>"] = [f"tsc exited {proc.returncode} without parsable errors:\n{output[-4000:]}"]
    return errors, output


DOCS = sorted(REFERENCES.glob("*.md"))


@pytest.fixture(scope="module")
def all_blocks() -> list[Block]:
    return ts_blocks(DOCS)


@pytest.fixture(scope="module")
def tsc_errors(all_blocks, tmp_path_factory, node_toolchain) -> dict[str, list[str]]:
    checked = [b for b in all_blocks if b.mode in ("module", "fragment") and b.lang == "ts"]
    if not checked:
        return {}
    errors, _ = run_tsc(checked, tmp_path_factory.mktemp("ts-examples"), node_toolchain)
    n_mod = sum(b.mode == "module" for b in checked)
    n_frag = sum(b.mode == "fragment" for b in checked)
    n_skip = sum(b.mode == "nocheck" for b in all_blocks)
    print(f"\ntype-checked {len(checked)} ts blocks ({n_mod} modules, {n_frag} fragments); {n_skip} nocheck skipped")
    return errors


def test_ts_blocks_are_checked_or_nocheck(all_blocks):
    """Every TypeScript block is ```ts, ```ts fragment or ```ts nocheck: nothing escapes type-checking silently."""
    bad = []
    for b in all_blocks:
        if b.lang != "ts":
            bad.append(f"{b.where}: ```{b.info}``` — use ```ts (or ```ts fragment / ```ts nocheck)")
        elif b.mode is None:
            bad.append(f"{b.where}: ```{b.info}``` — unknown modifier; use ```ts, ```ts fragment or ```ts nocheck")
    assert not bad, "TypeScript blocks that would not be type-checked:\n" + "\n".join(bad)


def test_harness_and_toolchain_ok(tsc_errors):
    assert "<harness>" not in tsc_errors, "tsc reported problems outside the doc blocks:\n" + "\n".join(
        tsc_errors["<harness>"]
    )


@pytest.mark.parametrize("doc", [d.name for d in DOCS] or [pytest.param("none", marks=pytest.mark.skip("no references"))])
def test_examples_typecheck(doc, tsc_errors):
    errs = tsc_errors.get(doc, [])
    assert not errs, f"{len(errs)} TypeScript error(s) in references/{doc}:\n" + "\n".join(errs)


SELF_TEST_MD = """\
# Self test

```ts
import { DurableObject } from "cloudflare:workers";
export class Good extends DurableObject {
  count(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT 1 AS n").one().n;
  }
}
```

```ts fragment
import { DurableObject } from "cloudflare:workers";
const rows = sql.exec("SELECT 1").toArray();
const wrong: string = rows.length;
await storage.put("k", ctx.id.toString());
```

```ts
const n: number = "not a number";
```

```ts nocheck
this is not TypeScript
```

~~~ts fragment
ws.send(request.url + env.anything);
~~~
"""


def test_harness_maps_errors_to_markdown_lines(tmp_path, node_toolchain):
    """The harness itself: fences, fragment wrapping, one tsc run, errors mapped to the right Markdown line."""
    md = tmp_path / "self-test.md"
    md.write_text(SELF_TEST_MD)
    blocks = ts_blocks([md])
    assert [(b.line, b.mode) for b in blocks] == [(3, "module"), (12, "fragment"), (19, "module"), (23, "nocheck"), (27, "fragment")]
    errors, output = run_tsc([b for b in blocks if b.mode != "nocheck"], tmp_path / "proj", node_toolchain)
    found = errors.get("self-test.md", [])
    assert len(found) == 2, output
    assert found[0].startswith("references/self-test.md:15:7: TS2322"), found
    assert found[1].startswith("references/self-test.md:20:7: TS2322"), found
    assert "<harness>" not in errors, errors


# --- wrangler config examples -------------------------------------------------------------------------------------

CONFIG_LANGS = {"jsonc", "json", "json5", "toml"}
WRANGLER_HINT_KEYS = {"compatibility_date", "durable_objects", "migrations", "exports", "main", "compatibility_flags"}
NOT_WRANGLER_KEYS = {"compilerOptions", "devDependencies", "dependencies", "scripts", "mcpServers", "servers"}


def parse_config(block: Block):
    text = "\n".join(block.code)
    if block.lang == "toml":
        return tomllib.loads(text)
    import json5

    return json5.loads(text)


def wrangler_config_blocks(docs: list[Path]) -> list[tuple[Block, object]]:
    """(block, parsed) for config blocks that are meant as wrangler configuration (whole file or top-level keys)."""
    out = []
    for b in (b for d in docs for b in extract_blocks(d) if b.lang in CONFIG_LANGS):
        try:
            parsed = parse_config(b)
        except Exception as e:  # noqa: BLE001 - reported by the test below
            out.append((b, e))
            continue
        if isinstance(parsed, dict) and NOT_WRANGLER_KEYS & parsed.keys():
            continue  # a tsconfig, package.json or MCP client config, not a wrangler config
        if b.lang in ("json", "json5") and not (isinstance(parsed, dict) and WRANGLER_HINT_KEYS & parsed.keys()):
            continue  # plain JSON (a result, a payload) unless it carries wrangler keys
        out.append((b, parsed))
    return out


@pytest.fixture(scope="module")
def wrangler_schema(node_toolchain):
    import jsonschema

    schema = json.loads((node_toolchain.node_modules / "wrangler" / "config-schema.json").read_text())
    return jsonschema.Draft7Validator(schema)


def _schema_errors(validator, parsed) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}"
        for e in sorted(validator.iter_errors(parsed), key=lambda e: list(e.absolute_path))
    ]


def test_wrangler_config_examples_match_schema(wrangler_schema):
    """Every wrangler config example parses and validates against the pinned wrangler's config-schema.json."""
    bad = []
    blocks = wrangler_config_blocks(DOCS)
    for b, parsed in blocks:
        if isinstance(parsed, Exception):
            bad.append(f"{b.where}: ```{b.info}``` does not parse: {parsed}")
            continue
        for err in _schema_errors(wrangler_schema, parsed):
            bad.append(f"{b.where}: {err}")
    print(f"\nvalidated {len(blocks)} wrangler config blocks against config-schema.json")
    assert not bad, "wrangler config examples that do not match config-schema.json:\n" + "\n".join(bad)


def test_wrangler_schema_check_catches_errors(wrangler_schema):
    """The schema check itself rejects a wrong storage value and an unknown top-level key."""
    bad = {"exports": {"Room": {"type": "durable-object", "storage": "sqlitex"}}, "durable_object": {}}
    good = {"exports": {"Room": {"type": "durable-object", "storage": "sqlite"}},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}]}
    assert len(_schema_errors(wrangler_schema, bad)) >= 2
    assert _schema_errors(wrangler_schema, good) == []
