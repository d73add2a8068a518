"""Scaffolding: complete SQLite-backed Durable Object projects, or one class for an existing project.

Core API (no MCP, no CLI):

- ``list_templates() -> TemplateList``
- ``scaffold_project(name, template, config_style="exports") -> ScaffoldProjectResult``  (renders, writes nothing)
- ``scaffold_class(class_name, features, binding=None, config_format="jsonc", config_style="exports")
  -> ScaffoldClassResult``
- ``write_files(target, files, force=False) -> list[Path]``  (the CLI's safe writer)
"""

from __future__ import annotations

from .classgen import FEATURES, scaffold_class
from .project import CONFIG_STYLES, COMPATIBILITY_DATE, list_templates, scaffold_project
from .writer import write_files

__all__ = ["list_templates", "scaffold_project", "scaffold_class", "write_files", "FEATURES", "CONFIG_STYLES",
           "COMPATIBILITY_DATE"]
