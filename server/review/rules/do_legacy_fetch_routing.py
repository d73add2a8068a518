"""do-legacy-fetch-routing: a DO fetch() that routes on the URL path instead of RPC methods."""

from __future__ import annotations

import re

from ..context import RPC_DATE, ReviewContext
from ..rule import Rule

_ROUTE = re.compile(r"""pathname\s*===?\s*["'`]|pathname\.startsWith\(|case\s+["'`]/|["'`]/[\w/-]*["'`]\s*===?\s*\w*\.?pathname""")


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        fetch = cls.methods.get("fetch")
        if fetch is None or ctx.before(RPC_DATE, "rpc", src=cls.src):
            continue
        body = cls.src.text_of(fetch)
        if len(_ROUTE.findall(body)) >= 2:  # one path check next to a WebSocket upgrade is normal
            yield ctx.hit(cls.src, fetch.child_by_field_name("name"), f"`{cls.name}.fetch` routes requests by URL path; "
                          "typed RPC methods are simpler, type-checked and need no URL parsing.")


RULE = Rule(
    id="do-legacy-fetch-routing",
    severity="info",
    summary="Durable Object fetch() routes on URL paths where RPC methods would do.",
    why="Since compatibility date 2024-04-03 a Worker can call public methods of a Durable Object directly over "
        "RPC (`await stub.increment()`). Routing through `stub.fetch()` and a switch on `url.pathname` adds URL and "
        "JSON plumbing, loses types and makes errors harder to handle. fetch() remains right for WebSocket upgrades "
        "and proxied HTTP.",
    bad='export class Counter extends DurableObject {\n  async fetch(req: Request) {\n    const url = new URL(req.url);\n'
        '    if (url.pathname === "/increment") return Response.json(await this.increment());\n'
        '    if (url.pathname === "/get") return Response.json(this.ctx.storage.kv.get("n") ?? 0);\n'
        '    return new Response("not found", { status: 404 });\n  }\n\n  async increment() {\n'
        '    const n = (this.ctx.storage.kv.get<number>("n") ?? 0) + 1;\n    this.ctx.storage.kv.put("n", n);\n    return n;\n  }\n}',
    good='export class Counter extends DurableObject {\n  async increment() {\n    const n = (this.ctx.storage.kv.get<number>("n") ?? 0) + 1;\n'
         '    this.ctx.storage.kv.put("n", n);\n    return n;\n  }\n\n  async get() {\n    return this.ctx.storage.kv.get<number>("n") ?? 0;\n  }\n}',
    fix="Expose public methods on the class and call them on the stub (`await env.COUNTER.getByName(id).increment()`); "
        "keep fetch() for WebSocket upgrades.",
    docs=("rules#use-rpc-methods-instead-of-fetch-routing", "websockets#a-fetch-that-only-upgrades-the-websocket"),
    check=check,
)
