"""Wrangler configuration: ``wrangler.jsonc`` (comments, trailing commas), ``wrangler.json`` and ``wrangler.toml``.

Only the parts the rules need are modelled; everything else is ignored, so a config that wrangler accepts never
fails here. A config that cannot be parsed at all becomes a ``do-config-invalid`` finding, not an exception, and
the code is still reviewed without it.
"""

from __future__ import annotations

import posixpath
import re
import tomllib
from typing import Any

import json5
from pydantic import BaseModel, ConfigDict, Field, ValidationError

CONFIG_NAMES = ("wrangler.jsonc", "wrangler.json", "wrangler.toml")


def is_config_path(path: str) -> bool:
    return posixpath.basename(path.replace("\\", "/")).lower() in CONFIG_NAMES


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class DOBinding(_Loose):
    name: str = ""
    class_name: str = ""
    script_name: str | None = None
    environment: str | None = None


class DurableObjects(_Loose):
    bindings: list[DOBinding] = Field(default_factory=list)


class Renamed(_Loose):
    from_: str = Field(default="", alias="from")
    to: str = ""


class Transferred(_Loose):
    from_: str = Field(default="", alias="from")
    from_script: str = ""
    to: str = ""


class Migration(_Loose):
    tag: str | None = None
    new_classes: list[str] = Field(default_factory=list)
    new_sqlite_classes: list[str] = Field(default_factory=list)
    renamed_classes: list[Renamed] = Field(default_factory=list)
    deleted_classes: list[str] = Field(default_factory=list)
    transferred_classes: list[Transferred] = Field(default_factory=list)


class ExportEntry(_Loose):
    """Declarative class lifecycle (2026-06): ``exports: {Class: {type, storage, state, ...}}``."""

    type: str = ""
    storage: str | None = None
    state: str = "created"
    renamed_to: str | None = None
    transferred_to: str | None = None
    transfer_from: str | None = None


class EnvConfig(_Loose):
    compatibility_date: str | None = None
    compatibility_flags: list[str] | None = None
    main: str | None = None
    durable_objects: DurableObjects | None = None
    migrations: list[Migration] | None = None


class WranglerConfig(_Loose):
    name: str | None = None
    main: str | None = None
    compatibility_date: str | None = None
    compatibility_flags: list[str] = Field(default_factory=list)
    durable_objects: DurableObjects = Field(default_factory=DurableObjects)
    migrations: list[Migration] = Field(default_factory=list)
    exports: dict[str, ExportEntry] = Field(default_factory=dict)
    env: dict[str, EnvConfig] = Field(default_factory=dict)


class ParsedConfig:
    """A config file as given (path, text) plus its model, or the reason it could not be read."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.split("\n")
        self.error: str | None = None
        self.error_line = 1
        self.raw: dict[str, Any] = {}
        self.model = WranglerConfig()
        try:
            self.raw = _load(path, text)
            if not isinstance(self.raw, dict):
                raise ValueError("the top level must be an object/table")
            self.model = WranglerConfig.model_validate(self.raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            self.error = f"unexpected shape at {loc}: {first['msg']}"
            self.error_line = self.find_line(str(first["loc"][0])) if first["loc"] else 1
        except Exception as exc:  # json5/tomllib raise many types; all mean "cannot read this config"
            self.error = _describe(exc)
            self.error_line = _error_line(exc, text)

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.path.replace("\\", "/"))

    @property
    def main_path(self) -> str | None:
        if not self.model.main:
            return None
        return posixpath.normpath(posixpath.join(self.dir, self.model.main)) if self.dir else posixpath.normpath(self.model.main)

    def find_line(self, key: str, value: str | None = None, start: int = 0) -> int:
        """Line (1-based) of ``key`` (and of ``value`` after it, when given). Falls back to the key, then to 1."""
        pos = self.find_pos(key, value, start)
        return self.text.count("\n", 0, pos) + 1 if pos >= 0 else 1

    def binding_line(self, class_name: str, env: str | None = None) -> int:
        """Line of ``class_name = "X"`` / ``"class_name": "X"``; for an env binding, the first one after the env."""
        pattern = re.compile(r"""["']?class_name["']?\s*[:=]\s*["']""" + re.escape(class_name) + r"""["']""")
        matches = [m.start() for m in pattern.finditer(self.text)]
        if not matches:
            return self.find_line("class_name", class_name)
        pos = matches[0]
        if env is not None:
            env_at = re.search(r"""(env\.|["']?)""" + re.escape(env) + r"""\b""", self.text)
            later = [m for m in matches if env_at is not None and m > env_at.start()]
            pos = later[0] if later else matches[-1]
        return self.text.count("\n", 0, pos) + 1

    def find_pos(self, key: str, value: str | None = None, start: int = 0) -> int:
        key_re = re.compile(r"""["']?(""" + re.escape(key) + r""")["']?\s*[:=]""")
        for m in key_re.finditer(self.text, start):
            if value is None:
                return m.start(1)
            v = re.compile(r"""["']""" + re.escape(value) + r"""["']""").search(self.text, m.end())
            if v is not None:
                return v.start()
        if value is not None:
            v = re.compile(r"""["']""" + re.escape(value) + r"""["']""").search(self.text, start)
            if v is not None:
                return v.start()
        return -1

    def all_bindings(self) -> list[tuple[str | None, DOBinding]]:
        """Top-level bindings, then each env's: ``(env name or None, binding)``."""
        out: list[tuple[str | None, DOBinding]] = [(None, b) for b in self.model.durable_objects.bindings]
        for name, env in self.model.env.items():
            if env.durable_objects:
                out.extend((name, b) for b in env.durable_objects.bindings)
        return out

    def created_classes(self, env: str | None = None) -> dict[str, str]:
        """Class name -> storage backend ("sqlite" or "kv") for every class the config creates and keeps alive.
        ``env``: an environment whose own ``migrations`` list replaces the top-level one."""
        out: dict[str, str] = {}
        migrations = self.model.migrations
        if env is not None and env in self.model.env and self.model.env[env].migrations is not None:
            migrations = self.model.env[env].migrations or []
        for mig in migrations:
            for c in mig.new_sqlite_classes:
                out[c] = "sqlite"
            for c in mig.new_classes:
                out[c] = "kv"
            for r in mig.renamed_classes:
                out[r.to] = out.pop(r.from_, "sqlite")
            for t in mig.transferred_classes:
                out[t.to] = "sqlite" if t.to not in out else out[t.to]
            for c in mig.deleted_classes:
                out.pop(c, None)
        for name, entry in self.model.exports.items():
            if entry.type and entry.type != "durable-object":
                continue
            if entry.state in ("created", "expecting-transfer"):
                out[name] = "kv" if entry.storage == "legacy-kv" else "sqlite"
            else:
                out.pop(name, None)
        return out


def _load(path: str, text: str) -> Any:
    if path.lower().endswith(".toml"):
        return tomllib.loads(text)
    return json5.loads(text)


def _describe(exc: Exception) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg[:300]


def _error_line(exc: Exception, text: str) -> int:
    for attr in ("lineno", "line"):
        v = getattr(exc, attr, None)
        if isinstance(v, int) and v > 0:
            return v
    m = re.search(r"line (\d+)", str(exc))
    if m:
        return max(1, int(m.group(1)))
    m = re.search(r"<string>:(\d+)", str(exc))
    if m:
        return max(1, int(m.group(1)))
    return 1
