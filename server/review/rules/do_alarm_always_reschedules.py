"""do-alarm-always-reschedules: alarm() (or the constructor) re-arms unconditionally."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import enclosing_function
from ..rule import Rule
from ..ruleutil import class_uses, is_conditional


def _has_early_exit_before(src, body, call) -> bool:
    """An earlier guard such as `if (!pending) return;` makes later code conditional in effect."""
    for n in src.nodes("if_statement", body):
        if n.end_byte <= call.start_byte and (src.nodes("return_statement", n) or src.nodes("throw_statement", n)):
            return True
    for n in src.nodes("return_statement", body):
        if n.end_byte <= call.start_byte:
            return True
    return False


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        for name in ("alarm", "constructor"):
            method = cls.methods.get(name)
            if method is None:
                continue
            body = method.child_by_field_name("body")
            for call in class_uses(ctx, cls, {"storage"}, {"setAlarm"}):
                if not (method.start_byte <= call.start_byte < method.end_byte):
                    continue
                fn = enclosing_function(call)
                scope = method if fn == method else fn
                if is_conditional(call, method) or (body is not None and _has_early_exit_before(src, body, call)):
                    continue
                if scope is not method and is_conditional(call, scope):
                    continue
                yield ctx.hit(src, call, f"`{name}` always sets the next alarm, so the object wakes (and is billed) "
                              "forever even when there is nothing to do.")


RULE = Rule(
    id="do-alarm-always-reschedules",
    severity="warning",
    summary="alarm() or the constructor sets the next alarm unconditionally.",
    why="An alarm that always re-arms itself keeps the object waking up forever, billed on every wake, even when "
        "there is no work left. An unconditional setAlarm in the constructor also runs on every wake and moves "
        "the schedule each time.",
    bad='export class Poller extends DurableObject {\n  async alarm() {\n    await this.poll();\n'
        '    await this.ctx.storage.setAlarm(Date.now() + 60_000);\n  }\n\n  async poll() {}\n}',
    good='export class Poller extends DurableObject {\n  async alarm() {\n    const remaining = await this.poll();\n'
         '    if (remaining > 0) {\n      await this.ctx.storage.setAlarm(Date.now() + 60_000);\n    }\n  }\n\n'
         '  async poll(): Promise<number> {\n    return 0;\n  }\n}',
    fix="Re-arm only while work remains (check a queue or schedule table first), and stop when it is empty; in the "
        "constructor, check `await ctx.storage.getAlarm()` before setting one.",
    docs=("alarms#reschedule-only-while-work-remains", "alarms#arm-an-alarm-from-the-constructor-safely", "rules#reschedule-only-while-work-remains-and-always-with-a-delay"),
    check=check,
)
