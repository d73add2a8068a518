"""do-delete-key-limit: storage.delete(keys[]) with an array that may hold more than 128 keys."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import call_args, enclosing_function
from ..rule import Rule

MAX_KEYS = 128
# `.slice(0, 128)`, `.slice(i, i + 100)`, `.splice(0, 128)`: a chunk no larger than the limit
_CHUNK = re.compile(r"\.(slice|splice)\([^()]*?(\d+)\s*\)$")


def _bounded(ctx: ReviewContext, src, arg, depth: int = 0) -> bool | None:
    """True when the key array is visibly at most 128 long, False when it is visibly unbounded (the keys of a
    list() result, a spread of one), None when the rule cannot tell."""
    if arg.type == "array" and len(arg.named_children) == 1 and arg.named_children[0].type == "spread_element":
        inner = arg.named_children[0].named_children
        return _bounded(ctx, src, inner[0], depth + 1) if inner and depth < 3 else None  # [...x] is as long as x
    if arg.type == "array":
        return len([c for c in arg.named_children if c.type != "spread_element"]) <= MAX_KEYS and not any(
            c.type == "spread_element" for c in arg.named_children)
    text = src.ntext(arg)
    m = _CHUNK.search(text[-200:])  # the tail is enough for `.slice(a, b)`; keeps the regex cheap on huge args
    if m:
        return int(m.group(2)) <= MAX_KEYS or None
    if re.search(r"\.keys\(\)\]?$|Array\.from\(", text) or ".list(" in text:
        base = re.match(r"^(?:Array\.from\()?([A-Za-z_$][\w$]*)\.keys\(\)", text)
        init = ctx.const_init(src, base.group(1), arg) if base else None
        source = src.ntext(init) if init is not None else text
        if ".list(" in source and "limit:" in source:
            return True  # keys of one list({ limit }) page: as many as the page holds
        return False
    if arg.type == "identifier" and depth < 3:
        init = ctx.const_init(src, src.text_of(arg), arg)
        if init is not None:
            return _bounded(ctx, src, init, depth + 1)
    return None


def _from_param(src, arg, ctx: ReviewContext) -> bool:
    """The keys are built from a parameter of the enclosing function (``skus.map(...)``): its length is the
    caller's (often a client's) to choose."""
    node = arg
    if node.type == "identifier":
        node = ctx.const_init(src, src.text_of(node), node) or node
    m = re.match(r"^\[?(?:\.\.\.)?([A-Za-z_$][\w$]*)\.(map|filter|flatMap)\(", src.ntext(node))
    if not m:
        return False
    fn = enclosing_function(arg)
    params = fn.child_by_field_name("parameters") if fn is not None else None
    return params is not None and any(src.text_of(p.child_by_field_name("pattern")) == m.group(1)
                                      for p in params.named_children if p.child_by_field_name("pattern") is not None)


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "delete", "get"):
            sc = ctx.storage_call(src, call)
            if sc not in (("storage", "delete"), ("storage", "get")):
                continue
            args = call_args(call)
            if not args or args[0].type in ("string", "template_string", "number"):
                continue
            arg = args[0]
            bounded = _bounded(ctx, src, arg)
            if bounded is True:
                continue
            if bounded is None and not _from_param(src, arg, ctx):
                continue  # an array of unknown origin: most are small, and the rule cannot see their size
            verb = sc[1]
            yield ctx.hit(src, call, f"{verb}() with a key array that may hold more than {MAX_KEYS} keys: the "
                          f"call throws above {MAX_KEYS}. This is real when the array comes from data that grows "
                          f"(every key of a list(), every user); split it into chunks of {MAX_KEYS}.",
                          confidence="high" if bounded is False else "medium")


RULE = Rule(
    id="do-delete-key-limit",
    severity="warning",
    summary="storage.delete(keys[]) or get(keys[]) with an array that may exceed 128 keys.",
    why="Multi-key calls on Durable Object storage take at most 128 keys; a larger array makes the call throw, "
        "so a cleanup that worked with a few keys fails once the data grows. (The local runtime has been seen to "
        "accept more, so tests may not catch it; production enforces the limit.) Deleting every key is also what "
        "`deleteAll()` or a `DELETE` statement does in one call.",
    bad='export class Sessions extends DurableObject {\n  async purge(prefix: string) {\n'
        '    const stale = await this.ctx.storage.list({ prefix });\n    await this.ctx.storage.delete([...stale.keys()]);\n  }\n}',
    good='export class Sessions extends DurableObject {\n  async purge(prefix: string) {\n'
         '    const keys = [...(await this.ctx.storage.list({ prefix })).keys()];\n'
         '    for (let i = 0; i < keys.length; i += 128) {\n      await this.ctx.storage.delete(keys.slice(i, i + 128));\n    }\n  }\n}',
    fix="Delete in chunks: `for (let i = 0; i < keys.length; i += 128) await storage.delete(keys.slice(i, i + 128))`; "
        "to clear everything use `deleteAll()`, and in SQLite-backed objects a `DELETE ... WHERE` statement.",
    docs=("limits", "sqlite-storage"),
    check=check,
)
