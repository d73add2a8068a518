"""do-kv-list-unbounded: storage.list() with no bound loads every key."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args
from ..rule import Rule

_BOUNDS = ("limit", "prefix", "start", "startAfter", "end")


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "list"):
            if ctx.storage_call(src, call) not in (("storage", "list"), ("kv", "list")):
                continue
            args = call_args(call)
            if args and args[0].type != "object":
                continue  # options built elsewhere: cannot tell
            keys = set()
            if args:
                for p in args[0].named_children:
                    k = p.child_by_field_name("key") if p.type == "pair" else p
                    keys.add(src.text_of(k).strip("'\""))
            if not keys.intersection(_BOUNDS):
                yield ctx.hit(src, call, "list() without limit, prefix, start or end reads every key into memory at "
                              "once; the object has 128 MB. This is a real problem when the number of keys can grow "
                              "without bound (per user, per message); for a small fixed set it is fine.",
                              confidence="low")


RULE = Rule(
    id="do-kv-list-unbounded",
    severity="warning",
    summary="storage.list() without limit/prefix/start/end loads every key into memory.",
    why="list() returns all matching entries in one Map. Without a bound it reads the whole key space into the "
        "isolate, which grows without limit as the object's data grows and eventually exceeds the 128 MB memory "
        "limit (and bills every row read).",
    bad='export class Cart extends DurableObject {\n  async items() {\n    return [...(await this.ctx.storage.list()).values()];\n  }\n}',
    good='export class Cart extends DurableObject {\n  async items(after?: string) {\n'
         '    return [...(await this.ctx.storage.list({ prefix: "item:", startAfter: after, limit: 100 })).values()];\n  }\n}',
    fix="Pass `{ prefix, limit }` (and page with `startAfter`), or keep the data in a SQL table and query with LIMIT.",
    docs=("sqlite-storage#kvlist-options", "sqlite-storage#asynchronous-kv-api", "limits"),
    check=check,
)
