"""do-legacy-class-shape: a DO class that does not extend DurableObject."""

from __future__ import annotations

from ..context import ReviewContext
from ..fixkinds import extend_durable_object
from ..rule import Rule


def check(ctx: ReviewContext):
    for cls in ctx.do_classes:
        if cls.extends_do or (cls.extends and not cls.implements_do):
            continue  # extends DurableObject, or extends some other base (a framework) that we cannot judge
        name = cls.node.child_by_field_name("name") or cls.node
        ctor = cls.methods.get("constructor")
        if cls.implements_do:
            how = "implements DurableObject"
        elif ctor is not None and "DurableObjectState" in cls.src.text_of(ctor.child_by_field_name("parameters")):
            how = "has the old (state, env) constructor shape"
        else:
            how = "is bound as a Durable Object in the wrangler config"
        yield ctx.hit(cls.src, name, f"`{cls.name}` {how} without `extends DurableObject`: it has no `this.ctx`/"
                      "`this.env` and its methods cannot be called over RPC.",
                      edits=extend_durable_object(cls.src, cls.node), fix_safety="unsafe")


RULE = Rule(
    id="do-legacy-class-shape",
    severity="warning",
    summary="Durable Object class does not extend DurableObject (legacy `implements` shape).",
    why="Classes that extend `DurableObject` from `cloudflare:workers` get `this.ctx` and `this.env` and expose "
        "their public methods as RPC. The older shape (`implements DurableObject`, storing `state` yourself) "
        "supports only fetch() and diverges from current docs and types.",
    bad='export class Counter implements DurableObject {\n  constructor(private state: DurableObjectState, private env: Env) {}\n\n'
        '  async fetch(req: Request) {\n    return new Response(String((await this.state.storage.get("n")) ?? 0));\n  }\n}',
    good='import { DurableObject } from "cloudflare:workers";\n\nexport class Counter extends DurableObject<Env> {\n'
         '  async get() {\n    return (await this.ctx.storage.get<number>("n")) ?? 0;\n  }\n}',
    fix="`import { DurableObject } from \"cloudflare:workers\"` and declare `class X extends DurableObject<Env>`; call "
        "`super(ctx, env)` in a constructor, and use `this.ctx`/`this.env`.",
    docs=("rules", "namespace-and-stubs", "lifecycle-and-config"),
    check=check,
    fixable=True,
)
