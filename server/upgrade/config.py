"""Wrangler config upgrades: the compatibility date bump, and the ``migrations`` array replaced by the declarative
``exports`` map where the project's history allows it (references/lifecycle-and-config.md, "Moving from
`migrations` to `exports`").

Edits are text edits on the file as written, so comments and formatting elsewhere survive. Each rewritten config
is read back with the same loader the review uses and compared with what was intended; an edit that would change
anything else is not offered.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..review.config import ParsedConfig
from ..review.jsonc import bracket_end as _array_end  # shared with the review's config fixes

_JSON_DATE_RE = re.compile(r'("compatibility_date"\s*:\s*")(\d{4}-\d{2}-\d{2})(")')
_TOML_DATE_RE = re.compile(r'(?m)^([ \t]*compatibility_date[ \t]*=[ \t]*["\'])(\d{4}-\d{2}-\d{2})(["\'])')
_MIGRATIONS_KEY_RE = re.compile(r'"migrations"\s*:\s*\[')
_KNOWN_STEP_KEYS = {"tag", "new_sqlite_classes", "new_classes", "renamed_classes", "deleted_classes"}


@dataclass
class ConfigChange:
    text: str  # the config's new text (== old text when nothing changes)
    plan: list[str] = field(default_factory=list)
    kv_classes: list[str] = field(default_factory=list)


def bump_date(cfg: ParsedConfig, to_date: str) -> str:
    """The config text with its top-level compatibility_date set to ``to_date`` (first occurrence is the top
    level in every config wrangler writes; the read-back check in ``upgrade_config`` confirms it)."""
    pattern = _TOML_DATE_RE if cfg.path.lower().endswith(".toml") else _JSON_DATE_RE
    return pattern.sub(lambda m: m.group(1) + to_date + m.group(3), cfg.text, count=1)


def exports_from_migrations(steps: list) -> tuple[dict[str, str] | None, str]:
    """Replay the migration steps: class name -> storage ("sqlite" | "legacy-kv") of each class that exists at the
    end, or None and the reason the history cannot be expressed as ``exports`` mechanically."""
    live: dict[str, str] = {}
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            return None, f"migration step {i + 1} is not an object"
        unknown = set(step) - _KNOWN_STEP_KEYS
        if unknown:
            # transferred_classes: the class's backend lives in the source Worker's history, which this project
            # does not hold; other keys are not understood well enough to rewrite
            return None, (f"migration step {step.get('tag', i + 1)!r} uses {', '.join(sorted(unknown))}; the storage of "
                          "such a class cannot be read from this project's history alone")
        lists = {k: step.get(k) or [] for k in ("new_sqlite_classes", "new_classes", "renamed_classes", "deleted_classes")}
        if not all(isinstance(v, list) for v in lists.values()):
            return None, f"migration step {step.get('tag', i + 1)!r} has a field that is not a list"
        for name in lists["new_sqlite_classes"]:
            live[str(name)] = "sqlite"
        for name in lists["new_classes"]:
            live[str(name)] = "legacy-kv"
        for ren in lists["renamed_classes"]:
            src, dst = (ren.get("from"), ren.get("to")) if isinstance(ren, dict) else (None, None)
            if src not in live or not isinstance(dst, str):
                return None, f"step {step.get('tag')!r} renames {src!r}, which no earlier step created"
            live[dst] = live.pop(src)
        for name in lists["deleted_classes"]:
            live.pop(str(name), None)
    return live, ""


def _exports_text(live: dict[str, str], indent: str) -> str:
    body = json.dumps({name: {"type": "durable-object", "storage": storage} for name, storage in live.items()},
                      indent=2)
    return '"exports": ' + body.replace("\n", "\n" + indent)


def upgrade_config(cfg: ParsedConfig, to_date: str | None) -> ConfigChange:
    out = ConfigChange(cfg.text)
    if cfg.error:
        out.plan.append(f"{cfg.path}: not upgraded, it cannot be read ({cfg.error}).")
        return out
    text = cfg.text
    old_date = cfg.raw.get("compatibility_date")
    if to_date and isinstance(old_date, str) and old_date < to_date:
        text = bump_date(cfg, to_date)
        out.plan.append(f"{cfg.path}: compatibility_date {old_date} -> {to_date}; read the crossed flags below.")
    steps = cfg.raw.get("migrations")
    if isinstance(steps, list) and steps:
        text = _migrations_to_exports(cfg, text, steps, out)
    # read back: only the intended keys may differ
    if text != cfg.text:
        back = ParsedConfig(cfg.path, text)
        expected = dict(cfg.raw)
        if to_date and isinstance(old_date, str) and old_date < to_date:
            expected["compatibility_date"] = to_date
        if "exports" in back.raw and "exports" not in cfg.raw:
            expected.pop("migrations", None)
            expected["exports"] = back.raw["exports"]
        if back.error or _ordered(back.raw) != _ordered(expected):
            out.plan.append(f"{cfg.path}: the rewrite did not read back as intended; change it by hand.")
            out.text = cfg.text
            return out
    out.text = text
    return out


def _ordered(d: dict) -> str:
    return json.dumps(d, sort_keys=True)


def _migrations_to_exports(cfg: ParsedConfig, text: str, steps: list, out: ConfigChange) -> str:
    where = cfg.path
    if "exports" in cfg.raw:
        out.plan.append(f"{where}: has both `migrations` and `exports`; wrangler rejects Durable Object entries in "
                        "both. Keep one (see lifecycle-and-config#moving-from-migrations-to-exports).")
        return text
    live, reason = exports_from_migrations(steps)
    if live is None:
        out.plan.append(f"{where}: `migrations` kept: {reason}. Write `exports` by hand "
                        "(lifecycle-and-config#moving-from-migrations-to-exports).")
        return text
    out.kv_classes = [n for n, s in live.items() if s == "legacy-kv"]
    if out.kv_classes:
        # the copy to SQLite (kv.py) adds a `new_sqlite_classes` step; kv.py's docstring says why `migrations` stays
        return text
    if cfg.path.lower().endswith(".toml"):
        out.plan.append(f"{where}: replace the [[migrations]] tables with an [exports] table by hand: "
                        + ", ".join(f'{n} = {{ type = "durable-object", storage = "{s}" }}' for n, s in live.items()))
        return text
    found = [m for m in _MIGRATIONS_KEY_RE.finditer(text)]
    if len(found) != 1:
        out.plan.append(f"{where}: `migrations` appears {len(found)} times (environments?); convert it by hand.")
        return text
    m = found[0]
    end = _array_end(text, m.end() - 1)
    if end < 0:
        return text
    line_start = text.rfind("\n", 0, m.start()) + 1
    indent = re.match(r"[ \t]*", text[line_start:]).group(0)
    text = text[:m.start()] + _exports_text(live, indent) + text[end:]
    out.plan.append(f"{where}: `migrations` ({len(steps)} step(s)) replaced by `exports` for "
                    f"{', '.join(live) or 'no live class'}; no data moves. Deploy with `wrangler deploy`; after that "
                    "deploy the project cannot go back to `migrations`.")
    return text
