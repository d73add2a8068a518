"""Move an old Durable Object project to current practice; nothing is written here (the CLI writes with --write).

- ``upgrade_project([(path, content), ...], to_date=None) -> UpgradeResult``: edits, a plan, and the compatibility
  flags the date bump crosses with the code lines each one affects.
"""

from __future__ import annotations

import posixpath
import re
from typing import Sequence

from ..errors import InvalidInputError, clip
from ..models import AffectedLine, CrossedFlag, TextEdit, UpgradeResult
from ..review.config import ParsedConfig, is_config_path
from ..review.context import valid_date
from ..review.fixes import whole_text_edit
from .config import upgrade_config
from .flags import crossed
from .kv import config_for_copy, kv_to_sqlite
from .vitest import OLD, raise_wrangler, upgrade_package_json, upgrade_test_file, upgrade_tsconfig, upgrade_vitest_config

DEFAULT_TO_DATE = "2026-11-01"  # the date the references' runtime checks were run at
_CODE_EXT = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs")
_VITEST_CONFIGS = ("vitest.config.ts", "vitest.config.mts", "vitest.config.js", "vitest.config.mjs")
MAX_FILES = 2_000
_EXPORTED_ENV_RE = re.compile(r"\bexport\s+(?:interface|type)\s+Env\b")


def _is_test(path: str) -> bool:
    low = path.lower()
    return "/test/" in f"/{low}" or "/tests/" in f"/{low}" or ".test." in low or ".spec." in low


def upgrade_project(files: Sequence[tuple[str, str]], to_date: str | None = None) -> UpgradeResult:
    to_date = to_date or DEFAULT_TO_DATE
    if not valid_date(to_date):
        raise InvalidInputError(f"to_date {clip(to_date)} is not a date", hint="Use YYYY-MM-DD, e.g. 2026-11-01.")
    if len(files) > MAX_FILES:
        raise InvalidInputError(f"{len(files)} files is more than the {MAX_FILES} one upgrade accepts",
                                hint="Pass the Worker's config, package.json, vitest config and sources.")
    texts = {p.replace("\\", "/"): c for p, c in files}
    new: dict[str, str] = {}
    plan: list[str] = []
    flags_out: list[CrossedFlag] = []
    configs = [ParsedConfig(p, t) for p, t in texts.items() if is_config_path(p)]
    if not configs:
        plan.append("No wrangler config given: the compatibility date and `migrations` were not looked at.")
    for cfg in configs:
        change = upgrade_config(cfg, to_date)
        plan.extend(change.plan)
        if change.text != cfg.text:
            new[cfg.path] = change.text
        if change.kv_classes:
            kv = kv_to_sqlite(cfg, texts, new, change.kv_classes)
            new.update(kv.new)
            plan.extend(kv.plan)
            text, config_plan = config_for_copy(cfg, new.get(cfg.path, cfg.text), cfg.raw.get("migrations"), kv.added)
            plan.extend(config_plan)
            if text != cfg.text:
                new[cfg.path] = text
        old_date = cfg.raw.get("compatibility_date") if not cfg.error else None
        if isinstance(old_date, str) and valid_date(old_date) and old_date < to_date:
            flag_set = {f for f in (cfg.raw.get("compatibility_flags") or []) if isinstance(f, str)}
            scope = cfg.dir
            code = {p: t for p, t in texts.items() if p.lower().endswith(_CODE_EXT) and not _is_test(p)
                    and (not scope or p.startswith(scope + "/"))}
            for flag in crossed(old_date, to_date, flag_set):
                hits = [AffectedLine(path=p, line=i) for p, t in sorted(code.items()) if flag.affected is not None
                        for i, ln in enumerate(t.split("\n"), 1) if flag.affected.search(ln)]
                flags_out.append(CrossedFlag(flag=flag.name, date=flag.date, what=flag.what, affected=hits,
                                             docs=[flag.doc]))
            if flags_out:
                plan.append(f"{cfg.path}: the new date turns on {len(flags_out)} behaviour change(s) (see crossed); "
                            "to keep an old behaviour for now, add its opt-out flag to compatibility_flags.")
    if any(OLD in t for t in texts.values()):
        _upgrade_vitest(texts, new, plan)
    if any('"exports"' in new[p] and '"exports"' not in texts.get(p, "") for p in new if is_config_path(p)):
        for path in [p for p in texts if posixpath.basename(p) == "package.json"]:
            out, note = raise_wrangler(new.get(path, texts[path]))
            if note:
                new[path] = out
                plan.append(f"{path}: {note}. Run npm install.")
    # a file that does not exist yet is one insertion at 1:1 of an empty file
    edits = [e for p in sorted(new) for e in _diff_edits(p, texts.get(p, ""), new[p])]
    if not edits and not flags_out:
        plan.append("No edits: the steps above are left to a person." if plan else
                    "Nothing to upgrade: the project already follows current practice for what this tool checks.")
    return UpgradeResult(edits=edits, plan=plan, crossed=flags_out)


