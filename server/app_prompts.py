"""The MCP prompts (review, design, study, fix) and the completions for their arguments and the section resource
template, registered on the server in server/app.py (imported at the end of that module)."""

from __future__ import annotations

from mcp.types import Completion, PromptReference, ResourceTemplateReference

from server.app import engine, mcp
from server.completions import complete_ids
from server.errors import DoExpertError


# ----------------------------------------------------------------------------------------------------------- prompts
@mcp.prompt(name="review-durable-object", title="Review Durable Object code")
def review_durable_object(code: str, path: str = "src/index.ts") -> str:
    """Review Durable Object code against the platform's rules, then explain and fix the findings."""
    return (
        f"Review this Durable Object code ({path}).\n\n"
        "1. Call the review_code tool with the file (and the project's wrangler config if you have it).\n"
        "2. For each finding, call explain_rule when the reason is unclear, and read_docs for the linked sections.\n"
        "3. Explain each problem in one or two sentences, then give the corrected code.\n"
        "4. Call review_code again on the corrected code until it comes back clean.\n\n"
        f"```ts\n{code}\n```"
    )


@mcp.prompt(name="design-durable-object", title="Design a Durable Object")
def design_durable_object(use_case: str, template: str = "") -> str:
    """Plan a Durable Object design for a described use case, grounded in the reference (optionally starting from
    a project template id)."""
    start = (f"Start from the '{template}' template (scaffold_project) and adapt it.\n\n" if template else "")
    return (
        f"Design a SQLite-backed Cloudflare Durable Object for this use case:\n\n{use_case}\n\n{start}"
        "Before answering, call search_docs for each design question (what is the atom of coordination and how "
        "are objects named; what schema and migrations; RPC methods; alarms or WebSockets if needed; limits that "
        "apply) and read_docs on the best results. Then give: the object's identity and sharding, the SQL schema "
        "with a _sql_schema_migrations table, the RPC interface, scheduling and real-time parts, the wrangler.jsonc "
        "(declarative exports), and the tests (@cloudflare/vitest-plugin). Cite the section ids you relied on."
    )


@mcp.prompt(name="study-reference", title="Study a reference topic")
def study_reference(id: str) -> str:
    """Read one reference doc or section and apply it to the current task."""
    return (f"Call read_docs with ids ['{id}'] and read it fully. Then apply what it says to the current task, "
            "quoting the section ids you rely on, and search_docs for anything it leaves open.")


@mcp.prompt(name="fix-rule-finding", title="Fix a review finding")
def fix_rule_finding(rule: str, code: str = "") -> str:
    """Explain one review rule and fix the code it flagged."""
    shown = f"\n\n```ts\n{code}\n```" if code else ""
    return (f"Call explain_rule with '{rule}', read_docs its `docs` ids, then fix every place the rule flags in the "
            f"code below and call review_code until it is clean.{shown}")


# ------------------------------------------------------------------------------------------------------- completions
MAX_COMPLETIONS = 100


# (reference kind, argument name) -> what the argument holds
_COMPLETABLE = {
    ("template", "doc_id"): "doc", ("template", "slug"): "slug",
    ("study-reference", "id"): "ref", ("fix-rule-finding", "rule"): "rule",
    ("design-durable-object", "template"): "template",
}


@mcp.completion()
async def complete(ref, argument, context) -> Completion | None:
    """Doc, section, rule and template ids for the section resource template and the prompts' arguments."""
    if isinstance(ref, ResourceTemplateReference) and ref.uri.startswith("do-docs://"):
        key = ("template", argument.name)
    elif isinstance(ref, PromptReference):
        key = (ref.name, argument.name)
    else:
        return None
    kind = _COMPLETABLE.get(key)
    if kind is None:
        return None
    known = dict(context.arguments or {}) if context is not None and context.arguments else {}
    try:
        values = complete_ids(kind, argument.value or "", known, engine)
    except DoExpertError:
        return None
    return Completion(values=values[:MAX_COMPLETIONS], total=len(values), has_more=len(values) > MAX_COMPLETIONS)
