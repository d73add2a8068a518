"""``do-expert sources``: a user's own Markdown folders, and a synced copy of Cloudflare's published DO docs.

    do-expert sources add PATH [--name N] [--json]     index a folder of .md/.mdx files beside the bundled reference
    do-expert sources list [--json]                    what is searched, how big and how fresh
    do-expert sources remove NAME                      forget a folder (its files are left alone), or the synced copy
    do-expert sources sync [--url URL] [--timeout S] [--retries N] [--json]
                                                       fetch Cloudflare's DO docs as Markdown (httpx); exit 1 when
                                                       some pages failed (their last good copy is kept)

Sync lives here and not among the MCP tools: it writes to disk and reaches the network, which an agent's read-only
tool set should not do. Long work shows a progress bar on a terminal and plain lines otherwise (server/progress.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

from server.errors import SourceError
from server.progress import listening, terminal_listener
from server.sources import config as cfg

SHOW_SKIPPED = 20


def add_sources_parser(sub) -> None:
    p = sub.add_parser("sources", help="add your own Markdown folders, or sync Cloudflare's published DO docs")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="index a folder of Markdown or MDX files beside the bundled reference")
    a.add_argument("path", help="the folder (searched recursively for .md, .mdx and .markdown files)")
    a.add_argument("--name", help="the source's name (default: from the folder's name)")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("list", help="show every source, its size and freshness")
    a.add_argument("--json", action="store_true")
    a = actions.add_parser("remove", help="stop searching a source (a folder's files are not touched)")
    a.add_argument("name")
    a = actions.add_parser("sync", help="fetch Cloudflare's published Durable Objects docs as Markdown")
    a.add_argument("--url", help="the llms.txt index to read (default: Cloudflare's Durable Objects one, or "
                                 "DO_EXPERT_SYNC_URL)")
    a.add_argument("--timeout", type=float, default=20.0, help="seconds per request (default 20)")
    a.add_argument("--retries", type=int, default=3, help="retries of a failed request, with backoff (default 3)")
    a.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sources)


def cmd_sources(args: argparse.Namespace) -> int:
    return {"add": _add, "list": _list, "remove": _remove, "sync": _sync}[args.action](args)


def _index(source) -> None:
    """Index one source now, with progress, so that the server finds it built."""
    with terminal_listener() as bar, listening(bar):
        source.open()
    if source.problem:
        raise SourceError(f"source {source.name!r} could not be indexed: {source.problem}",
                          hint="it stays configured and is retried; fix the folder or 'do-expert sources remove' it")


def _add(args: argparse.Namespace) -> int:
    from server.sources.library import Source
    from server.sources.loose import walk_markdown

    folder = cfg.checked_folder(args.path)
    files, skipped = walk_markdown(folder)
    if not files:
        raise SourceError(f"no Markdown files in {folder}" + (f" ({len(skipped)} skipped)" if skipped else ""),
                          hint="a source is a folder of .md, .mdx or .markdown text files")
    added = cfg.add_source(folder, args.name)
    source = Source(added.name, "local", folder, str(folder))
    shutil.rmtree(cfg.source_index_dir(added.name), ignore_errors=True)  # an older source of the same name
    _index(source)
    gen = source.engine.current()
    result = {"name": added.name, "path": added.path, "docs": len(gen.docs), "sections": len(gen.section_ids),
              "skipped": [{"path": s.path, "reason": s.reason} for s in skipped]}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"added source {added.name!r}: {folder}\nindexed {result['docs']} docs, {result['sections']} sections")
    _print_skipped(skipped)
    print(f"search it with: do-expert search --source {added.name} QUERY (it is searched by default too)")
    return 0


def _print_skipped(skipped) -> None:
    if skipped:
        print(f"skipped {len(skipped)} files:")
        for s in skipped[:SHOW_SKIPPED]:
            print(f"  {s.path}: {s.reason}")
        if len(skipped) > SHOW_SKIPPED:
            print(f"  ... and {len(skipped) - SHOW_SKIPPED} more (--json lists all)")


def _list(args: argparse.Namespace) -> int:
    from server.sources.library import Library

    with terminal_listener() as bar, listening(bar):
        listed = Library().list_sources()
    if args.json:
        print(json.dumps(listed.model_dump(mode="json"), indent=2))
        return 0
    for s in listed.sources:
        fresh = f"fetched {s.fetched_at}" if s.fetched_at else (f"indexed {s.indexed_at}" if s.indexed_at else "")
        label = "verified" if s.verified else "unverified"
        print(f"{s.name:<20} {s.kind:<8} {label:<10} {s.docs:>5} docs {s.sections:>6} sections  {fresh}")
        print(f"{'':<20} {s.location}" + (f"  ({s.skipped} files skipped)" if s.skipped else ""))
        if s.problem:
            print(f"{'':<20} problem: {s.problem}")
    return 2 if any(s.problem for s in listed.sources) else 0


def _remove(args: argparse.Namespace) -> int:
    if args.name == cfg.SYNCED:
        if not cfg.synced_dir().exists():
            raise SourceError(f"there is no synced copy of {cfg.SYNCED}", hint="'do-expert sources list'")
        shutil.rmtree(cfg.synced_dir())
        print(f"removed the synced copy {cfg.SYNCED} ({cfg.synced_dir()})")
    else:
        removed = cfg.remove_source(args.name)
        print(f"removed source {removed.name!r} ({removed.path}); its files were not touched")
    shutil.rmtree(cfg.source_index_dir(args.name), ignore_errors=True)  # only a cache
    return 0


def _sync(args: argparse.Namespace) -> int:
    from server.sources.library import Source
    from server.sources.sync import DEFAULT_INDEX_URL, SyncLimits, current_copy, sync_docs

    if not 0.1 <= args.timeout <= 600:
        raise SourceError(f"--timeout must be from 0.1 to 600 seconds, got {args.timeout}", hint="e.g. --timeout 30")
    if not 0 <= args.retries <= 10:
        raise SourceError(f"--retries must be from 0 to 10, got {args.retries}", hint="e.g. --retries 3")
    url = args.url or os.environ.get("DO_EXPERT_SYNC_URL") or DEFAULT_INDEX_URL
    with terminal_listener() as bar:
        report = sync_docs(cfg.synced_dir(), url, limits=SyncLimits(timeout=args.timeout, retries=args.retries),
                           progress=lambda done, total, page: bar(done, total, "syncing pages"))
    copy = current_copy(cfg.synced_dir())
    if copy is not None:
        _index(Source.synced(copy))
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        for line in report.summary_lines():
            print(line)
        if copy is not None:
            print(f"stored in {copy.folder} (unverified: where a page disagrees with the bundled reference, the "
                  "bundled one records what the runtime does)")
    return 1 if report.failed else 0


__all__ = ["add_sources_parser", "cmd_sources"]
