"""Progress of long work (indexing a large source, syncing docs), reported by the core and shown by the adapters.

The core calls ``report(done, total, message)`` wherever it makes progress; it costs nothing when nobody listens. An
adapter installs a listener for the duration of one call with ``listening(callback)``: the CLI shows a progress bar
on a terminal and plain lines otherwise (``terminal_listener``); the MCP adapter sends progress notifications to the
client. The listener lives in a context variable, so concurrent calls in other threads never see each other's.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable, Iterator

Listener = Callable[[int, int, str], None]

_listener: ContextVar[Listener | None] = ContextVar("do_expert_progress", default=None)


def report(done: int, total: int, message: str) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(done, total, message)


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


class terminal_listener:
    """A tqdm bar per message on a terminal; elsewhere (CI logs, pipes) a plain line at most every few seconds and
    at the end, so logs stay readable. Writes to stderr: stdout belongs to results (and, for a server, the protocol)."""

    PLAIN_EVERY = 5.0

    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._bar = None
        self._message = None
        self._last_line = 0.0

    def __call__(self, done: int, total: int, message: str) -> None:
        if self.tty:
            self._bar_update(done, total, message)
            return
        now = time.monotonic()
        if done >= total or message != self._message or now - self._last_line >= self.PLAIN_EVERY:
            print(f"{message}: {done}/{total}", file=self.stream, flush=True)
            self._last_line, self._message = now, message

    def _bar_update(self, done: int, total: int, message: str) -> None:
        from tqdm import tqdm

        if self._bar is None or message != self._message:
            self.close()
            self._bar = tqdm(total=total, desc=message, file=self.stream, leave=False, unit="file")
            self._message = message
        self._bar.total = total
        self._bar.update(done - self._bar.n)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
