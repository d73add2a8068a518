"""do-setalarm-no-handler: setAlarm() in a class without alarm()."""

from __future__ import annotations

from ..context import ReviewContext
from ..fixkinds import ALARM_STUB, ALARM_STUB_JS, add_method
from ..rule import Rule
from ..parse import call_args
from ..ruleutil import class_uses, storage_calls


def _installs_handler_at_run_time(ctx: ReviewContext, cls) -> bool:
    """``this.alarm = ...``, or ``this`` handed to another function (``Lifecycle.install(this)``), which may install
    an ``alarm`` handler on the instance when it runs."""
    src = cls.src
    for a in src.nodes("assignment_expression", cls.node):
        if src.ntext(a.child_by_field_name("left")) in ("this.alarm", "this.constructor.prototype.alarm"):
            return True
    for call in src.calls(cls.node):
        if any(src.ntext(arg) == "this" for arg in call_args(call)):
            return True
    return False


def check(ctx: ReviewContext):
    flow = ctx.analysis.flow
    for cls in ctx.do_classes:
        if cls.kind == "framework":
            continue  # a framework or shared base class may define alarm() (Agent and Actor do)
        if "alarm" in flow.class_methods(cls.src, cls.node) or _installs_handler_at_run_time(ctx, cls):
            continue
        calls = class_uses(ctx, cls, {"storage"}, {"setAlarm"})
        if not calls:  # a module-level helper the class calls may schedule the alarm
            for m in cls.methods.values():
                for f in flow.reachable(cls.src, m)[1:]:
                    calls.extend(c for c in storage_calls(ctx, cls.src, f, {"storage"}, {"setAlarm"}))
        for call in calls:
            yield ctx.hit(cls.src, call, f"`{cls.name}` sets an alarm but has no `alarm()` handler; setAlarm() throws "
                          "a TypeError at run time.",
                          edits=add_method(cls.src, cls.node, ALARM_STUB, ALARM_STUB_JS), fix_safety="unsafe")
            break


RULE = Rule(
    id="do-setalarm-no-handler",
    severity="error",
    summary="setAlarm() called in a class that defines no alarm() handler.",
    why="The runtime refuses to schedule an alarm for a class with no `alarm()` method: setAlarm() throws a "
        "TypeError, so the request that called it fails. Applies to DO classes only (not helpers), follows helper "
        "functions the class calls, and stays quiet when a framework base class may define `alarm()` or the class "
        "hands `this` to code that may install one at run time.",
    bad='export class Reminder extends DurableObject {\n  async schedule(at: number) {\n    await this.ctx.storage.setAlarm(at);\n  }\n}',
    good='export class Reminder extends DurableObject {\n  async schedule(at: number) {\n    await this.ctx.storage.setAlarm(at);\n  }\n\n'
         '  async alarm() {\n    this.ctx.storage.kv.put("fired", Date.now());\n  }\n}',
    fix="Add an `async alarm(info?: AlarmInvocationInfo)` method to the class that does the scheduled work.",
    docs=("alarms#setalarm-without-an-alarm-handler-throws", "alarms"),
    check=check,
    fixable=True,
)
