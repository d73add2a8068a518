"""do-module-global-state: module-level mutable state changed by a Durable Object."""

from __future__ import annotations

import re

from ..context import ReviewContext
from ..parse import call_args, callee
from ..rule import Rule

_MUTATORS = ("set", "add", "push", "delete", "clear", "splice", "unshift")


def check(ctx: ReviewContext):
    for src in ctx.sources:
        classes = ctx.do_classes_in(src)
        if not classes:
            continue
        lets: set[str] = set()
        containers: set[str] = set()
        for decl in src.root.named_children:
            if decl.type != "lexical_declaration":
                continue
            kind = src.text_of(decl).split(None, 1)[0]
            for d in decl.named_children:
                if d.type != "variable_declarator" or d.child_by_field_name("name") is None:
                    continue
                name = src.text_of(d.child_by_field_name("name"))
                value = src.ntext(d.child_by_field_name("value"))
                if kind == "let":
                    lets.add(name)
                elif re.match(r"^(newMap|newSet|\[\]|\{\})", value):
                    containers.add(name)
        if not lets and not containers:
            continue
        for cls in classes:
            for t in ("assignment_expression", "augmented_assignment_expression", "update_expression"):
                for n in src.nodes(t, cls.node):
                    target = n.child_by_field_name("left") or n.child_by_field_name("argument")
                    name = src.ntext(target)
                    if name in lets:
                        yield ctx.hit(src, n, f"`{name}` is a module-level variable: every object of every class in "
                                      "this isolate shares it, and it is lost on eviction.")
            for call in src.calls(cls.node):
                m = re.fullmatch(r"([A-Za-z_$][\w$]*)\.(\w+)", src.ntext(callee(call)))
                args = [src.ntext(a) for a in call_args(call)]
                if args and args[0] in ("this.constructor", "new.target"):
                    continue  # a per-class memo (which classes were set up): the same for every object, so harmless
                if m and m.group(1) in containers and m.group(2) in _MUTATORS:
                    yield ctx.hit(src, call, f"`{m.group(1)}` is a module-level collection: objects sharing this "
                                  "isolate see each other's entries, and it is lost on eviction.")


RULE = Rule(
    id="do-module-global-state",
    severity="warning",
    summary="A Durable Object mutates module-level (global) state.",
    why="Module scope belongs to the isolate, not to an object: several Durable Objects (even of different names) "
        "can share one isolate and therefore the same globals, leaking data between them, while the values are "
        "still lost whenever the isolate is evicted.",
    bad='let total = 0;\n\nexport class Counter extends DurableObject {\n  increment() {\n    total++;\n    return total;\n  }\n}',
    good='export class Counter extends DurableObject {\n  increment() {\n    const total = (this.ctx.storage.kv.get<number>("total") ?? 0) + 1;\n'
         '    this.ctx.storage.kv.put("total", total);\n    return total;\n  }\n}',
    fix="Keep per-object state in storage (and, if needed, cache it in a class field); keep module scope for "
        "constants.",
    docs=("rules#keep-durable-state-in-storage-not-in-class-fields-or-globals", "lifecycle-and-config#object-lifecycle-constructor-hibernation-eviction-shutdown"),
    check=check,
)
