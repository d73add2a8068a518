"""Completion values for the MCP completion/complete request: doc ids, section slugs and ids, rule and template
ids, filtered by the prefix typed so far."""

from __future__ import annotations

from collections.abc import Callable


def complete_ids(kind: str, prefix: str, context_args: dict[str, str], engine: Callable) -> list[str]:
    """Ids of ``kind`` ("doc", "slug", "ref", "rule" or "template") starting with ``prefix``. A slug is completed
    within the doc named by the ``doc_id`` argument already given, when there is one."""
    if kind == "doc":
        pool = engine().ids()[0]
    elif kind == "slug":
        doc = context_args.get("doc_id", "")
        sections = engine().ids()[1]
        pool = ([sid.split("#", 1)[1] for sid in sections if sid.startswith(f"{doc}#")] if doc
                else sorted({sid.split("#", 1)[1] for sid in sections}))
    elif kind == "ref":
        docs, sections = engine().ids()
        pool = [*docs, *sections]
    elif kind == "rule":
        from server.review import list_rules

        pool = [r.id for r in list_rules().rules]
    else:
        from server.scaffold import list_templates

        pool = [t.id for t in list_templates().templates]
    return [v for v in pool if v.startswith(prefix)]
