"""``@cloudflare/vitest-pool-workers`` -> ``@cloudflare/vitest-plugin`` (references/testing.md, "Which package").

The plugin is the renamed package; its config entry point is ``cloudflareTest()`` in the ``plugins`` of Vitest's
own ``defineConfig``, where pool-workers 0.12 used ``defineWorkersConfig({ test: { poolOptions: { workers } } })``.
Test files import ``env``/``exports`` from ``cloudflare:workers`` instead of ``env``/``SELF`` from
``cloudflare:test``. Versions are the ones the references were checked with.
"""

from __future__ import annotations

import json
import re

from ..review.parse import InputTooComplex, SourceFile, call_args

OLD = "@cloudflare/vitest-pool-workers"
NEW = "@cloudflare/vitest-plugin"
TYPES = "@cloudflare/workers-types"
VERSIONS = {NEW: "1.5.0", "vitest": "5.1.1", "wrangler": "4.164.0", TYPES: "5.20261117.1"}
_REMOVED_OPTIONS = ("isolatedStorage", "singleWorker")  # gone since pool-workers 0.13 (per-file isolation)
_MAJOR_RE = re.compile(r"\d+")


def upgrade_package_json(text: str) -> tuple[str, list[str]]:
    """Swap the dependency, raise vitest to a version the plugin supports, set ``"type": "module"`` (the plugin is
    ESM-only). Returns the new text (2-space JSON, key order kept) and plan lines; unchanged text if no swap."""
    try:
        data = json.loads(text)
    except ValueError:
        return text, []
    if not isinstance(data, dict):
        return text, []
    changed = []
    for section in ("devDependencies", "dependencies"):
        deps = data.get(section)
        if isinstance(deps, dict) and OLD in deps:
            data[section] = {(NEW if k == OLD else k): (VERSIONS[NEW] if k == OLD else v) for k, v in deps.items()}
            changed.append(f"{section}: {OLD} -> {NEW} {VERSIONS[NEW]}")
    if not changed:
        return text, []
    for section in ("devDependencies", "dependencies"):
        deps = data.get(section)
        if isinstance(deps, dict) and isinstance(deps.get("vitest"), str):
            m = _MAJOR_RE.search(deps["vitest"])
            if m and int(m.group(0)) < 4:
                changed.append(f"vitest {deps['vitest']} -> {VERSIONS['vitest']} (the plugin needs vitest 4.1+)")
                deps["vitest"] = VERSIONS["vitest"]
    if data.get("type") != "module":
        data["type"] = "module"
        changed.append('"type": "module" (the plugin is ESM-only)')
    return json.dumps(data, indent=2) + "\n", changed


def upgrade_vitest_config(path: str, text: str) -> tuple[str | None, str]:
    """``defineWorkersConfig({ test: { poolOptions: { workers: W }, ...rest } })`` -> ``defineConfig({ plugins:
    [cloudflareTest(W)], test: { ...rest } })``. Returns the new text, or None and why it was left alone."""
    if OLD not in text:
        return None, ""
    try:
        src = SourceFile(path, text)
    except InputTooComplex:
        return None, "the config is deeper or larger than the parser accepts"
    calls = [c for c in src.calls(src.root) if src.text_of(c.child_by_field_name("function")) in
             ("defineWorkersConfig", "defineWorkersProject")]
    if len(calls) != 1 or len(call_args(calls[0])) != 1 or call_args(calls[0])[0].type != "object":
        return None, "the config is not one defineWorkersConfig({...}) call"
    top = call_args(calls[0])[0]
    test = _pair(src, top, "test")
    pool = _pair(src, test, "poolOptions") if test is not None else None
    workers = _pair(src, pool, "workers") if pool is not None else None
    if workers is None or _other_keys(src, pool, "workers"):
        return None, "no test.poolOptions.workers entry (or other pools beside it)"
    options = _drop_keys(src, workers, _REMOVED_OPTIONS)
    rest_test = [src.text_of(p) for p in test.named_children if p.type in ("pair", "shorthand_property_identifier",
                 "spread_element", "method_definition") and _key(src, p) != "poolOptions"]
    rest_top = [src.text_of(p) for p in top.named_children if p.type in ("pair", "shorthand_property_identifier",
                "spread_element", "method_definition") and _key(src, p) != "test"]
    lines = ['import { cloudflareTest } from "@cloudflare/vitest-plugin";', 'import { defineConfig } from "vitest/config";',
             "", "export default defineConfig({", f"  plugins: [cloudflareTest({options})],"]
    if rest_test:
        lines.append("  test: { " + ", ".join(rest_test) + " },")
    lines += [f"  {t}," for t in rest_top]
    lines.append("});")
    return "\n".join(lines) + "\n", ""


