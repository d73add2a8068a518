"""How a build's process treats memory while a segment is written: freed heap kept, cyclic GC paused.

Both are restored afterwards, so a server that built its index in the background does not keep the build's habits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from contextlib import contextmanager

M_TRIM_THRESHOLD = -1  # glibc mallopt parameter
DEFAULT_TRIM_THRESHOLD = 128 * 1024


@contextmanager
def heap_kept():
    """Keep freed heap memory in the process while a segment is written (glibc only; elsewhere a no-op).

    Whoosh compresses every posting block and every document's stored fields with ``zlib.compress``, which
    allocates and frees about 256 KB of deflate state per call. glibc hands that memory back to the kernel at each
    free (the heap top is trimmed past 128 KB), so every call page-faults it in again: 50-70 us per call, against
    about 10 us with the memory kept, and a 50x build makes tens of thousands of calls. The usual threshold (and a
    trim) is restored afterwards, so a server that built its index does not keep the build's peak."""
    libc = None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if not libc.mallopt(M_TRIM_THRESHOLD, 1 << 30):
            libc = None
    except (OSError, AttributeError):
        libc = None
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_TRIM_THRESHOLD)
            libc.malloc_trim(0)


@contextmanager
def gc_paused():
    """No cyclic garbage collection while a segment is written. The build allocates millions of tuples and lists
    that all stay alive until the segment is flushed, and the collector would traverse them again and again (8% of
    a 50x build's CPU, measured with gc.callbacks); none of them forms a cycle that needs collecting early. The
    switch is process-wide: a server building in a background thread collects no cycles until the build ends (a
    second at 1x), and the collector is re-enabled only if it was on, so overlapping builds leave it as found."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
