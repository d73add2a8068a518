"""do-setalarm-no-handler: setAlarm() in a class without alarm()."""

from __future__ import annotations

from ..context import ReviewContext
from ..rule import Rule
from ..ruleutil import class_uses


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        if "alarm" in cls.methods:
            continue
        if cls.extends and not cls.extends_do:
            continue  # a framework or shared base class may define alarm()
        for call in class_uses(ctx, cls, {"storage"}, {"setAlarm"}):
            yield ctx.hit(cls.src, call, f"`{cls.name}` sets an alarm but has no `alarm()` handler; setAlarm() throws "
                          "a TypeError at run time.")
            break


RULE = Rule(
    id="do-setalarm-no-handler",
    severity="error",
    summary="setAlarm() called in a class that defines no alarm() handler.",
    why="The runtime refuses to schedule an alarm for a class with no `alarm()` method: setAlarm() throws a "
        "TypeError, so the request that called it fails.",
    bad='export class Reminder extends DurableObject {\n  async schedule(at: number) {\n    await this.ctx.storage.setAlarm(at);\n  }\n}',
    good='export class Reminder extends DurableObject {\n  async schedule(at: number) {\n    await this.ctx.storage.setAlarm(at);\n  }\n\n'
         '  async alarm() {\n    this.ctx.storage.kv.put("fired", Date.now());\n  }\n}',
    fix="Add an `async alarm(info?: AlarmInvocationInfo)` method to the class that does the scheduled work.",
    docs=("alarms#setalarm-without-an-alarm-handler-throws", "alarms"),
    check=check,
)
