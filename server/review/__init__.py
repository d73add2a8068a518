"""Review engine: DO-aware static analysis of TypeScript and wrangler config.

Plain core API (no MCP, no CLI):

- ``review_files([(path, content), ...], compatibility_date=None) -> ReviewResult``
- ``review_paths([path, ...], compatibility_date=None) -> ReviewResult``   files and folders on disk (CLI)
- ``list_rules() -> RuleList``, ``explain_rule(rule_id) -> RuleExplanation``, ``rule_markdown(rule_id) -> str``
- ``to_sarif(result) -> dict`` and ``format_text(result) -> str``
"""

from __future__ import annotations

from ..errors import NotFoundError, clip
from ..models import ReviewResult, RuleExplanation, RuleInfo, RuleList
from .engine import review_files
from .files import collect_paths
from .output import format_text, to_sarif
from .rules import RULES


def review_paths(paths: list[str], compatibility_date: str | None = None) -> ReviewResult:
    """Review files and folders on disk; a wrangler config beside (or above) a given file is included."""
    return review_files(collect_paths(paths), compatibility_date)


def list_rules() -> RuleList:
    return RuleList(rules=[RuleInfo(id=r.id, severity=r.severity, summary=r.summary, fixable=r.fixable,
                                    docs=list(r.docs))
                           for r in RULES.values()])


def explain_rule(rule_id: str) -> RuleExplanation:
    rule = RULES.get(rule_id.strip())
    if rule is None:
        close = [r for r in RULES if rule_id.strip().lower().removeprefix("do-") in r] if len(rule_id) < 100 else []
        raise NotFoundError(f"no rule {clip(rule_id)}",
                            hint=("Did you mean: " + ", ".join(close[:5]) + "? " if close else "")
                            + "list_rules gives every rule id.")
    return RuleExplanation(id=rule.id, severity=rule.severity, summary=rule.summary, why=rule.why, bad=rule.bad,
                           good=rule.good, fix=rule.fix, docs=list(rule.docs))


def rule_markdown(rule_id: str) -> str:
    """A rule's documentation as Markdown: the body of the ``do-rules://<rule-id>`` resource and of
    ``do-expert rules RULE``."""
    e = explain_rule(rule_id)
    lang = RULES[e.id].example_lang
    docs = ", ".join(f"`{d}`" for d in e.docs)
    return (f"# {e.id} ({e.severity})\n\n{e.summary}\n\n## Why\n\n{e.why}\n\n## Bad\n\n```{lang}\n{e.bad}\n```\n\n"
            f"## Good\n\n```{lang}\n{e.good}\n```\n\n## Fix\n\n{e.fix}\n\n## Reference\n\n{docs} (read_docs)\n\n"
            f"Suppress one finding with `// do-expert-ignore {e.id}` on the line or the line above.\n")


__all__ = ["review_files", "review_paths", "list_rules", "explain_rule", "rule_markdown", "to_sarif", "format_text", "RULES"]
