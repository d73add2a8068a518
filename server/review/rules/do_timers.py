"""do-timers: setTimeout/setInterval inside a Durable Object."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import ancestors, call_args, callee
from ..rule import Rule


def _is_sleep(src, call) -> bool:
    """`await new Promise(r => setTimeout(r, ms))`: a short in-request pause, not a background timer."""
    for a in ancestors(call):
        if a.type == "new_expression" and src.text_of(a.child_by_field_name("constructor")) == "Promise":
            return True
        if a.type in ("method_definition", "class_body"):
            return False
    return False


def _short_in_request(ctx: ReviewContext, src, call) -> str | None:
    """Why a timer is a short in-request one (not a job for an alarm), or None: a zero delay, a callback that
    aborts (an AbortController timeout, or ``ctx.abort()`` deferred past the response), or a handle that the code
    clears with clearTimeout/clearInterval."""
    args = call_args(call)
    if len(args) < 2 or src.ntext(args[1]) in ("0", "0n"):
        return "zero delay"
    if args and ".abort(" in src.ntext(args[0]) or (args and "abort" in src.ntext(args[0]).lower()
                                                   and args[0].type in ("arrow_function", "function_expression")):
        return "aborts"
    handle = _handle(src, call)
    if handle and handle in _cleared(ctx, src):
        return "cleared"
    return None


def _handle(src, call) -> str | None:
    p = call.parent
    while p is not None and p.type in ("parenthesized_expression", "as_expression", "ternary_expression"):
        p = p.parent
    if p is not None and p.type == "variable_declarator":
        return src.ntext(p.child_by_field_name("name"))
    if p is not None and p.type == "assignment_expression":
        return src.ntext(p.child_by_field_name("left"))
    return None


def _cleared(ctx: ReviewContext, src) -> set[str]:
    out = set()
    for c in ctx.calls_named(src, "clearTimeout", "clearInterval"):
        args = call_args(c)
        if args:
            out.add(src.ntext(args[0]).split("?")[0])
    return out


def _hibernatable_helpers(ctx: ReviewContext) -> list:
    """Classes a hibernatable DO (one that accepts WebSockets) instantiates: their timers pin that DO too."""
    out = []
    names = set()
    for cls in ctx.do_classes:
        if ctx.calls_named(cls.src, "acceptWebSocket", within=cls.node):
            for n in cls.src.nodes("new_expression", cls.node):
                names.add(cls.src.text_of(n.child_by_field_name("constructor")))
    do_nodes = {c.node.id for c in ctx.do_classes}
    for src in ctx.sources:
        for node in src.classes:
            if node.id not in do_nodes and src.text_of(node.child_by_field_name("name")) in names:
                out.append((src, node))
    return out


def check(ctx: ReviewContext):
    scopes = [(cls.src, cls.node) for cls in ctx.do_classes] + _hibernatable_helpers(ctx)
    for src, node in scopes:
        if ctx.is_test(src):
            continue  # timers in tests drive the test (inject a failure after N ms); alarms are the wrong tool there
        for call in ctx.calls_named(src, "setTimeout", "setInterval", within=node):
            fn = src.ntext(callee(call))
            if fn in ("setInterval", "globalThis.setInterval") or (
                    fn in ("setTimeout", "globalThis.setTimeout") and not _is_sleep(src, call)):
                if fn.endswith("setTimeout") and _short_in_request(ctx, src, call):
                    continue
                yield ctx.hit(src, call, f"{fn.split('.')[-1]}() in a Durable Object keeps it from hibernating and is "
                              "lost when the object is evicted; use an alarm.")


RULE = Rule(
    id="do-timers",
    severity="warning",
    summary="setTimeout/setInterval used in a Durable Object instead of an alarm.",
    why="A pending timer keeps the object in memory (no hibernation, billed duration), and it is silently dropped "
        "when the object is evicted or restarted. Alarms are durable, survive restarts, wake the object when due, "
        "and are retried on failure. Short in-request timers are not flagged: a zero delay, an AbortController or "
        "`ctx.abort()` timeout, or a timer the code clears; nor are timers in test code. Timers in helper classes "
        "that a WebSocket-accepting DO creates count as the DO's.",
    bad='export class Reminder extends DurableObject {\n  async remind(ms: number) {\n    setTimeout(() => this.ctx.storage.kv.put("due", true), ms);\n  }\n}',
    good='export class Reminder extends DurableObject {\n  async remind(ms: number) {\n    await this.ctx.storage.setAlarm(Date.now() + ms);\n  }\n\n'
         '  async alarm() {\n    this.ctx.storage.kv.put("due", true);\n  }\n}',
    fix="Schedule the work with `ctx.storage.setAlarm(time)` and do it in `alarm()`; keep a schedule table when "
        "there is more than one due time.",
    docs=("rules#dont-use-settimeout-or-setinterval-for-scheduling", "websockets#what-prevents-hibernation", "alarms"),
    check=check,
)
