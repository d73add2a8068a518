"""The MCP adapter: tools, resources and prompts over the core, on mcp.server.mcpserver.MCPServer.

Nothing here knows how search, review or scaffolding work. Each tool validates through its type hints, calls the core
(off the event loop, with a deadline: server/app_calls.py), and returns the core's pydantic model as structured
content. A ``DoExpertError`` from the core becomes a tool error whose text carries the message, a hint and the stable
error code; any other exception is a bug and the SDK reports it as such without leaking a traceback to the client.
Logs go to stderr: on stdio, stdout is the protocol.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
import threading
import time
from typing import TYPE_CHECKING, Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError, UnexpectedToolError
from mcp.types import CallToolResult, ResourceLink, TextContent, ToolAnnotations
from pydantic import Field, ValidationError

from server import __version__
from server.app_calls import run_core, run_review
from server.arguments import compact_schema, describe
from server.errors import DoExpertError
from server.models import DocList, ReadResult, SearchResult, SourceList
from server.models import ScaffoldClassResult, ScaffoldProjectResult, TemplateList
from server.models import ReviewFile, ReviewResult, RuleExplanation, RuleList
from server.models import UpgradeResult

if TYPE_CHECKING:
    from server.sources.library import Library

log = logging.getLogger("do_expert")

READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, destructiveHint=False, openWorldHint=False)

INSTRUCTIONS = """\
do-expert knows SQLite-backed Cloudflare Durable Objects (DOs) as they are in late 2026: storage and SQL, RPC,
alarms, WebSocket hibernation, limits, class lifecycle (exports / migrations), testing with @cloudflare/vitest-plugin.
Use search_docs with the developer's question in plain words, then read_docs with the ids it returns before writing
DO code; list_docs shows every topic. Prefer these references over memory: several APIs changed in 2026."""

class DoExpertServer(MCPServer):
    """MCPServer whose argument validation errors are do-expert tool errors (field, allowed range, hint)."""

    async def call_tool(self, name, arguments, context=None):
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(describe(name, exc.__cause__, self._tool_input_schema(name))) from exc.__cause__
            raise

    async def list_resources(self):
        _register_doc_resources()  # the doc list needs the corpus: loaded here, not before initialize
        return await super().list_resources()

    async def read_resource(self, uri, context=None):
        _register_doc_resources()
        return await super().read_resource(uri, context)

    async def list_tools(self):
        start_warm_up()  # the client is past initialize: open the index now, while it reads the tool list
        return await self._list_tools_compact()

    async def _list_tools_compact(self):
        """Tools without pydantic's generated schema titles ("Id", "Query"...): they repeat the property names and
        made a third of tools/list, which every client loads into the model's context. Budget: 15 KB in all."""
        tools = await super().list_tools()
        for tool in tools:
            if tool.description:  # docstring indentation and line breaks are bytes the model reads for nothing
                tool.description = " ".join(tool.description.split())
            tool.input_schema = compact_schema(tool.input_schema)
            if tool.output_schema is not None:
                tool.output_schema = compact_schema(tool.output_schema, output=True)
        return tools


mcp = DoExpertServer(name="do-expert", title="Durable Objects expert", version=__version__, instructions=INSTRUCTIONS)


WARM_UP_FALLBACK_SECONDS = 1.0
_engine: "Library | None" = None
_engine_lock = threading.Lock()


def engine() -> "Library":
    """The process's sources (the bundled reference first), opened on first use (or by the warm-up thread that
    run() starts), so that initialize and tools/list never wait for an index."""
    global _engine
    if _engine is None:
        with _engine_lock:
            if _engine is None:
                from server.sources.library import Library

                _engine = Library()
    return _engine


def search_kind() -> str:
    """A search that must first index a newly added source gets the indexing deadline, not the search one."""
    return "index" if _engine is not None and _engine.pending() else "search"


# ------------------------------------------------------------------------------------------------------ search tools
# Example ids in descriptions must exist: tests/search/test_search_contract.py checks every one of them.
EXAMPLE_SECTION = "sqlite-storage#transactionsync"
EXAMPLE_DOC = "alarms"


