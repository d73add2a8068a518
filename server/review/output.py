"""Text and SARIF 2.1.0 renderings of a ReviewResult (JSON is the pydantic model itself).

SARIF is what GitHub code scanning ingests: rules carry metadata and a helpUri, results carry a stable
``partialFingerprints`` entry (rule + path + the flagged line's text, not its number, so a finding keeps its
identity when code above it moves), and ``security-severity`` where GitHub needs it to rank.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote
from collections import Counter

from .. import __version__
from ..models import ReviewResult
from .rules import RULES

# helpUri: the Cloudflare page behind the rule's first reference doc (the same primary source the reference cites);
# the rule's own explanation, fix and examples travel inside the SARIF ``help`` text.
_CF = "https://developers.cloudflare.com/"
DOC_URLS = {
    "alarms": _CF + "durable-objects/api/alarms/",
    "concurrency": _CF + "durable-objects/best-practices/rules-of-durable-objects/",
    "errors": _CF + "durable-objects/best-practices/error-handling/",
    "lifecycle-and-config": _CF + "durable-objects/reference/durable-objects-migrations/",
    "limits": _CF + "durable-objects/platform/limits/",
    "namespace-and-stubs": _CF + "durable-objects/api/namespace/",
    "rules": _CF + "durable-objects/best-practices/rules-of-durable-objects/",
    "service-bindings": _CF + "workers/runtime-apis/rpc/",
    "sql-statements": _CF + "durable-objects/api/sqlite-storage-api/",
    "sqlite-storage": _CF + "durable-objects/api/sqlite-storage-api/",
    "websockets": _CF + "durable-objects/best-practices/websockets/",
    "workers": _CF + "workers/wrangler/configuration/",
}


def help_uri(rule_id: str) -> str:
    docs = RULES[rule_id].docs
    return DOC_URLS.get(docs[0].split("#")[0] if docs else "", _CF + "durable-objects/")
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_SECURITY = {"do-sql-interpolation": "8.0"}


def format_text(result: ReviewResult) -> str:
    lines = [f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule}"
             f"{'' if f.confidence == 'high' else f' ({f.confidence} confidence)'}: {f.message}\n    fix: {f.fix}"
             f"{_FIX_MARK.get(f.fix_safety, '') if f.edits else ''}"
             for f in result.findings]
    s = result.summary
    lines.append(f"{'clean' if result.clean else 'not clean'}: {s.error} error(s), {s.warning} warning(s), {s.info} info")
    safe = sum(bool(f.edits) and f.fix_safety == "safe" for f in result.findings)
    unsafe = sum(bool(f.edits) and f.fix_safety == "unsafe" for f in result.findings)
    if safe or unsafe:
        lines.append(f"fixable: {safe} with --fix" + (f", {unsafe} more with --unsafe-fixes" if unsafe else ""))
    return "\n".join(lines)


def _fingerprint(rule: str, path: str, line_text: str, occurrence: int) -> str:
    h = hashlib.sha256(f"{rule}\0{path}\0{line_text.strip()}\0{occurrence}".encode()).hexdigest()
    return h[:32]


_FIX_MARK = {"safe": " [fixable: --fix]", "unsafe": " [fixable: --unsafe-fixes]"}


def _sarif_fix(f) -> dict:
    """A finding's edits as one SARIF fix: replacements grouped per file; an insertion is an empty deleted region
    (start == end), which SARIF defines as an insertion point."""
    by_path: dict[str, list] = {}
    for e in f.edits:
        by_path.setdefault(e.path, []).append({
            "deletedRegion": {"startLine": e.line, "startColumn": e.column, "endLine": e.end_line,
                              "endColumn": e.end_column},
            "insertedContent": {"text": e.text},
        })
    return {
        "description": {"text": f"{'Safe' if f.fix_safety == 'safe' else 'Unsafe (review it)'} fix: {f.fix}"},
        "artifactChanges": [{"artifactLocation": {"uri": quote(p.lstrip("/")), "uriBaseId": "%SRCROOT%"},
                             "replacements": reps} for p, reps in by_path.items()],
    }


def to_sarif(result: ReviewResult, texts: dict[str, str] | None = None) -> dict:
    """SARIF log; ``texts`` (path -> content) lets fingerprints use line text instead of line numbers."""
    used = sorted({f.rule for f in result.findings})
    rule_index = {rid: i for i, rid in enumerate(used)}
    rules = []
    for rid in used:
        r = RULES[rid]
        # precision: the rule's confidence, lowered to the lowest confidence among this run's findings of it
        confs = {f.confidence for f in result.findings if f.rule == rid} | {r.confidence}
        precision = next(c for c in ("low", "medium", "high") if c in confs)
        props = {"tags": ["durable-objects", "cloudflare"], "precision": precision}
        if rid in _SECURITY:
            props["security-severity"] = _SECURITY[rid]
            props["tags"].append("security")
        rules.append({
            "id": rid,
            "name": "".join(p.capitalize() for p in rid.split("-")),
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.why},
            "help": {"text": f"{r.why}\n\nFix: {r.fix}",
                     "markdown": f"{r.why}\n\n**Fix:** {r.fix}\n\nBad:\n```{r.example_lang}\n{r.bad}\n```\nGood:\n```{r.example_lang}\n{r.good}\n```"},
            "helpUri": help_uri(rid),
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
            "properties": props,
        })
    seen: Counter[tuple[str, str, str]] = Counter()
    results = []
    for f in result.findings:
        line_text = ""
        if texts and f.path in texts:
            src_lines = texts[f.path].split("\n")
            line_text = src_lines[f.line - 1] if 0 < f.line <= len(src_lines) else ""
        key = (f.rule, f.path, line_text.strip() or str(f.line))
        seen[key] += 1
        results.append({
            "ruleId": f.rule,
            "ruleIndex": rule_index[f.rule],
            "level": _LEVEL[f.severity],
            "message": {"text": f"{f.message} Fix: {f.fix}"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": quote(f.path.lstrip("/")), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": f.line, "startColumn": f.column,
                           "endLine": max(f.end_line, f.line),
                           "endColumn": f.end_column if f.end_line > f.line or f.end_column > f.column else f.column + 1},
            }}],
            "partialFingerprints": {"primaryLocationLineHash/v1": _fingerprint(f.rule, f.path, key[2], seen[key])},
            "properties": {"docs": f.docs, "confidence": f.confidence,
                           **({"fixSafety": f.fix_safety} if f.edits else {})},
            **({"fixes": [_sarif_fix(f)]} if f.edits else {}),
        })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "do-expert", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
