"""do-global-singleton: every request funnels into one object named by a constant."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import ancestors, call_args, receiver
from ..rule import Rule


def _in_cron_handler(src, node) -> bool:
    for a in ancestors(node):
        if a.type in ("method_definition", "function_declaration") or (
                a.type == "pair" and a.child_by_field_name("value") is not None
                and a.child_by_field_name("value").type in ("arrow_function", "function_expression")):
            key = a.child_by_field_name("name") or a.child_by_field_name("key")
            if src.text_of(key) == "scheduled":
                return True
    return False


def check(ctx: ReviewContext):
    for src in ctx.sources:
        if ctx.is_test(src):
            continue
        for call in ctx.calls_named(src, "getByName", "idFromName"):
            if not ctx.is_namespace_expr(src, receiver(call)):
                continue
            args = call_args(call)
            if not args:
                continue
            if _in_cron_handler(src, call):
                continue  # a cron trigger calls a few times an hour: one fixed coordinator is the right design
            name = ctx.resolve_string(src, args[0])
            # only literals and consts resolving to literals: getByName(variable) is the idiom this rule recommends
            if name is None:
                continue
            yield ctx.hit(src, call, f"`{src.text_of(call)[:60]}` names one fixed object, so every caller shares one "
                          f"single-threaded instance ('{name}'). This is a real bottleneck only when many requests "
                          "reach it (about 1,000 per second saturate one object); for a low-traffic coordinator it "
                          "is fine. Otherwise shard by the unit of coordination.", confidence="low")


RULE = Rule(
    id="do-global-singleton",
    severity="warning",
    summary="A Durable Object addressed by a constant name acts as a global singleton.",
    why="One Durable Object runs one request at a time and has a soft limit of about 1,000 requests per second. "
        "Addressing it by a fixed name (`getByName(\"global\")`) sends all traffic to that one instance, which "
        "becomes the bottleneck and fails with `overloaded` errors under load. The rule cannot see traffic, so its "
        "findings have low confidence; test code (test folders, fixtures, *.test.ts) is skipped.",
    bad='export default {\n  async fetch(req: Request, env: Env) {\n    return env.COUNTER.getByName("global").fetch(req);\n  },\n};',
    good='export default {\n  async fetch(req: Request, env: Env) {\n    const room = new URL(req.url).searchParams.get("room") ?? "lobby";\n'
         '    return env.COUNTER.getByName(room).fetch(req);\n  },\n};',
    fix="Derive the name from the unit of coordination (room, user, tenant, document), e.g. `getByName(roomId)`. "
        "A deliberate low-rate coordinator may keep a constant name: suppress with `// do-expert-ignore do-global-singleton`.",
    docs=("rules#dont-route-all-traffic-through-a-global-singleton", "namespace-and-stubs#sharding-names-across-several-objects", "limits#throughput-per-object"),
    check=check,
)
