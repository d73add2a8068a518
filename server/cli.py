"""The command-line adapter: the same core functions as the MCP tools, for people and CI.

    do-expert serve [--transport stdio|http] [--host H] [--port P] [--workers N]
    do-expert search QUERY [--limit N] [--topic T] [--source S] [--include-text] [--max-chars N] [--json]
    do-expert read ID... [--max-chars N] [--json]
    do-expert index build|status [--json]
    do-expert review PATH... [--format text|json|sarif] [--strict] [--compatibility-date D] [--fix] [--unsafe-fixes]
    do-expert upgrade PATH [--to YYYY-MM-DD] [--write] [--json]
    do-expert rules [RULE] [--json]
    do-expert new NAME --template T [--dir D] [--config-style exports|migrations] [--force] [--json]
    do-expert templates [--json]
    do-expert sources add PATH [--name N] | list | remove NAME | sync [--url URL]   (server/cli_sources.py)

Results go to stdout; logs and errors to stderr. Exit codes: 0 success, 1 findings (review), 2 bad input or a core
error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from server import __version__
from server.errors import DoExpertError

log = logging.getLogger("do_expert")


def _engine():
    """Every source: the bundled reference, the user's folders and the synced docs (server/sources/library.py)."""
    from server.sources.library import Library

    return Library()


def _print_json(model) -> None:
    data = model.model_dump(mode="json") if hasattr(model, "model_dump") else model
    print(json.dumps(data, indent=2, ensure_ascii=False))


