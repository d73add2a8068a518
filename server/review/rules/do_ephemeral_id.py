"""do-ephemeral-id: a fresh object per request whose id is never kept."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import call_args, enclosing_function, member_name, receiver
from ..rule import Rule

_RANDOM = re.compile(r"^(crypto\.randomUUID\(\)|Math\.random\(\)|Date\.now\(\)|String\((Math\.random|Date\.now)\(\)\))$")


def check(ctx: ReviewContext):
    for src in ctx.sources:
        if ctx.is_test(src):
            continue
        for call in ctx.calls_named(src, "idFromName", "getByName", "newUniqueId"):
            name = member_name(src, call)
            if not ctx.is_namespace_expr(src, receiver(call)):
                continue
            if name in ("idFromName", "getByName"):
                args = call_args(call)
                if args and _RANDOM.match(src.ntext(args[0])):
                    yield ctx.hit(src, call, "A random name creates a brand-new object on every call, and nothing can "
                                  "find it again; derive the name from the entity it coordinates.")
                continue
            if name != "newUniqueId":
                continue
            parent = call.parent
            if parent is not None and parent.type == "arguments" and parent.parent is not None \
                    and member_name(src, parent.parent) == "get":
                yield ctx.hit(src, call, "newUniqueId() is passed straight to get(): the id is never stored, so the new "
                              "object is unreachable after this request.")
                continue
            if parent is None or parent.type != "variable_declarator":
                continue
            name_node = parent.child_by_field_name("name")
            var = src.text_of(name_node)
            fn = enclosing_function(call)
            other_use = False
            stack = [fn if fn is not None else src.root]
            while stack and not other_use:  # every use of the id other than `ns.get(id)` keeps it reachable
                n = stack.pop()
                if n.type == "identifier" and src.text_of(n) == var and n != name_node:
                    p = n.parent
                    is_get = (p is not None and p.type == "arguments" and p.parent is not None
                              and member_name(src, p.parent) == "get")
                    other_use = not is_get
                stack.extend(n.named_children)
            if not other_use:
                yield ctx.hit(src, call, f"`{var}` from newUniqueId() is only used to get a stub and never stored or "
                              "returned (id.toString()): the object cannot be reached again.")


RULE = Rule(
    id="do-ephemeral-id",
    severity="warning",
    summary="newUniqueId() or a random name used per request without keeping the id.",
    why="Every new id names a new, empty object. If the id is not stored or returned (`id.toString()`), nothing can "
        "reach that object again: its state is orphaned and each request starts from scratch, which defeats the "
        "point of a Durable Object and leaves billable storage behind. Test code is skipped: a fresh object per "
        "test is how tests stay isolated.",
    bad='export default {\n  async fetch(req: Request, env: Env) {\n    const id = env.CARTS.newUniqueId();\n'
        '    return env.CARTS.get(id).fetch(req);\n  },\n};',
    good='export default {\n  async fetch(req: Request, env: Env) {\n    const user = req.headers.get("x-user-id") ?? "anonymous";\n'
         '    return env.CARTS.getByName(user).fetch(req);\n  },\n};',
    fix="Address the object by a deterministic name (`getByName(userId)`), or store/return `id.toString()` and "
        "later use `idFromString()` to reach the same object.",
    docs=("rules#use-deterministic-ids-with-getbyname", "namespace-and-stubs#newuniqueid"),
    check=check,
)