@mcp.tool(title="Search the Durable Objects reference", annotations=READ_ONLY)
async def search_docs(
    query: Annotated[str, Field(min_length=1, max_length=1000, description="The question, in plain words.")],
    limit: Annotated[int, Field(ge=1, le=20)] = 5,
    topic: Annotated[str | None, Field(description=f"Only this doc id, e.g. '{EXAMPLE_DOC}'.")] = None,
    source: Annotated[str | None, Field(description="'bundled' or a list_sources name.")] = None,
    include_text: Annotated[bool, Field(description="Add the top hits' full text.")] = False,
    max_chars: Annotated[int | None, Field(ge=200, le=200000, description="include_text budget (6000).")] = None,
    ctx: Context | None = None,
) -> Annotated[CallToolResult, SearchResult]:
    """Search the verified reference on SQLite-backed Cloudflare Durable Objects: use it before writing DO code or
    when asked how a DO API, limit, config key or error works. Ask in plain sentences. If `covered` is false the
    reference has no good answer. verified=false hits (the user's docs, synced Cloudflare pages) yield to bundled
    ones where they disagree. Next: read_docs with the best ids, or include_text for their text now."""
    result = await run_core(lambda: engine().search(query, limit, topic, source, include_text, max_chars),
                            search_kind(), ctx)
    links = [ResourceLink(type="resource_link", uri=h.uri, name=h.id, title=f"{h.title} > {h.section}",
                          mime_type="text/markdown") for h in result.results]
    body = result.model_dump_json(exclude_none=True)
    return CallToolResult(content=[TextContent(type="text", text=body), *links],
                          structured_content=result.model_dump(mode="json"))


@mcp.tool(title="Read reference sections", annotations=READ_ONLY)
async def read_docs(
    ids: Annotated[list[str], Field(min_length=1, max_length=10,
                                    description=f"Section ids ('{EXAMPLE_SECTION}') or doc ids ('{EXAMPLE_DOC}').")],
    max_chars: Annotated[int | None, Field(ge=200, le=200000, description="Total text budget.")] = None,
    ctx: Context | None = None,
) -> ReadResult:
    """Read reference sections (ids from search_docs) or whole docs, each with its own source URLs and the date
    they were verified. Unknown ids come back in `missing` with `did_you_mean`. Cite the sources you rely on."""
    return await run_core(lambda: engine().read(ids, max_chars), search_kind(), ctx)


@mcp.tool(title="List reference topics", annotations=READ_ONLY)
async def list_docs(
    sections: Annotated[bool, Field(description="Also list section ids.")] = False,
    source: Annotated[str | None, Field(description="A list_sources name (default: bundled).")] = None,
    ctx: Context | None = None,
) -> DocList:
    """List the reference docs (id, title, summary) to see what is covered or pick a search_docs `topic`."""
    return await run_core(lambda: engine().list_docs(sections, source), search_kind(), ctx)


@mcp.tool(title="List doc sources", annotations=READ_ONLY)
async def list_sources(ctx: Context | None = None) -> SourceList:
    """What search_docs searches, and how fresh: the verified bundled reference, the user's folders and synced
    Cloudflare docs (unverified). Sources are added on the CLI."""
    return await run_core(lambda: engine().list_sources(), search_kind(), ctx)


# ------------------------------------------------------------------------------------------------------ scaffold tools
@mcp.tool(title="List project templates", annotations=READ_ONLY)
async def list_templates() -> TemplateList:
    """List the Durable Object project templates with the features each uses. Next: scaffold_project with the
    id that fits; to add one class to an existing project, scaffold_class."""
    from server.scaffold import list_templates as core_list_templates

    return await run_core(core_list_templates, "scaffold")


@mcp.tool(title="Generate a Durable Object project", annotations=READ_ONLY)
async def scaffold_project(
    name: Annotated[str, Field(description="Project and Worker name: lowercase letters, digits and '-', "
                                           "1-63 characters, e.g. 'team-chat'.")],
    template: Annotated[str, Field(description="Template id from list_templates, e.g. 'chat-room'.")],
    config_style: Annotated[Literal["exports", "migrations"],
                            Field(description="'exports' (current) or legacy 'migrations'.")] = "exports",
) -> ScaffoldProjectResult:
    """Generate a complete SQLite-backed Durable Object project (files returned, nothing written) with pinned
    packages, migrations and workerd tests; it passes tsc, vitest and wrangler deploy --dry-run as generated. Next:
    write the files under a new folder and follow next_steps."""
    from server.scaffold import scaffold_project as core_scaffold_project

    return await run_core(lambda: core_scaffold_project(name, template, config_style), "scaffold")


