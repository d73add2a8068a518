"""Running the core for the MCP tools: off the event loop, behind a concurrency limit, with a deadline per kind of
call, progress sent on as MCP notifications, and the core's anticipated errors turned into tool errors the model
can act on (message, hint, stable code)."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

import anyio
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from server import offload, progress
from server.errors import DoExpertError, error_text
from server.models import ReviewResult

log = logging.getLogger("do_expert")
T = TypeVar("T")


def tool_error(exc: DoExpertError) -> ToolError:
    return ToolError(error_text(exc.message, exc.hint, exc.code))


def call_core(fn: Callable[[], T]) -> T:
    """Run a core call; turn the core's anticipated errors into an MCP tool error the model can act on."""
    try:
        return fn()
    except DoExpertError as exc:
        raise tool_error(exc) from exc


# Core calls never run on the event loop (see server/offload.py): reviews in worker processes, the rest in threads
# behind a limiter. Each kind has a deadline; waiting for a free worker counts against it.
DEADLINES = {"search": 10.0, "review": 30.0, "scaffold": 20.0, "index": 600.0}
PROGRESS_EVERY = 0.25  # seconds between progress notifications
REVIEW_BUDGET_SHARE = 0.6  # the review stops itself well before the deadline and reports what it skipped
_limiter: anyio.CapacityLimiter | None = None


def deadline(kind: str) -> float:
    """Seconds a call of this kind may take; DO_EXPERT_TOOL_TIMEOUT (seconds) overrides every kind."""
    env = os.environ.get("DO_EXPERT_TOOL_TIMEOUT")
    try:
        return max(0.1, float(env)) if env else DEADLINES[kind]
    except ValueError:
        return DEADLINES[kind]


def _deadline_error(kind: str, limit: float) -> ToolError:
    log.warning("%s call abandoned after its %.1f s deadline", kind, limit)
    return ToolError(error_text(f"the {kind} call did not finish within its {limit:g} s limit and was abandoned",
                                "send less at once (fewer or smaller files, a shorter query) and call again; the "
                                "server operator can raise DO_EXPERT_TOOL_TIMEOUT", "deadline_exceeded"))


async def run_core(fn: Callable[[], T], kind: str, ctx: Context | None = None) -> T:
    """``call_core`` in a worker thread, behind the concurrency limit, with a deadline. Past the deadline the caller
    gets a tool error naming the limit, and the thread is abandoned. With ``ctx``, the core's progress reports
    (server/progress.py) become MCP progress notifications, when the client asked for them."""
    global _limiter
    if _limiter is None:  # created lazily: a limiter belongs to the running event loop
        _limiter = anyio.CapacityLimiter(offload.THREAD_CALLS)
    limit = deadline(kind)
    listener = _progress_sender(ctx)

    def call() -> T:
        with progress.listening(listener):
            return call_core(fn)

    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(call, abandon_on_cancel=True, limiter=_limiter)
    except TimeoutError:
        raise _deadline_error(kind, limit) from None


def _progress_sender(ctx: Context | None) -> progress.Listener | None:
    """Progress notifications from a worker thread, at most every PROGRESS_EVERY seconds (and the last one)."""
    if ctx is None:
        return None
    last = [0.0]

    def send(done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        try:
            anyio.from_thread.run(ctx.report_progress, done, total, message)
        except Exception as exc:  # a client that went away must not stop the work
            log.debug("progress notification not sent: %s", exc)

    return send


async def run_review(files: list[tuple[str, str]], compatibility_date: str | None) -> ReviewResult:
    """A review in a worker process (its own core and GIL), with a deadline and a self-imposed budget."""
    from server.review import review_files

    limit = deadline("review")
    future = offload.submit_review(review_files, files, compatibility_date, limit * REVIEW_BUDGET_SHARE)
    try:
        with anyio.fail_after(limit):
            return await anyio.to_thread.run_sync(future.result, abandon_on_cancel=True)
    except TimeoutError:
        future.cancel()  # a queued review never starts; a running one stops at its budget
        raise _deadline_error("review", limit) from None
    except DoExpertError as exc:
        raise tool_error(exc) from exc
    except BrokenProcessPool:
        raise ToolError(error_text("the review worker stopped unexpectedly (out of memory?)",
                                   "review fewer or smaller files at once", "review_worker_died")) from None