# ------------------------------------------------------------------------------------------------------- commands
def cmd_serve(args: argparse.Namespace) -> int:
    from server.app import run
    from server.errors import InvalidInputError

    if not 1 <= args.workers <= 64:
        raise InvalidInputError(f"--workers must be from 1 to 64, got {args.workers}", hint="e.g. --workers 2")
    if args.workers > 1 and args.transport != "http":
        raise InvalidInputError("--workers needs --transport http", hint="stdio serves one client per process")

    run("http" if args.transport == "http" else "stdio", host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from server.progress import listening, terminal_listener

    with terminal_listener() as bar, listening(bar):  # indexing a newly added source shows its progress
        result = _engine().search(" ".join(args.query), args.limit, args.topic, args.source, args.include_text,
                                  args.max_chars)
    if args.json:
        _print_json(result)
        return 0
    if not result.results:
        print(f"No sections match {result.query!r}.")
    if not result.covered:
        print(f"Not covered: {result.note}\n")
    for i, hit in enumerate(result.results, 1):
        origin = "" if hit.source == "bundled" else f"  [{hit.source}, unverified{', fetched ' + hit.fetched[:10] if hit.fetched else ''}]"
        print(f"{i}. {hit.id}  ({hit.title} > {hit.section})  relevance {hit.relevance:.2f}{origin}")
        print(f"   {hit.snippet}")
        if hit.text:
            print(f"\n{hit.text}\n")
    if result.suggestion:
        print(f"\nDid you mean: {result.suggestion}")
    if result.results:
        print(f"\n{len(result.results)} of {result.total} sections. Read one with: do-expert read {result.results[0].id}")
    return 0


def cmd_read(args: argparse.Namespace) -> int:
    result = _engine().read(args.ids, args.max_chars)
    if args.json:
        _print_json(result)
    else:
        for section in result.sections:
            checked = section.last_verified if section.verified else f"no ({section.source})"
            print(f"<!-- {section.id}  sources: {', '.join(section.sources)}  verified: {checked} -->\n"
                  f"{section.markdown}\n")
    for miss in result.missing:
        near = f" (did you mean: {', '.join(miss.did_you_mean)}?)" if miss.did_you_mean else " (try: do-expert search ...)"
        print(f"do-expert: no section or doc with id {miss.id!r}{near}", file=sys.stderr)
    return 2 if result.missing and not result.sections else 0


def cmd_index(args: argparse.Namespace) -> int:
    from server.search.corpus import Corpus
    from server.search.store import build, index_root, references_dir, status

    corpus = Corpus(references_dir())
    root = index_root()
    if args.action == "build":
        build(corpus, root, replace=True)
    info = status(corpus, root).as_dict()
    if args.json:
        _print_json(info)
    else:
        state = {"fresh": "fresh (opened and probed)",
                 "missing": "missing or stale (built automatically on next use, or run: do-expert index build)",
                 "damaged": f"damaged: {info['problem']} (moved aside and rebuilt automatically on next use, "
                            "or run: do-expert index build)"}[info["state"]]
        print(f"index: {info['root']}/{info['generation']}\nstate: {state}\n"
              f"documents: {info['documents']}  sections: {info['sections']}  built: {info['built_at']}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    """Exit 1 when there are errors (or warnings with --strict), so the command gates CI like a linter."""
    from server.review import format_text, review_files, to_sarif
    from server.review.files import collect_paths

    files = collect_paths(args.paths)
    if args.fix or args.unsafe_fixes:
        result, fixed_texts = _apply_fixes(files, args)
        files = [(p, fixed_texts.get(p, t)) for p, t in files]  # SARIF fingerprints hash the fixed lines
    else:
        result = review_files(files, args.compatibility_date)
    fmt = "json" if args.json else args.format
    if fmt == "json":
        _print_json(result)
    elif fmt == "sarif":
        print(json.dumps(to_sarif(result, dict(files)), indent=2, ensure_ascii=False))
    else:
        print(format_text(result))
    failing = result.summary.error + (result.summary.warning if args.strict else 0)
    return 1 if failing else 0


def _apply_fixes(files, args):
    """--fix / --unsafe-fixes: fix, re-review, repeat; write each changed file atomically; report on stderr. The
    review printed afterwards is of the fixed code."""
    from server.review.fixes import fix_loop, write_atomically

    run = fix_loop(files, unsafe=args.unsafe_fixes, compatibility_date=args.compatibility_date)
    for path, text in run.texts.items():
        write_atomically(path, text)
        rules = run.fixed.get(path, [])
        counts = ", ".join(f"{r} x{rules.count(r)}" if rules.count(r) > 1 else r for r in dict.fromkeys(rules))
        print(f"fixed {path}: {len(rules)} finding(s) ({counts})", file=sys.stderr)
    for path in run.refused:
        print(f"not fixed {path}: the fixed text would not parse; fix it by hand", file=sys.stderr)
    left = [f for f in run.result.findings if f.edits]
    if not args.unsafe_fixes and any(f.fix_safety == "unsafe" for f in left):
        n = sum(f.fix_safety == "unsafe" for f in left)
        print(f"{n} more fix(es) available with --unsafe-fixes (they change behaviour or add stubs: read them)",
              file=sys.stderr)
    if not run.texts:
        print("nothing to fix", file=sys.stderr)
    return run.result, run.texts


def cmd_upgrade(args: argparse.Namespace) -> int:
    """Show the plan, the crossed flags and a diff; write only with --write (atomically, file by file)."""
    import difflib

    from server.review.fixes import apply_edits, write_atomically
    from server.upgrade import upgrade_project
    from server.upgrade.files import collect_project

    files = collect_project(args.path)
    result = upgrade_project(files, args.to)
    if args.json:
        _print_json(result)
    texts = dict(files)
    by_path: dict[str, list] = {}
    for e in result.edits:
        by_path.setdefault(e.path, []).append(e)
    new = {p: apply_edits(texts.get(p, ""), es)[0] for p, es in by_path.items()}  # a path not read is a new file
    if not args.json:
        for line in result.plan:
            print(f"- {line}")
        for c in result.crossed:
            where = ", ".join(f"{a.path}:{a.line}" for a in c.affected) or "no code found that it affects"
            print(f"crossed {c.date} {c.flag}: {c.what} [{where}]")
        for p, text in new.items():
            sys.stdout.writelines(difflib.unified_diff(texts.get(p, "").splitlines(True), text.splitlines(True),
                                                       f"a/{p}", f"b/{p}"))
    if args.write:
        for p, text in new.items():
            target = os.path.join(args.path, p)
            if p in texts:
                write_atomically(target, text)
            else:  # a new file (e.g. test/env.d.ts): exclusive create, never over a file the walk skipped
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
                with open(target, "x", encoding="utf-8", newline="") as fh:
                    fh.write(text)
        print(f"wrote {len(new)} file(s)" + ("; run npm install" if "package.json" in {os.path.basename(p) for p in new}
                                              else ""), file=sys.stderr)
    elif new:
        print("nothing written: run again with --write to apply", file=sys.stderr)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from server.review import explain_rule, list_rules, rule_markdown

    if args.rule:
        if args.json:
            _print_json(explain_rule(args.rule))
        else:
            print(rule_markdown(args.rule))
        return 0
    result = list_rules()
    if args.json:
        _print_json(result)
        return 0
    width = max(len(r.id) for r in result.rules)
    for r in result.rules:
        print(f"{r.id:{width}}  {r.severity:7}  {r.summary}")
    print("\nExplain one with: do-expert rules RULE")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from pathlib import Path

    from server.scaffold import scaffold_project, write_files

    # Render first: a bad name, template or style fails before anything touches the disk.
    result = scaffold_project(args.name, args.template, args.config_style)
    target = Path(args.dir) if args.dir else Path.cwd() / args.name
    written = write_files(target, result.files, force=args.force)
    if args.json:
        _print_json({"target": str(target.resolve()), "template": result.template,
                     "files": [f.path for f in result.files], "next_steps": result.next_steps})
        return 0
    print(f"Created {target} from the {result.template!r} template ({len(written)} files).")
    print(f"Next:\n  cd {target}\n  npm install\n  npm test            # vitest inside workerd\n"
          f"  npx wrangler dev    # local server")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from server.scaffold import list_templates

    result = list_templates()
    if args.json:
        _print_json(result)
        return 0
    for t in result.templates:
        print(f"{t.id:14} {t.summary}\n{'':14} features: {', '.join(t.features)}")
    print("\nCreate one with: do-expert new NAME --template ID")
    return 0


# --------------------------------------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="do-expert", description="Cloudflare Durable Objects expert: "
                                     "search the reference, review code, scaffold projects.")
    parser.add_argument("--version", action="version", version=f"do-expert {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug output to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run the MCP server (stdio by default)")
    p.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="HTTP port (default 8000)")
    p.add_argument("--workers", type=int, default=1,
                   help="HTTP worker processes sharing one read-only index (default 1; http only)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("search", help="search the reference corpus")
    p.add_argument("query", nargs="+", help="the question or keywords")
    p.add_argument("--limit", type=int, default=5, help="results to show, 1-20 (default 5)")
    p.add_argument("--topic", help="restrict to one doc id")
    p.add_argument("--source", help="restrict to one source: bundled, or a name from 'do-expert sources list'")
    p.add_argument("--include-text", action="store_true", help="print the full text of the top hits")
    p.add_argument("--max-chars", type=int, help="character budget for --include-text (200-200000)")
    p.add_argument("--json", action="store_true", help="print the structured result as JSON")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("read", help="print reference sections or whole docs by id")
    p.add_argument("ids", nargs="+", metavar="ID", help="section id (doc#slug) or doc id")
    p.add_argument("--max-chars", type=int, help="cut the text at this many characters in all (200-200000)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_read)

    p = sub.add_parser("index", help="build the search index or show its status")
    p.add_argument("action", choices=["build", "status"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_index)

    # review and scaffold subcommands follow, one block each

    p = sub.add_parser("review", help="review Durable Object code and wrangler config (exit 1 on errors)")
    p.add_argument("paths", nargs="+", metavar="PATH",
                   help="files or folders; the wrangler config beside a given file is included")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text",
                   help="text (default), json (the review_code result) or sarif (SARIF 2.1.0 for code scanning)")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too, not only on errors")
    p.add_argument("--compatibility-date", metavar="YYYY-MM-DD",
                   help="judge date-gated rules as of this date (default: the config's compatibility_date)")
    p.add_argument("--fix", action="store_true",
                   help="apply the safe fixes (behaviour kept), review again, and print the review of the result")
    p.add_argument("--unsafe-fixes", action="store_true",
                   help="apply the unsafe fixes too (behaviour changes, or stubs to fill in); implies --fix")
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("upgrade", help="move a DO project to current practice (shows a diff; --write applies it)")
    p.add_argument("path", metavar="PATH", help="the project folder (with wrangler.jsonc and package.json)")
    p.add_argument("--to", metavar="YYYY-MM-DD", help="target compatibility date (default 2026-11-01)")
    p.add_argument("--write", action="store_true", help="apply the edits (atomic writes); default shows them only")
    p.add_argument("--json", action="store_true", help="print the upgrade_project result as JSON")
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("rules", help="list the review rules, or explain one")
    p.add_argument("rule", nargs="?", help="a rule id, e.g. do-sql-interpolation")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_rules)

    p = sub.add_parser("new", help="create a Durable Object project from a template")
    p.add_argument("name", help="project and Worker name: lowercase letters, digits and '-'")
    p.add_argument("--template", "-t", required=True, help="template id (see: do-expert templates)")
    p.add_argument("--dir", help="folder to write into (default: ./NAME)")
    p.add_argument("--config-style", choices=["exports", "migrations"], default="exports",
                   help="declare classes with exports (default) or migrations tags")
    p.add_argument("--force", action="store_true", help="overwrite files that already exist")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("templates", help="list the project templates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_templates)

    from server.cli_sources import add_sources_parser

    add_sources_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else getattr(logging, os.environ.get("DO_EXPERT_LOG_LEVEL", "WARNING"),
                                                       logging.WARNING)
    if args.command != "serve":
        logging.basicConfig(stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except DoExpertError as exc:
        print(f"do-expert: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. piped into `head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