@mcp.tool(title="Generate one Durable Object class", annotations=READ_ONLY)
async def scaffold_class(
    class_name: Annotated[str, Field(description="PascalCase class name, e.g. 'ShoppingCart'.")],
    features: Annotated[list[Literal["sql", "kv", "alarms", "websockets", "pitr"]],
                        Field(max_length=10, description="alarms adds sql; websockets are hibernatable.")],
    binding: Annotated[str | None, Field(description="UPPER_SNAKE_CASE; default from the class name.")] = None,
    config_format: Annotated[Literal["jsonc", "toml"],
                             Field(description="The project's wrangler config format.")] = "jsonc",
    config_style: Annotated[Literal["exports", "migrations"],
                            Field(description="What the project's config uses.")] = "exports",
) -> ScaffoldClassResult:
    """Generate one SQLite-backed Durable Object class for an existing project: class file, vitest test and a
    wrangler config patch (nothing written). Next: write the files, export the class, merge config_patch, run the
    tests, then review_code with the updated config."""
    from server.scaffold import scaffold_class as core_scaffold_class

    return await run_core(lambda: core_scaffold_class(class_name, list(features), binding, config_format,
                                                      config_style), "scaffold")


# -------------------------------------------------------------------------------------------------------- review tools
@mcp.tool(title="Review Durable Object code", annotations=READ_ONLY)
async def review_code(
    files: Annotated[list[ReviewFile], Field(min_length=1, max_length=50,
                                             description="DO and Worker sources plus the wrangler config.")],
    compatibility_date: Annotated[str | None, Field(description="YYYY-MM-DD; default: the config's.")] = None,
) -> ReviewResult:
    """Review Durable Object TypeScript and wrangler config for platform bugs: singletons, awaits that break
    write atomicity, races across I/O, SQL injection, alarm and WebSocket mistakes, undeclared classes. Send the
    changed files with the wrangler config. Mechanical fixes carry `edits` and `fix_safety` ('unsafe': read it).
    Next: fix errors and warnings (explain_rule, read_docs), review again until `clean` and not `another_pass`.
    Silence a deliberate case with `// do-expert-ignore <rule-id>`."""
    return await run_review([(f.path, f.content) for f in files], compatibility_date)


@mcp.tool(title="List review rules", annotations=READ_ONLY)
async def list_rules() -> RuleList:
    """List every review rule: id, severity (error, warning, info), one-line summary and reference ids.

    Use it to see what review_code checks. Next: explain_rule for one rule's reasoning and examples.
    """
    from server.review import list_rules as core_list_rules

    return await run_core(core_list_rules, "review")


@mcp.tool(title="Explain a review rule", annotations=READ_ONLY)
async def explain_rule(
    rule: Annotated[str, Field(description="Rule id from a review_code finding or list_rules, e.g. "
                                           "'do-sql-interpolation'.")],
) -> RuleExplanation:
    """Explain a review rule: why it fails on Durable Objects, bad and good examples, the fix, doc ids. Next:
    apply the fix and review_code again."""
    from server.review import explain_rule as core_explain_rule

    return await run_core(lambda: core_explain_rule(rule), "review")


@mcp.tool(title="Plan an upgrade of an old Durable Object project", annotations=READ_ONLY)
async def upgrade_project(
    files: Annotated[list[ReviewFile], Field(min_length=1, max_length=200,
                                             description="Config, package.json, vitest config, sources, tests.")],
    to_date: Annotated[str | None, Field(description="YYYY-MM-DD, default 2026-11-01.")] = None,
) -> UpgradeResult:
    """Move an old Durable Object project to current practice (nothing written): compatibility date bumped with
    the behaviour changes crossed, `migrations` to `exports`, vitest-pool-workers to vitest-plugin, KV-backed
    classes copied to SQLite ones. Next: apply edits, follow the plan, test, review_code."""
    from server.upgrade import upgrade_project as core_upgrade_project

    return await run_core(lambda: core_upgrade_project([(f.path, f.content) for f in files], to_date), "review")


