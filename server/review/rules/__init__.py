"""Rule registry: every module in this package defines ``RULE``. Importing is discovery, so adding a rule is
adding one file (plus its fixtures under ``tests/review/fixtures/<rule-id>/``)."""

from __future__ import annotations

import importlib
import pkgutil

from ..rule import Rule


def _discover() -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise RuntimeError(f"rule module {info.name} defines no RULE")
        if rule.id != info.name.replace("_", "-"):
            raise RuntimeError(f"rule module {info.name} defines id {rule.id!r}; the module must be named after the id")
        rules[rule.id] = rule
    return rules


RULES: dict[str, Rule] = _discover()

__all__ = ["RULES"]
