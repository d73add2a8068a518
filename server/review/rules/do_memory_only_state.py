"""do-memory-only-state: counters and lists kept only in class fields."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import callee, enclosing_method, method_name
from ..rule import Rule

_ACCUMULATE = ("push", "unshift", "splice")
# Field names that say the value is run-time bookkeeping, meant to vanish with the instance.
_TRANSIENT = re.compile(r"^_*(?:cache|cached|pending|inflight|in_flight|active|current|timer|lock)(?:[A-Z_]|$)|(?:Cache|Cached|Pending|InFlight|Active|Current|Refs|Ref|ThisRun|Timer|Timers|Lock)$")


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        src = cls.src
        if ctx.is_test(src):
            continue  # counters in test agents exist to be asserted on, not to survive eviction
        class_text = src.text_of(cls.node)
        mutations: dict[str, object] = {}
        for t in ("update_expression", "augmented_assignment_expression"):
            for n in src.nodes(t, cls.node):
                target = n.child_by_field_name("argument") or n.child_by_field_name("left")
                text = src.ntext(target)
                op = n.child_by_field_name("operator")
                if op is not None and src.text_of(op) in ("??=", "||="):
                    continue  # `this.x ??= create()`: a lazily built helper, not state
                if re.fullmatch(r"this\.[A-Za-z_$][\w$]*", text) and method_name(src, enclosing_method(n)) != "constructor":
                    mutations.setdefault(text[5:], n)
        for call in src.calls(cls.node):
            fn = src.ntext(callee(call))
            m = re.fullmatch(r"this\.([A-Za-z_$][\w$]*)\.(\w+)", fn)
            if m and m.group(2) in _ACCUMULATE and method_name(src, enclosing_method(call)) != "constructor":
                mutations.setdefault(m.group(1), call)
        for field_name, node in mutations.items():
            if _TRANSIENT.search(field_name):
                continue  # named as run-time bookkeeping (a cache, in-flight refs, this run's counter)
            # persisted or loaded anywhere in the class -> it is a cache of storage, which is the recommended shape
            persisted = False
            for call in src.calls(cls.node):
                is_sql_tag = src.ntext(callee(call)) == "this.sql"  # the Agents SDK's this.sql`INSERT ...`
                if (ctx.storage_call(src, call) or is_sql_tag) and re.search(rf"this\.{re.escape(field_name)}\b", src.text_of(call)):
                    persisted = True
                    break
            if persisted or re.search(rf"this\.{re.escape(field_name)}\s*=\s*(await\s+)?[^;]{{0,400}}?\b(storage|sql)\b", class_text):
                continue
            yield ctx.hit(src, node, f"`this.{field_name}` is changed here but never written to storage: it resets to "
                          "its initial value whenever the object is evicted, restarted or redeployed.")


RULE = Rule(
    id="do-memory-only-state",
    severity="info",
    summary="State kept only in a class field is lost on eviction or restart.",
    why="A Durable Object's memory lasts only while the instance is alive. Objects are evicted when idle, restarted "
        "after errors and replaced on every deploy; the constructor then runs again and fields start over. Only "
        "storage survives. Fields are fine as a cache of stored data. Lazily built helpers (`this.x ??= ...`), "
        "fields also written with SQL (including the Agents SDK's this.sql`...`), fields named as run-time bookkeeping "
        "(`_cachedX`, `pendingX`, `activeX`, `xRefs`, `xThisRun`) and test code are not reported.",
    bad='export class Counter extends DurableObject {\n  count = 0;\n  async increment() {\n    this.count++;\n    return this.count;\n  }\n}',
    good='export class Counter extends DurableObject {\n  async increment() {\n    const n = (this.ctx.storage.kv.get<number>("count") ?? 0) + 1;\n'
         '    this.ctx.storage.kv.put("count", n);\n    return n;\n  }\n}',
    fix="Write the value to storage (SQL or KV) whenever it changes and read it from storage (optionally caching "
        "it in the field after loading).",
    docs=("rules#keep-durable-state-in-storage-not-in-class-fields-or-globals", "lifecycle-and-config#object-lifecycle-constructor-hibernation-eviction-shutdown"),
    check=check,
)
