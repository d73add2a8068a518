"""do-deleteall-alarm: deleteAll() leaves the alarm behind before 2026-02-24."""

from __future__ import annotations

from ..context import DELETE_ALL_ALARM_DATE, ReviewContext
from ..rule import Rule
from ..ruleutil import class_uses


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        if not ctx.before(DELETE_ALL_ALARM_DATE, "delete_all_deletes_alarm", src=cls.src):
            continue
        if not class_uses(ctx, cls, {"storage"}, {"setAlarm"}) or class_uses(ctx, cls, {"storage"}, {"deleteAlarm"}):
            continue
        for call in class_uses(ctx, cls, {"storage"}, {"deleteAll"}):
            yield ctx.hit(cls.src, call, f"With compatibility_date before {DELETE_ALL_ALARM_DATE}, deleteAll() keeps the "
                          "alarm: it fires again on an emptied object and keeps it alive.")


RULE = Rule(
    id="do-deleteall-alarm",
    severity="warning",
    summary="deleteAll() without deleteAlarm() when the compatibility date predates 2026-02-24.",
    why="Before compatibility date 2026-02-24 (flag `delete_all_deletes_alarm`), `deleteAll()` erases stored data "
        "but not the alarm. The alarm still fires on the emptied object, which then runs its handler against "
        "missing data and is billed for the wake.",
    bad='export class Session extends DurableObject {\n  async start() {\n    await this.ctx.storage.setAlarm(Date.now() + 3_600_000);\n  }\n\n'
        '  async end() {\n    await this.ctx.storage.deleteAll();\n  }\n\n  async alarm() {\n    await this.end();\n  }\n}',
    good='export class Session extends DurableObject {\n  async start() {\n    await this.ctx.storage.setAlarm(Date.now() + 3_600_000);\n  }\n\n'
         '  async end() {\n    await this.ctx.storage.deleteAlarm();\n    await this.ctx.storage.deleteAll();\n  }\n\n'
         '  async alarm() {\n    await this.end();\n  }\n}',
    fix="Call `await ctx.storage.deleteAlarm()` next to `deleteAll()`, or move the compatibility_date to "
        "2026-02-24 or later (or add the `delete_all_deletes_alarm` flag).",
    docs=("alarms#deleteall-and-the-alarm", "sqlite-storage#deleteall-and-alarms-compatibility-date-2026-02-24"),
    check=check,
    example_files={"wrangler.jsonc": '{\n  "name": "sessions",\n  "main": "src/index.ts",\n  "compatibility_date": "2025-09-01",\n'
                   '  "durable_objects": { "bindings": [{ "name": "SESSION", "class_name": "Session" }] },\n'
                   '  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Session"] }]\n}\n'},
)
