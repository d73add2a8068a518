"""do-idfromstring-unchecked: idFromString() on request input without a try/catch."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import ancestors, call_args, receiver
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in ctx.calls_named(src, "idFromString"):
            if not ctx.is_namespace_expr(src, receiver(call)):
                continue
            args = call_args(call)
            if not args or ctx.resolve_string(src, args[0]) is not None:
                continue
            if any(a.type == "try_statement" for a in ancestors(call)):
                continue
            yield ctx.hit(src, call, "idFromString() throws on a malformed id or an id from another namespace; with "
                          "input from a request that becomes a 500. Validate it or catch the error.")


RULE = Rule(
    id="do-idfromstring-unchecked",
    severity="info",
    summary="idFromString() on untrusted input outside try/catch.",
    why="`idFromString()` accepts only a 64-hex-digit id created by the same namespace (and jurisdiction). Anything "
        "else (a typo, a truncated id, an id from another namespace) throws synchronously, so an unchecked call on "
        "request data turns bad input into a server error.",
    bad='export default {\n  async fetch(req: Request, env: Env) {\n    const id = env.CARTS.idFromString(new URL(req.url).searchParams.get("cart") ?? "");\n'
        '    return env.CARTS.get(id).fetch(req);\n  },\n};',
    good='export default {\n  async fetch(req: Request, env: Env) {\n    let id: DurableObjectId;\n    try {\n'
         '      id = env.CARTS.idFromString(new URL(req.url).searchParams.get("cart") ?? "");\n    } catch {\n'
         '      return new Response("unknown cart", { status: 404 });\n    }\n    return env.CARTS.get(id).fetch(req);\n  },\n};',
    fix="Wrap the call in try/catch and answer 400/404, or check the format first (`/^[0-9a-f]{64}$/`); prefer "
        "getByName() when the caller has a natural name.",
    docs=("namespace-and-stubs#idfromstring", "errors"),
    check=check,
)
