"""The two-column Markdown table every benchmark prints (figure | value), so README tables paste as they are."""

from __future__ import annotations


def print_figures(rows: list[tuple[str, str]]) -> None:
    width = max(len(k) for k, _ in rows)
    print(f"| {'figure'.ljust(width)} | value |")
    print(f"| {'-' * width} | ----- |")
    for k, v in rows:
        print(f"| {k.ljust(width)} | {v} |")
