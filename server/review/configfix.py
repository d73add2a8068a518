"""Edits that fix wrangler config findings: declaring a bound class (a new migration step with
``new_sqlite_classes``, or an ``exports`` entry when the project uses the declarative form).

The edit is made on the config's text (comments and layout elsewhere survive) and offered only when the edited
config reads back, with the review's own loader, as exactly the old config plus the one intended change.
"""

from __future__ import annotations

import copy
import json
import re

from ..models import TextEdit
from .config import ParsedConfig
from .fixes import whole_text_edit
from .jsonc import append_member, append_toml, key_open, read_back_ok, toml_key, top_level_open

_VN_TAG = re.compile(r"v(\d{1,9})")


def next_tag(steps: list) -> str:
    """A tag no step uses: ``v<N+1>`` after the highest ``vN``, else ``v<count+1>`` (bumped past any clash)."""
    tags = {str(s.get("tag")) for s in steps if isinstance(s, dict) and s.get("tag") is not None}
    numbers = [int(m.group(1)) for t in tags if (m := _VN_TAG.fullmatch(t))]
    n = (max(numbers) if numbers else len(steps)) + 1
    while f"v{n}" in tags:
        n += 1
    return f"v{n}"


def _mentioned(cfg: ParsedConfig, name: str) -> bool:
    """The class appears anywhere in the class history (deleted, renamed away, transferred, an exports entry in
    another state): re-declaring it is a decision about that history, not a mechanical edit."""
    for m in cfg.model.migrations:
        if name in m.new_classes or name in m.new_sqlite_classes or name in m.deleted_classes:
            return True
        if any(name in (r.from_, r.to) for r in m.renamed_classes):
            return True
        if any(name == t.to for t in m.transferred_classes):
            return True
    return name in cfg.model.exports


def declare_class(cfg: ParsedConfig, name: str, env: str | None) -> tuple[TextEdit, ...]:
    """The edit that creates ``name`` as a SQLite-backed class: a new last ``migrations`` step in a project on
    migrations, else an ``exports`` entry (the map is created when the project declares no class yet)."""
    raw = cfg.raw
    if cfg.error or not isinstance(raw, dict) or _mentioned(cfg, name):
        return ()
    if env is not None and isinstance(raw.get("env"), dict) and "migrations" in (raw["env"].get(env) or {}):
        return ()  # an environment with its own migrations: do-migration-integrity's business first
    exports = raw.get("exports")
    migrations = raw.get("migrations")
    if exports is not None and (not isinstance(exports, dict) or migrations):
        return ()  # both forms, or an exports value we do not understand: wrangler rejects it anyway
    if migrations is not None and not isinstance(migrations, list):
        return ()
    expected = copy.deepcopy(raw)
    toml = cfg.path.lower().endswith(".toml")
    entry = {"type": "durable-object", "storage": "sqlite"}
    if exports is not None or migrations is None:
        # the declarative form when the project uses it, or declares nothing yet (a new Worker: the 2026 default,
        # and what wrangler itself suggests for an undeclared class)
        expected.setdefault("exports", {})[name] = entry
        member = f"{json.dumps(name)}: " + _inline(entry)
        if toml:
            new = append_toml(cfg.text, f'[exports.{toml_key(name)}]\ntype = "durable-object"\nstorage = "sqlite"\n')
        elif exports is not None:
            new = _append_json(cfg.text, "exports", member)
        else:
            top = top_level_open(cfg.text)
            new = append_member(cfg.text, top, f'"exports": {{ {member} }}') if top >= 0 else None
    else:
        step = {"tag": next_tag(migrations), "new_sqlite_classes": [name]}
        expected["migrations"] = list(migrations) + [step]
        if toml:
            new = append_toml(cfg.text, f'[[migrations]]\ntag = "{step["tag"]}"\nnew_sqlite_classes = [{json.dumps(name)}]\n',
                              after_header="[[migrations]]")
        else:
            new = _append_json(cfg.text, "migrations", _inline(step))
    if new is None or not read_back_ok(cfg.path, new, expected):
        return ()
    return (whole_text_edit(cfg.path, cfg.text, new),)


def _append_json(text: str, key: str, member: str) -> str | None:
    at = key_open(text, key)
    return append_member(text, at, member) if at >= 0 else None


def _inline(value: dict) -> str:
    """``{ "a": 1, "b": ["x"] }``: one line, spaced like hand-written wrangler configs."""
    return "{ " + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in value.items()) + " }"
