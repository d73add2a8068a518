"""The shape of a rule. Each module in ``server/review/rules/`` defines exactly one ``RULE = Rule(...)``.

Examples are real code: the meta-test reviews ``bad`` (with ``example_files`` beside it) and expects the rule to
fire, and reviews ``good`` and expects it not to. ``example_path`` says what the example file is called, so a
config rule's example is a ``wrangler.jsonc`` and a code rule's is ``src/index.ts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Literal

from .context import Hit, ReviewContext

Severity = Literal["error", "warning", "info"]
Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    why: str
    bad: str
    good: str
    fix: str
    docs: tuple[str, ...]
    check: Callable[[ReviewContext], Iterable[Hit]]
    example_path: str = "src/index.ts"
    example_files: dict[str, str] = field(default_factory=dict)
    engine: bool = False  # reported by the engine itself (parse/config/input problems), not by ``check``
    confidence: Confidence = "high"  # default for its findings; a hit may lower it (see Hit.confidence)
    fixable: bool = False  # its findings carry edits where the code's shape allows a mechanical fix

    @property
    def example_lang(self) -> str:
        """Code-fence language of the examples: ts, or the config format for config-file examples."""
        ext = self.example_path.rsplit(".", 1)[-1]
        return ext if ext in ("jsonc", "json", "toml") else "ts"


def no_check(ctx: ReviewContext) -> Iterable[Hit]:
    """For engine rules: the engine emits their findings while reading the input."""
    return ()
