"""Read a project folder for ``do-expert upgrade``: sources, wrangler config, package.json, tsconfig and vitest
config, as paths relative to the folder (dependency and build folders skipped, symlinks not followed)."""

from __future__ import annotations

import os

from ..errors import InvalidInputError, clip
from ..review.files import SKIP_DIRS
from . import MAX_FILES

_NAMES = {"package.json"}
_EXT = (".ts", ".mts", ".cts", ".tsx", ".js", ".mjs", ".cjs", ".jsonc", ".toml")
_MAX_BYTES = 2_000_000


def _wanted(name: str) -> bool:
    low = name.lower()
    if low in _NAMES or (low.startswith("tsconfig") and low.endswith(".json")) or low.startswith("wrangler."):
        return True
    return low.endswith(_EXT)  # .d.ts included: a generated worker-configuration.d.ts already types `exports`


def collect_project(root: str) -> list[tuple[str, str]]:
    if not os.path.isdir(root):
        raise InvalidInputError(f"{clip(root)} is not a folder", hint="Pass the project folder (where wrangler.jsonc is).")
    out: list[tuple[str, str]] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        for n in sorted(names):
            full = os.path.join(folder, n)
            if not _wanted(n) or os.path.islink(full) or not os.path.isfile(full) or os.path.getsize(full) > _MAX_BYTES:
                continue
            with open(full, encoding="utf-8", errors="replace", newline="") as fh:
                out.append((os.path.relpath(full, root).replace(os.sep, "/"), fh.read()))
            if len(out) > MAX_FILES:
                raise InvalidInputError(f"more than {MAX_FILES} files under {clip(root)}",
                                        hint="Point upgrade at one Worker's folder.")
    return out
