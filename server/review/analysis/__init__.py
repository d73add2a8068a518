"""One analysis layer every rule queries (like ESLint's scope manager): which classes are Durable Objects, which
code is test code, the call graph within a module, exclusive branches and early exits, and SQL taint.

Rules never re-derive these facts; they ask ``ctx.analysis`` (built lazily, once per review)."""

from __future__ import annotations

from .classes import DO_BASE_MODULES, classify_classes
from .flow import Flow
from .taint import Taint
from .testcode import TestCode

__all__ = ["Analysis", "DO_BASE_MODULES", "classify_classes", "Flow", "Taint", "TestCode"]


class Analysis:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.tests = TestCode(ctx)
        self.flow = Flow(ctx)
        self.taint = Taint(ctx, self.flow)
