"""Figures that tests measure (latencies, generated cases), collected here and printed in pytest's terminal
summary by tests/conftest.py, so a plain run reports them without -s."""

from __future__ import annotations

FIGURES: list[str] = []


def report(line: str) -> None:
    FIGURES.append(line)
    print(line)
