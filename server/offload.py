"""Where core calls run, so that no request can stall the server.

The MCP adapter never runs core work on the event loop. Quick calls (search, read, list, scaffold) run in worker
threads behind a limiter. Reviews are CPU-bound pure Python and tree-sitter work that would hold the GIL for
seconds, so they run in a small pool of worker processes: the event loop, ``ping`` and searches keep their own
core, and two reviews really run in parallel on two cores. Each review also receives a time budget and stops
itself once it is spent, so an abandoned review does not keep a worker busy for long.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

log = logging.getLogger("do_expert.offload")

# One core stays free for the event loop and searches; the rest review.
REVIEW_WORKERS = int(os.environ.get("DO_EXPERT_REVIEW_WORKERS") or 0) or max(1, min(4, (os.cpu_count() or 2) - 1))
THREAD_CALLS = int(os.environ.get("DO_EXPERT_MAX_CONCURRENT") or 0) or max(4, 2 * (os.cpu_count() or 2))

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _review_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # spawn, not fork: the server has threads, and a forked child could inherit a held lock
            _pool = ProcessPoolExecutor(max_workers=REVIEW_WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_exit_with_parent, initargs=(os.getpid(),))
            atexit.register(shutdown)
        return _pool


def _exit_with_parent(parent: int) -> None:
    """In each review worker: exit when the server is gone. A server killed by a signal runs no atexit hook, and
    an orphaned worker would otherwise wait on its queue forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="do-expert-parent-watch", daemon=True).start()


def shutdown() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=False, cancel_futures=True)
            _pool = None


def submit_review(fn: Callable[..., Any], *args: Any) -> Future:
    """Run ``fn(*args)`` in a review worker process. A pool whose worker died is replaced for the next call."""
    global _pool
    try:
        return _review_pool().submit(fn, *args)
    except BrokenProcessPool:
        log.warning("a review worker died; starting a new pool")
        with _pool_lock:
            _pool = None
        return _review_pool().submit(fn, *args)
