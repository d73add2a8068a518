"""do-multiple-setalarm: setAlarm() in a loop, as if each call added a timer."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import ancestors
from ..rule import Rule
from ..ruleutil import class_uses

_LOOPS = ("for_statement", "for_in_statement", "while_statement", "do_statement")


def _in_loop(src, call, stop) -> bool:
    """In a loop body (a `return`/`break` right after the call ends the loop: see Flow.ends_loop_after)."""
    for a in ancestors(call):
        if a == stop:
            return False
        if a.type in _LOOPS:
            return True
        if a.type == "arguments" and a.parent is not None and src.text_of(a.parent).split("(")[0].endswith(
                (".forEach", ".map")):
            return True
    return False


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        for call in class_uses(ctx, cls, {"storage"}, {"setAlarm"}):
            if _in_loop(cls.src, call, cls.node) and not ctx.analysis.flow.ends_loop_after(call):
                yield ctx.hit(cls.src, call, "setAlarm() in a loop: an object has one alarm and each call replaces the "
                              "previous time, so only the last iteration's alarm remains.")


RULE = Rule(
    id="do-multiple-setalarm",
    severity="warning",
    summary="setAlarm() called in a loop, as if each call scheduled another alarm.",
    why="A Durable Object has exactly one alarm. Every setAlarm() call overwrites the previous time, so scheduling "
        "one alarm per item in a loop leaves only the last one; the other items are never woken for.",
    bad='export class Reminders extends DurableObject {\n  async schedule(times: number[]) {\n    for (const t of times) {\n'
        '      await this.ctx.storage.setAlarm(t);\n    }\n  }\n\n  async alarm() {}\n}',
    good='export class Reminders extends DurableObject {\n  async schedule(times: number[]) {\n'
         '    for (const t of times) this.ctx.storage.sql.exec("INSERT INTO due (at) VALUES (?)", t);\n'
         '    await this.ctx.storage.setAlarm(Math.min(...times));\n  }\n\n  async alarm() {}\n}',
    fix="Keep the due times in a table and set the alarm to the earliest one; in alarm(), handle what is due and "
        "re-arm for the next earliest time.",
    docs=("alarms#run-many-jobs-from-one-alarm-with-a-schedule-table", "alarms#setalarm"),
    check=check,
)