def _upgrade_vitest(texts: dict[str, str], new: dict[str, str], plan: list[str]) -> None:
    for path, text in texts.items():
        name = posixpath.basename(path)
        if name == "package.json":
            out, notes = upgrade_package_json(text)
            if out != text:
                new[path] = out
                plan.append(f"{path}: " + "; ".join(notes) + ". Run npm install.")
        elif name in _VITEST_CONFIGS:
            out, why = upgrade_vitest_config(path, text)
            if out is not None:
                new[path] = out
                plan.append(f"{path}: defineWorkersConfig/poolOptions.workers -> defineConfig with "
                            "plugins: [cloudflareTest(...)] (testing#configure-vitestconfigts-with-cloudflaretest).")
            elif why:
                plan.append(f"{path}: left alone ({why}); move its options into cloudflareTest() by hand.")
        elif name.startswith("tsconfig") and name.endswith(".json"):
            out = upgrade_tsconfig(text)
            if out != text:
                new[path] = out
                plan.append(f"{path}: types {OLD} -> @cloudflare/vitest-plugin/types.")
        elif path.lower().endswith(_CODE_EXT) and _is_test(path):
            out = upgrade_test_file(text)
            if out != text:
                new[path] = out
                plan.append(f"{path}: env/SELF from cloudflare:test -> env/exports from cloudflare:workers.")
    converted = [p for p in new if _is_test(p) and "exports.default" in new[p] and "exports.default" not in texts[p]]
    if converted and not any("GlobalProps" in t for t in texts.values()):
        _add_test_types(texts, posixpath.dirname(converted[0]), new, plan)


def _add_test_types(texts: dict[str, str], test_dir: str, new: dict[str, str], plan: list[str]) -> None:
    """`exports` from cloudflare:workers is typed from ``Cloudflare.GlobalProps`` (what `wrangler types`
    generates): without it `exports.default` does not type-check. Declare it for the Worker's main module."""
    cfg = next((ParsedConfig(p, t) for p, t in texts.items() if is_config_path(p)), None)
    main = cfg.main_path if cfg is not None and not cfg.error else None
    if not main:
        plan.append("Tests now use `exports` from cloudflare:workers: run `npx wrangler types` so it is typed.")
        return
    rel = posixpath.relpath(main, test_dir or ".")
    rel = (rel if rel.startswith(".") else "./" + rel).rsplit(".", 1)[0]
    classes = sorted({b.class_name for b in cfg.model.durable_objects.bindings if not b.script_name}) \
        if cfg.model.durable_objects else []
    main_text = texts.get(main, "")
    has_env = bool(_EXPORTED_ENV_RE.search(main_text))
    lines = ["// Types for `env` and `exports` from \"cloudflare:workers\" in tests (what `npx wrangler types` generates).",
             f'import type {{ Env as WorkerEnv }} from "{rel}";' if has_env else "export {};", "",
             "declare global {", "  namespace Cloudflare {"]
    if has_env:
        lines.append("    interface Env extends WorkerEnv {}")
    lines += ["    interface GlobalProps {", f'      mainModule: typeof import("{rel}");']
    if classes:
        lines.append("      durableNamespaces: " + " | ".join(f'"{c}"' for c in classes) + ";")
    lines += ["    }", "  }", "}", ""]
    path = posixpath.join(test_dir, "env.d.ts") if test_dir else "env.d.ts"
    if path in texts and _only_provided_env(texts[path]):
        new[path] = "\n".join(lines)
        plan.append(f"{path}: `ProvidedEnv` of cloudflare:test -> Cloudflare.Env and Cloudflare.GlobalProps, which type "
                    "`env` and `exports` from cloudflare:workers.")
        return
    if path in texts:
        plan.append(f"Tests now use `exports` from cloudflare:workers: declare Cloudflare.GlobalProps (see {path}).")
        return
    new[path] = "\n".join(lines)
    plan.append(f"{path} (new file): declares Cloudflare.GlobalProps so `exports.default` is typed in tests.")


_PROVIDED_ENV_RE = re.compile(r"""declare\s+module\s+["']cloudflare:test["']\s*\{\s*interface\s+ProvidedEnv\b[^{}]*\{[^{}]*\}\s*\}""")
_IMPORT_OR_COMMENT_RE = re.compile(r"""(?m)^[ \t]*(import[ \t][^;\n]*;?|//[^\n]*)[ \t]*$""")


def _only_provided_env(text: str) -> bool:
    """The pool-workers typing file: imports, comments and `declare module "cloudflare:test" { interface
    ProvidedEnv ... }` only, so it can be replaced whole."""
    rest = _IMPORT_OR_COMMENT_RE.sub("", _PROVIDED_ENV_RE.sub("", text, count=1))
    return bool(_PROVIDED_ENV_RE.search(text)) and rest.strip() == ""


def _diff_edits(path: str, old: str, new: str) -> list[TextEdit]:
    """One edit covering the changed middle of the file (common prefix and suffix left out)."""
    return [whole_text_edit(path, old, new)] if old != new else []
