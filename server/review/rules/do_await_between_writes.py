"""do-await-between-writes: an await splits related storage writes into separate commits."""

from __future__ import annotations

from ..context import ReviewContext
from ..parse import call_args, enclosing_function, member_name
from ..rule import Rule
from ..ruleutil import does_external_io, in_transaction_callback, is_write


def _calls_of(src, aw):
    """Calls an await waits on. tree-sitter reads `await s.get<T>(k)` as a call whose callee is `await s.get`, so
    the call can be the await's parent."""
    out = src.calls(aw)
    if aw.parent is not None and aw.parent.type == "call_expression" and aw.parent.child_by_field_name("function") == aw:
        out = [aw.parent, *out]
    return out


def _awaits_storage(ctx: ReviewContext, src, aw) -> bool:
    """The await waits on a storage call, directly or through an in-module helper that makes one."""
    flow = ctx.analysis.flow
    for c in _calls_of(src, aw):
        if ctx.storage_call(src, c):
            return True
        for target in flow.callees_of_call(src, c):
            if flow.reaches(src, target, lambda f: any(ctx.storage_call(src, x) for x in src.calls(f)), fact="storage"):
                return True
    return False


def _same_key(src, a, b) -> bool:
    ka, kb = call_args(a), call_args(b)
    return bool(ka and kb) and member_name(src, a) == member_name(src, b) == "put" and src.ntext(ka[0]) == src.ntext(kb[0])


def check(ctx: ReviewContext):
    flow = ctx.analysis.flow
    for src in ctx.sources:
        if ctx.is_test(src):
            continue  # test setup and teardown writes: atomicity against crashes is a production concern
        by_fn: dict[int, list] = {}
        for call in ctx.calls_named(src, "put", "delete", "exec"):
            if is_write(ctx, src, call) and not in_transaction_callback(ctx, src, call):
                fn = enclosing_function(call)
                if fn is not None:
                    by_fn.setdefault(fn.id, []).append((fn, call))
        for entries in by_fn.values():
            if len(entries) < 2:
                continue
            fn = entries[0][0]
            awaits = [a for a in src.nodes("await_expression", fn) if enclosing_function(a) == fn]
            calls = [c for _, c in entries]
            for second_i in range(1, len(calls)):
                second = calls[second_i]
                # the nearest earlier write that can run on the same path (exclusive branches and writes followed by
                # a return never pair with it)
                first = next((c for c in reversed(calls[:second_i]) if not flow.exclusive(c, second)), None)
                if first is None:
                    continue
                # awaits that end after the first write starts and before the second starts (the await of the
                # first write itself counts: awaiting a put ends its coalescing window)
                between = [a for a in awaits if a.end_byte > first.start_byte and a.end_byte <= second.start_byte]
                # Only awaits of storage itself are needless splits. Waiting on fetch/RPC between two writes is the
                # documented "claim the work, do the I/O, record the result" shape; stale reads across such I/O
                # are do-race-across-io's concern.
                # Only awaits of storage itself (or of the first write) split for nothing. Awaiting anything else
                # (a sleep, a step body, a hash) is a phase boundary the code needs; and a second write to the same
                # key supersedes the first, so there is no half-update to leave behind.
                if any(not _awaits_storage(ctx, src, a) for a in between) or _same_key(src, first, second):
                    continue
                if between and not any(does_external_io(ctx, src, c) for a in between for c in src.calls(a)):
                    yield ctx.hit(src, second, "This write is separated from an earlier write in the same function by "
                                  "an `await`, so the two commit separately; a crash in between leaves half the update.")
                    break


RULE = Rule(
    id="do-await-between-writes",
    severity="warning",
    summary="An await between two related storage writes breaks their atomicity.",
    why="Storage writes with no `await` between them are coalesced into one atomic commit. Awaiting storage in "
        "between (including awaiting the first write) ends that window for nothing: the first write commits on its "
        "own, and a crash, reset or deploy before the second leaves the data half-updated. (Writes on either side of "
        "a fetch() or RPC are necessarily separate: that is the claim-then-I/O pattern, not this rule.) Writes in mutually "
        "exclusive branches, or separated by a `return`, never pair; test code is skipped.",
    bad='export class Bank extends DurableObject {\n  async transfer(from: string, to: string, amount: number) {\n'
        '    const a = (await this.ctx.storage.get<number>(from)) ?? 0;\n    const b = (await this.ctx.storage.get<number>(to)) ?? 0;\n'
        '    await this.ctx.storage.put(from, a - amount);\n    await this.ctx.storage.put(to, b + amount);\n  }\n}',
    good='export class Bank extends DurableObject {\n  async transfer(from: string, to: string, amount: number) {\n'
         '    const a = (await this.ctx.storage.get<number>(from)) ?? 0;\n    const b = (await this.ctx.storage.get<number>(to)) ?? 0;\n'
         '    this.ctx.storage.put(from, a - amount);\n    this.ctx.storage.put(to, b + amount);\n  }\n}',
    fix="Issue related writes back to back without awaiting them (the output gate still holds the response until "
        "they are durable), or group them in `ctx.storage.transactionSync(() => ...)`.",
    docs=("rules#dont-await-between-related-writes", "concurrency#how-await-breaks-coalescing", "sqlite-storage#transactionsync"),
    check=check,
)
