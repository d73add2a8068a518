"""do-race-across-io: read, await external I/O, then write what was read."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import enclosing_function
from ..rule import Rule
from ..ruleutil import awaited_external_io, in_transaction_callback, is_read, is_write


def _value_uses(src, args) -> set[str]:
    """Identifiers whose *value* flows into the write: bare (`put(k, used)`), in arithmetic (`row.n - 1`), in an
    object or array. A plain `row.id` argument only picks the row to write (a key, not a stale value), so it is not a
    use: deleting or updating by id after I/O is the normal way to finish claimed work."""
    out: set[str] = set()
    stack = [args] if args is not None else []
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier"):
            chain, derived = n.parent, False
            while chain is not None and chain != args:
                if chain.type in ("binary_expression", "template_substitution", "spread_element", "object", "array",
                                  "call_expression"):
                    derived = True
                    break
                chain = chain.parent
            if derived or n.parent is None or n.parent.type != "member_expression":
                out.add(src.text_of(n))
        elif n.type not in ("string", "template_string") or n.named_child_count:
            stack.extend(c for c in n.named_children if c.type not in ("string_fragment",))
    return out


def check(ctx: ReviewContext):
    flow = ctx.analysis.flow
    for src in ctx.sources:
        for fn_type in ("method_definition", "function_declaration", "arrow_function", "function_expression"):
            for fn in src.nodes(fn_type):
                ios = awaited_external_io(ctx, src, fn)
                if not ios:
                    continue
                reads = []  # (call, variable name)
                for decl in src.nodes("variable_declarator", fn):
                    if enclosing_function(decl) != fn:
                        continue
                    name = decl.child_by_field_name("name")
                    value = decl.child_by_field_name("value")
                    if name is None or value is None or name.type != "identifier":
                        continue
                    if any(is_read(ctx, src, c) for c in src.calls(value)):
                        reads.append((decl, src.text_of(name)))
                if not reads:
                    continue
                for call in src.calls(fn):
                    if enclosing_function(call) != fn or not is_write(ctx, src, call):
                        continue
                    if in_transaction_callback(ctx, src, call):
                        continue
                    used = _value_uses(src, call.child_by_field_name("arguments"))
                    for decl, var in reads:
                        if decl.end_byte > call.start_byte or var not in used:
                            continue
                        # I/O on the same path as the write (an await in a branch that returns never precedes it)
                        between = [a for a in ios if a.start_byte >= decl.end_byte and a.end_byte <= call.start_byte
                                   and not flow.exclusive(a, call)]
                        if between:
                            yield ctx.hit(src, call, f"`{var}` was read from storage before `{src.text_of(between[0])[:40]}`; "
                                          "other requests can change it while that I/O is pending, and this write "
                                          "overwrites their update.")
                            break


RULE = Rule(
    id="do-race-across-io",
    severity="warning",
    summary="A storage value read before external I/O is written back after it (lost update).",
    why="Input gates only hold other events while storage operations are pending. Awaiting fetch(), an RPC or a "
        "binding lets other requests run in the meantime, so a value read before that await may be stale when it "
        "is written back after it: concurrent updates are silently lost. I/O inside a called method of the same "
        "module counts; I/O in a branch that cannot reach the write does not.",
    bad='export class Quota extends DurableObject {\n  async spend(cost: number) {\n    const used = (await this.ctx.storage.get<number>("used")) ?? 0;\n'
        '    await fetch("https://billing.example.com/charge", { method: "POST" });\n    await this.ctx.storage.put("used", used + cost);\n  }\n}',
    good='export class Quota extends DurableObject {\n  async spend(cost: number) {\n    await fetch("https://billing.example.com/charge", { method: "POST" });\n'
         '    const used = (await this.ctx.storage.get<number>("used")) ?? 0;\n    await this.ctx.storage.put("used", used + cost);\n  }\n}',
    fix="Re-read the value after the external I/O (or do the I/O first), or use an atomic SQL update such as "
        "`UPDATE t SET used = used + ?`, or check a version number before writing.",
    docs=("concurrency#race-conditions-across-non-storage-io", "rules#guard-state-across-fetch-and-other-non-storage-io"),
    check=check,
)
