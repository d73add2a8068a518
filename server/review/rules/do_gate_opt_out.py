"""do-gate-opt-out: allowConcurrency / allowUnconfirmed turn off the consistency guarantees."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args
from ..rule import Rule


def check(ctx: ReviewContext):
    for src in ctx.sources:
        for call in src.calls():
            sc = ctx.storage_call(src, call)
            if not sc or sc[0] != "storage":
                continue
            for arg in call_args(call):
                if arg.type != "object":
                    continue
                for pair in arg.named_children:
                    if pair.type != "pair":
                        continue
                    key = src.text_of(pair.child_by_field_name("key")).strip("'\"")
                    if key in ("allowConcurrency", "allowUnconfirmed") and src.text_of(pair.child_by_field_name("value")) == "true":
                        yield ctx.hit(src, pair, f"`{key}: true` opts this call out of the "
                                      f"{'input' if key == 'allowConcurrency' else 'output'} gate; make sure the lost "
                                      "guarantee is not needed here.")


RULE = Rule(
    id="do-gate-opt-out",
    severity="info",
    summary="allowConcurrency/allowUnconfirmed opt a storage call out of the input or output gate.",
    why="Input gates stop other events from interleaving while storage reads are pending; output gates hold "
        "responses until writes are durable. `allowConcurrency: true` and `allowUnconfirmed: true` give these up for "
        "speed, which reintroduces races or lets a client see data that is later lost. Sometimes right, always "
        "worth a second look.",
    bad='export class Feed extends DurableObject {\n  async bump() {\n    const n = (await this.ctx.storage.get<number>("n", { allowConcurrency: true })) ?? 0;\n'
        '    await this.ctx.storage.put("n", n + 1);\n  }\n}',
    good='export class Feed extends DurableObject {\n  async bump() {\n    const n = (await this.ctx.storage.get<number>("n")) ?? 0;\n'
         '    await this.ctx.storage.put("n", n + 1);\n  }\n}',
    fix="Remove the option unless you have measured a need and the data can tolerate interleaving (allowConcurrency) "
        "or loss of unconfirmed writes (allowUnconfirmed); use `await ctx.storage.sync()` where confirmation matters.",
    docs=("concurrency#allowconcurrency-and-allowunconfirmed", "sqlite-storage#options-allowconcurrency-allowunconfirmed-nocache"),
    check=check,
)
