"""do-timers: setTimeout/setInterval inside a Durable Object."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import callee, ancestors
from ..rule import Rule


def _is_sleep(src, call) -> bool:
    """`await new Promise(r => setTimeout(r, ms))`: a short in-request pause, not a background timer."""
    for a in ancestors(call):
        if a.type == "new_expression" and src.text_of(a.child_by_field_name("constructor")) == "Promise":
            return True
        if a.type in ("method_definition", "class_body"):
            return False
    return False


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        for call in src.calls(cls.node):
            fn = src.ntext(callee(call))
            if fn in ("setInterval", "globalThis.setInterval") or (
                    fn in ("setTimeout", "globalThis.setTimeout") and not _is_sleep(src, call)):
                yield ctx.hit(src, call, f"{fn.split('.')[-1]}() in a Durable Object keeps it from hibernating and is "
                              "lost when the object is evicted; use an alarm.")


RULE = Rule(
    id="do-timers",
    severity="warning",
    summary="setTimeout/setInterval used in a Durable Object instead of an alarm.",
    why="A pending timer keeps the object in memory (no hibernation, billed duration), and it is silently dropped "
        "when the object is evicted or restarted. Alarms are durable, survive restarts, wake the object when due, "
        "and are retried on failure.",
    bad='export class Reminder extends DurableObject {\n  async remind(ms: number) {\n    setTimeout(() => this.ctx.storage.kv.put("due", true), ms);\n  }\n}',
    good='export class Reminder extends DurableObject {\n  async remind(ms: number) {\n    await this.ctx.storage.setAlarm(Date.now() + ms);\n  }\n\n'
         '  async alarm() {\n    this.ctx.storage.kv.put("due", true);\n  }\n}',
    fix="Schedule the work with `ctx.storage.setAlarm(time)` and do it in `alarm()`; keep a schedule table when "
        "there is more than one due time.",
    docs=("rules#dont-use-settimeout-or-setinterval-for-scheduling", "websockets#what-prevents-hibernation", "alarms"),
    check=check,
)