def _key(src: SourceFile, pair) -> str:
    k = pair.child_by_field_name("key")
    return src.text_of(k).strip("\"'") if k is not None else ""


def _pair(src: SourceFile, obj, name: str):
    for p in obj.named_children:
        if p.type == "pair" and _key(src, p) == name:
            value = p.child_by_field_name("value")
            return value if value is not None and value.type in ("object", "arrow_function") else None
    return None


def _other_keys(src: SourceFile, obj, keep: str) -> bool:
    return any(p.type != "comment" and _key(src, p) != keep for p in obj.named_children)


def _drop_keys(src: SourceFile, obj, names: tuple[str, ...]) -> str:
    if obj.type != "object":
        return src.text_of(obj)
    kept = [src.text_of(p) for p in obj.named_children if p.type != "comment" and _key(src, p) not in names]
    return "{ " + ", ".join(kept) + " }" if kept else "{}"


_TEST_IMPORT_RE = re.compile(r"""import\s*\{([^}\n]*)\}\s*from\s*["']cloudflare:test["'];?""")
_SELF_FETCH_RE = re.compile(r"\bSELF\.fetch\(")


def upgrade_test_file(text: str) -> str:
    """``env``/``SELF`` from ``cloudflare:test`` -> ``env``/``exports`` from ``cloudflare:workers``; the other
    ``cloudflare:test`` helpers (runInDurableObject, ...) keep their import."""
    m = _TEST_IMPORT_RE.search(text)
    if m is None:
        return text
    names = [n.strip() for n in m.group(1).split(",") if n.strip()]
    moved = [n for n in names if n in ("env", "SELF")]
    if not moved:
        return text
    stay = [n for n in names if n not in moved]
    new_names = ["env"] * ("env" in moved) + ["exports"] * ("SELF" in moved)
    imports = f'import {{ {", ".join(new_names)} }} from "cloudflare:workers";'
    if stay:
        imports += f'\nimport {{ {", ".join(stay)} }} from "cloudflare:test";'
    new = _SELF_FETCH_RE.sub("exports.default.fetch(", text[:m.start()] + imports + text[m.end():])
    return text if re.search(r"\bSELF\b", new) else new  # SELF used some other way: leave the file to a person


def upgrade_tsconfig(text: str) -> str:
    """The types entry: ``@cloudflare/vitest-pool-workers`` -> ``@cloudflare/vitest-plugin/types``."""
    return text.replace(f'"{OLD}"', f'"{NEW}/types"').replace(f'"{OLD}/types"', f'"{NEW}/types"')


_VERSION_RE = re.compile(r"(?<!\d)(\d+)\.(\d+)\.(\d+)")  # starts only where a number starts: linear


def _lowest(spec) -> tuple[int, ...] | None:
    m = _VERSION_RE.search(spec) if isinstance(spec, str) else None
    return tuple(int(x) for x in m.groups()) if m else None


def raise_wrangler(text: str) -> tuple[str, str]:
    """package.json with ``wrangler`` raised to ``^4.164.0`` when the lowest version its range allows is older
    (``exports`` in wrangler config is from 2026 and was checked with that release), and ``@cloudflare/workers-types``
    raised with it: wrangler 4.164 names workers-types ^5.20261117.1 as an optional peer, and `npm install` refuses
    (ERESOLVE) a project that pins 4.x beside it. Returns (text, plan note)."""
    try:
        data = json.loads(text)
    except ValueError:
        return text, ""
    notes = []
    for section in ("devDependencies", "dependencies"):
        deps = data.get(section) if isinstance(data, dict) else None
        if not isinstance(deps, dict):
            continue
        for name, why in (("wrangler", "`exports` was checked with that release; older ones may not know it"),
                          (TYPES, "wrangler 4.164 wants it as a peer; npm install refuses 4.x beside it")):
            low, want = _lowest(deps.get(name)), tuple(int(x) for x in VERSIONS[name].split("."))
            if low and low < want and (name == "wrangler" or notes):
                notes.append(f"{section}: {name} {deps[name]} -> ^{VERSIONS[name]} ({why})")
                deps[name] = "^" + VERSIONS[name]
    return (json.dumps(data, indent=2) + "\n", "; ".join(notes)) if notes else (text, "")
