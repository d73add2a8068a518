"""Compatibility flags that change Durable Object behaviour, with the date each turns on by default, and where in a
project's code each change shows. Dates and effects are the ones verified in references/lifecycle-and-config.md
(table "Compatibility dates that change Durable Object behaviour"), references/deployments.md
(websocket_standard_binary_type) and references/service-bindings.md (ctx.exports, rpc_params_dup_stubs); the
sources are cited there (Cloudflare's compatibility-flags page, workerd's compatibility-date.capnp, runtime checks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Flag:
    name: str
    opt_out: str
    date: str
    what: str
    affected: re.Pattern | None  # lines of code whose behaviour the flag changes (None: nothing to point at)
    doc: str


FLAGS = (
    Flag("durable_object_fetch_requires_full_url", "durable_object_fetch_allows_relative_url", "2021-11-10",
         "stub.fetch() needs an absolute URL; a relative one throws.",
         re.compile(r"""\.fetch\(\s*["'`]/"""), "lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour"),
    Flag("rpc", "no_rpc", "2024-04-03", "Stubs support RPC method calls.", None, "service-bindings"),
    Flag("enable_ctx_exports", "disable_ctx_exports", "2025-11-17",
         "ctx.exports gives loopback bindings to the Worker's own exports, Durable Object namespaces included.",
         re.compile(r"\bctx\.exports\b"), "service-bindings"),
    Flag("rpc_params_dup_stubs", "rpc_params_transfer_stubs", "2026-01-20",
         "A stub passed as an RPC parameter is duplicated, not transferred: the sender keeps a usable stub and should "
         "dispose of its own copy (`using` or [Symbol.dispose]()).",
         re.compile(r"Symbol\.dispose|\busing\s+\w"), "service-bindings"),
    Flag("delete_all_deletes_alarm", "delete_all_preserves_alarm", "2026-02-24",
         "ctx.storage.deleteAll() also deletes the object's alarm; a deleteAlarm() next to it becomes redundant, and "
         "code that relied on the alarm surviving deleteAll() must set it again.",
         re.compile(r"\.deleteAll\("), "sqlite-storage#deleteall-and-alarms-compatibility-date-2026-02-24"),
    Flag("websocket_standard_binary_type", "no_websocket_standard_binary_type", "2026-03-17",
         "A WebSocket's binaryType defaults to \"blob\": binary frames reach message event listeners as Blob "
         "(webSocketMessage() still gets ArrayBuffer).",
         re.compile(r"""addEventListener\(\s*["']message["']|\bbinaryType\b"""), "deployments#websocket_standard_binary_type"),
    Flag("web_socket_auto_reply_to_close", "web_socket_manual_reply_to_close", "2026-04-07",
         "The runtime answers a WebSocket Close frame itself; ws.close() in webSocketClose() is no longer needed "
         "(keep it: local workerd did not auto-reply for hibernatable sockets in testing).",
         re.compile(r"\bwebSocketClose\s*\("), "lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour"),
    Flag("durable_object_io_tasks_prevent_eviction", "durable_object_io_tasks_do_not_prevent_eviction", "2026-10-01",
         "Pending I/O (service-binding and Durable Object RPC calls, ctx.waitUntil() promises) keeps the object in "
         "memory after its client disconnects, each for up to 15 minutes: in-memory state lives longer and billed "
         "duration can grow.",
         re.compile(r"\bwaitUntil\("), "lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour"),
)


def crossed(from_date: str, to_date: str, flags_set: set[str]) -> list[Flag]:
    """Flags whose default turns on after ``from_date`` and on or before ``to_date``, unless the project already
    names the flag (the behaviour is already on) or its opt-out (it stays off)."""
    return [f for f in FLAGS if from_date < f.date <= to_date and f.name not in flags_set and f.opt_out not in flags_set]
