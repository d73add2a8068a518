"""Loading and rendering the template folders.

A template is a folder of real files under ``templates/``: ``_base/`` holds what every project shares (package.json
with pinned versions, tsconfig.json, vitest.config.ts, wrangler.jsonc, the migration helper), ``<id>/`` holds what
is specific (src/, test/, README.md) plus ``template.json`` with the summary, features and Durable Object classes.
Files are rendered with Jinja2. StrictUndefined makes a misspelt variable fail loudly at generation time instead
of producing a project with a blank where a class name should be.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
BASE = "_base"
CLASS = "_class"
META = "template.json"

# Files never copied from a template folder into a project.
SKIP_NAMES = {META, "__pycache__", ".DS_Store", "node_modules"}
# Stored without the leading dot (package-data globs and some packagers skip dotfiles), renamed on output.
RENAMES = {"gitignore": ".gitignore"}


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    # keep_trailing_newline: generated files end with a newline like the sources; no autoescape (not HTML).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


@lru_cache(maxsize=None)
def template_ids() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in TEMPLATES_DIR.iterdir()
                        if p.is_dir() and not p.name.startswith("_") and (p / META).is_file()))


@lru_cache(maxsize=None)
def meta(template_id: str) -> dict[str, Any]:
    return json.loads((TEMPLATES_DIR / template_id / META).read_text(encoding="utf-8"))


def folder_files(folder: str) -> list[str]:
    """Paths (POSIX, relative to the folder) of the files in one template folder, sorted."""
    root = TEMPLATES_DIR / folder
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not any(part in SKIP_NAMES for part in rel.parts):
            out.append(rel.as_posix())
    return out


def output_path(rel_path: str) -> str:
    head, _, name = rel_path.rpartition("/")
    name = RENAMES.get(name, name)
    return f"{head}/{name}" if head else name


def render(folder: str, rel_path: str, variables: dict[str, Any]) -> str:
    return environment().get_template(f"{folder}/{rel_path}").render(**variables)
