"""scaffold_project and list_templates: render a whole project from ``_base`` plus one template folder."""

from __future__ import annotations

from typing import Any

from server.errors import NotFoundError, clip
from server.models import GeneratedFile, ScaffoldProjectResult, TemplateInfo, TemplateList

from . import names, render

CONFIG_STYLES = ("exports", "migrations")
# Recent enough for RPC, deleteAll() deleting the alarm (2026-02-24) and WebSocket auto close replies (2026-04-07);
# not later than the pinned workerd supports, or wrangler and vitest refuse it.
COMPATIBILITY_DATE = "2026-11-01"


def list_templates() -> TemplateList:
    return TemplateList(templates=[
        TemplateInfo(id=tid, summary=render.meta(tid)["summary"], features=list(render.meta(tid)["features"]))
        for tid in render.template_ids()
    ])


def _template_id(template: object) -> str:
    ids = render.template_ids()
    if isinstance(template, str) and template in ids:
        return template
    shown = clip(template) if isinstance(template, str) else type(template).__name__
    raise NotFoundError(f"unknown template {shown}",
                        hint=f"Available templates: {', '.join(ids)}. list_templates (CLI: do-expert templates) describes each.")


def project_variables(name: str, template: str, config_style: str) -> dict[str, Any]:
    meta = render.meta(template)
    return {
        "name": name,
        "template": template,
        "summary": meta["summary"],
        "features": meta["features"],
        "config_style": config_style,
        "compatibility_date": COMPATIBILITY_DATE,
        "classes": meta["classes"],
        "readme": meta.get("readme", []),
        "layout": meta.get("layout", []),
    }


def scaffold_project(name: str, template: str, config_style: str = "exports") -> ScaffoldProjectResult:
    """Render every file of a new project. Nothing is written: the caller (agent or CLI) writes the files."""
    template = _template_id(template)
    name = names.project_name(name)
    config_style = names.choice(config_style, CONFIG_STYLES, "config style")
    variables = project_variables(name, template, config_style)
    files: dict[str, str] = {}
    # The template folder may override a base file (same path) when it needs something different.
    for folder in (render.BASE, template):
        for rel in render.folder_files(folder):
            files[render.output_path(rel)] = render.render(folder, rel, variables)
    return ScaffoldProjectResult(
        template=template,
        files=[GeneratedFile(path=p, content=c) for p, c in sorted(files.items())],
        next_steps=[
            f"Write the files into a new folder named {name}/ (or run: do-expert new {name} --template {template}"
            + (" --config-style migrations" if config_style == "migrations" else "") + ")",
            f"cd {name} && npm install",
            "npx tsc --noEmit && npx vitest run   # type-check, then run the tests inside workerd",
            "npx wrangler dev   # local server; npx wrangler deploy when ready",
            "Review changes with the review_code tool (or: do-expert review src wrangler.jsonc)",
        ],
    )