def _rule_reader(rule_id: str) -> Callable[[], str]:
    def reader() -> str:
        from server.review import rule_markdown

        return rule_markdown(rule_id)

    return reader


def _register_rule_resources() -> None:
    """Each review rule's documentation is a resource do-rules://<rule-id> (Markdown: why, bad, good, fix)."""
    from server.review import list_rules as core_list_rules

    for r in core_list_rules().rules:
        mcp.resource(f"do-rules://{r.id}", name=r.id, title=f"Review rule {r.id}", description=r.summary,
                     mime_type="text/markdown")(_rule_reader(r.id))



# --------------------------------------------------------------------------------------------------------- resources
_docs_registered = threading.Event()
_docs_lock = threading.Lock()


def _register_doc_resources() -> None:
    """Each reference doc is a resource do-docs://<doc-id>; sections through the template below. Runs once, on the
    first resources request or in the warm-up thread, whichever comes first."""
    if _docs_registered.is_set():
        return
    with _docs_lock:
        if _docs_registered.is_set():
            return
        _register_rule_resources()  # imports the review engine: kept off the start-up path too
        _register_doc_resources_now()
        _docs_registered.set()


def _register_doc_resources_now() -> None:
    try:
        docs = engine().list_docs().docs
    except DoExpertError as exc:
        log.error("reference corpus unavailable, no doc resources registered: %s", exc)
        return
    for doc in docs:
        mcp.resource(f"do-docs://{doc.id}", name=doc.id, title=doc.title, description=doc.summary,
                     mime_type="text/markdown")(_doc_reader(doc.id))


def _doc_reader(doc_id: str) -> Callable[[], str]:
    def reader() -> str:
        text = engine().doc_markdown(doc_id)
        if text is None:
            raise ResourceNotFoundError(f"no reference doc {doc_id!r}")
        return text

    return reader


@mcp.resource("do-docs://{doc_id}/{slug}", name="reference-section", mime_type="text/markdown",
              description="One section of a reference doc: do-docs://<doc-id>/<section-slug> "
                          "(the section id '<doc-id>#<slug>' from search_docs, with '/' for '#').")
def read_section(doc_id: str, slug: str) -> str:
    text = engine().doc_markdown(f"{doc_id}#{slug}")
    if text is None:
        raise ResourceNotFoundError(f"no reference section {doc_id}#{slug}; use search_docs to find section ids")
    return text


# -------------------------------------------------------------------------------------------------------- transports
_warm_up_started = threading.Event()


def start_warm_up(delay: float = 0.0) -> None:
    """Open the search index in a background thread (once). Started when the client lists the tools, so the open
    does not compete for the interpreter with answering initialize and tools/list; ``run`` also starts it after a
    short delay for clients that never list tools."""
    if _warm_up_started.is_set():
        return
    _warm_up_started.set()
    threading.Thread(target=_warm_up, args=(delay,), name="do-expert-warm-up", daemon=True).start()


def _warm_up(delay: float) -> None:
    if delay:
        time.sleep(delay)
    try:
        engine().list_sources()  # also indexes a source added since the last run, before a search needs it
    except Exception:  # the first real call reports the error to the client; here it is only logged
        log.exception("opening the search index failed")


def run(transport: str = "stdio", host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    logging.basicConfig(stream=sys.stderr, level=os.environ.get("DO_EXPERT_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Open (or build) the index in the background: initialize and tools/list are answered at once, and the first
    # search waits only for whatever of the load is left.
    timer = threading.Timer(WARM_UP_FALLBACK_SECONDS, start_warm_up)
    timer.daemon = True
    timer.start()
    if transport == "stdio":
        if sys.stdin.isatty():  # a person started it in a terminal: say why nothing seems to happen
            print("do-expert: waiting for an MCP client on stdin (stdio transport). Configure your MCP client to "
                  "start this command, or use --transport http. Press Ctrl-C to stop.", file=sys.stderr, flush=True)
        mcp.run("stdio")
        return
    from server.http import serve_http

    serve_http(mcp, host=host, port=port, workers=workers)


# Prompts and completions live in their own module; importing it registers them on `mcp`.
from server import app_prompts  # noqa: E402,F401
