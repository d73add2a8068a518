"""Run every rule over a set of files and turn the hits into findings.

Input is never trusted: binary or oversized files become ``do-input-skipped`` findings, unreadable configs become
``do-config-invalid``, syntax errors become ``do-syntax-error`` and the rest of the file is still checked. Only a
request that is unreasonable as a whole (too many files or bytes, a malformed date) raises an error.
"""

from __future__ import annotations

import logging
import posixpath
import re
import time
from typing import Iterable, Sequence

from ..errors import InvalidInputError, ReviewError, clip
from ..models import Finding, ReviewResult, ReviewSummary
from .config import ParsedConfig, is_config_path
from .context import Hit, ReviewContext, valid_date
from .parse import InputTooComplex, SourceFile, ancestors
from .recover import error_spans
from .rules import RULES

log = logging.getLogger(__name__)

SOURCE_EXTENSIONS = (".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx")
MAX_FILES = 10_000
MAX_FILE_BYTES = 2_000_000  # larger sources are bundles or generated; reviewing them says nothing about DO code
MAX_TOTAL_BYTES = 64_000_000
MAX_PATH_CHARS = 1_024
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_IGNORE_RE = re.compile(r"do-expert-ignore(?:-line|-next-line)?\b([^\n]*)")
_ID_RE = re.compile(r"do-[a-z0-9-]+")


DECLARATION_EXTENSIONS = (".d.ts", ".d.mts", ".d.cts")


def is_reviewable(path: str) -> bool:
    """Wrangler configs and TS/JS sources. Declaration files (``.d.ts``) are generated types, never DO logic."""
    low = path.lower()
    return is_config_path(path) or (low.endswith(SOURCE_EXTENSIONS) and not low.endswith(DECLARATION_EXTENSIONS))


def review_files(files: Sequence[tuple[str, str]], compatibility_date: str | None = None,
                 budget: float | None = None) -> ReviewResult:
    """Review ``(path, content)`` pairs: TS/JS sources and wrangler configs together, so cross-file rules
    (class exported, class declared, SQL on a KV-backed class) can connect them. Other files are ignored.

    ``budget`` (seconds) bounds the work: once it is spent, the files not yet parsed and the rules not yet run are
    reported in one ``do-input-skipped`` finding instead of being silently missed."""
    stop_at = time.monotonic() + budget if budget is not None else None
    if compatibility_date is not None and not valid_date(compatibility_date):
        raise InvalidInputError(f"compatibility_date {clip(compatibility_date)} is not a date",
                                hint="Use YYYY-MM-DD, e.g. the compatibility_date in wrangler.jsonc.")
    if len(files) > MAX_FILES:
        raise ReviewError(f"{len(files)} files is more than the {MAX_FILES} one review accepts",
                          hint="Review the project folder by folder, or pass only the Worker's sources and config.")
    total = sum(len(c) for _, c in files)
    if total > MAX_TOTAL_BYTES:
        raise ReviewError(f"{total} characters of input is more than the {MAX_TOTAL_BYTES} one review accepts",
                          hint="Leave out bundles, node_modules and generated files.")

    hits: list[tuple[str, Hit]] = []
    sources: list[SourceFile] = []
    configs: list[ParsedConfig] = []
    texts: dict[str, list[str]] = {}
    seen: set[str] = set()
    given: dict[str, str] = {}  # normalised path -> the path as the caller wrote it (findings report the latter)
    late_files: list[str] = []  # not parsed: the budget ran out first
    for path, content in files:
        if not isinstance(path, str) or not isinstance(content, str):
            raise InvalidInputError("each file needs a string path and string content", hint="Pass {path, content}.")
        if len(path) > MAX_PATH_CHARS:
            raise InvalidInputError(f"file path {clip(path)} is longer than {MAX_PATH_CHARS} characters",
                                    hint="Pass each file's real path relative to the project, e.g. src/index.ts.")
        original, path = path, path.replace("\\", "/")
        given.setdefault(path, original)
        if path in seen or not is_reviewable(path):
            continue
        seen.add(path)
        if stop_at is not None and time.monotonic() > stop_at:
            late_files.append(path)
            continue
        skip = _skip_reason(content)
        if skip:
            hits.append(("do-input-skipped", Hit(path, 1, 1, 1, 1, f"Not reviewed: {skip}.")))
            continue
        texts[path] = content.split("\n")
        if is_config_path(path):
            cfg = ParsedConfig(path, content)
            configs.append(cfg)
            if cfg.error:
                hits.append(("do-config-invalid", Hit(path, cfg.error_line, 1, cfg.error_line, 1,
                                                      f"{posixpath.basename(path)} cannot be read: {cfg.error}. "
                                                      "Config rules were skipped for it.")))
            continue
        try:
            src = SourceFile(path, content)
        except InputTooComplex as exc:
            hits.append(("do-input-skipped", Hit(path, 1, 1, 1, 1, f"Not reviewed: {exc}.")))
            continue
        sources.append(src)
        if src.has_errors:
            hits.append(_syntax_hit(src))

    if files and not seen:
        names = ", ".join(clip(p) for p, _ in list(files)[:3])
        raise InvalidInputError(f"nothing to review: {names} {'is' if len(files) == 1 else 'are'} neither TypeScript/"
                                "JavaScript (declaration files .d.ts are not reviewed) nor a wrangler config",
                                hint="Name files by their real path, e.g. src/index.ts and wrangler.jsonc "
                                     "(.ts .tsx .mts .cts .js .mjs, wrangler.jsonc/.json/.toml).")
    ctx = ReviewContext(sources, configs, compatibility_date)
    late_rules: list[str] = []
    for rule in RULES.values():
        if rule.engine:
            continue
        if stop_at is not None and time.monotonic() > stop_at:
            late_rules.append(rule.id)
            continue
        try:
            for hit in rule.check(ctx):
                hits.append((rule.id, hit))
        except Exception:  # a rule bug must cost one rule, never the review
            log.exception("rule %s failed; its findings are missing from this review", rule.id)

    if late_files or late_rules:
        where = late_files[0] if late_files else (sources[0].path if sources else next(iter(seen), "input"))
        parts = ([f"{len(late_files)} file(s) not parsed ({', '.join(late_files[:3])}"
                  f"{', ...' if len(late_files) > 3 else ''})"] if late_files else []) + \
                ([f"{len(late_rules)} rule(s) not run ({', '.join(late_rules[:3])}{', ...' if len(late_rules) > 3 else ''})"]
                 if late_rules else [])
        hits.append(("do-input-skipped", Hit(where, 1, 1, 1, 1, f"Review stopped at its {budget:g} s time budget: "
                                                                f"{'; '.join(parts)}. Review fewer files at once.")))
    findings = _to_findings(hits, texts, given)
    summary = ReviewSummary(
        error=sum(f.severity == "error" for f in findings),
        warning=sum(f.severity == "warning" for f in findings),
        info=sum(f.severity == "info" for f in findings),
    )
    return ReviewResult(clean=summary.error == 0 and summary.warning == 0, summary=summary, findings=findings,
                        another_pass=any(f.edits for f in findings))


def _skip_reason(content: str) -> str | None:
    if len(content) > MAX_FILE_BYTES:
        return f"the file is larger than the {MAX_FILE_BYTES:,} characters reviewed per file (bundled or generated code?)"
    if "\x00" in content[:8192] or "\x00" in content[-8192:]:
        return "the file looks binary (it contains NUL bytes)"
    return None


def _syntax_hit(src: SourceFile) -> tuple[str, Hit]:
    """``do-syntax-error``, or ``do-partly-reviewed`` (info) when every unparsed part is a construct TypeScript
    accepts but the grammar does not (see recover.py for the ones that are recovered outright)."""
    spans = error_spans(src.root)
    gap = _known_gap(src, spans)
    if gap and spans:
        line, col, end_line, end_col = src.span(_node_at(src, spans[0]))
        return "do-partly-reviewed", Hit(src.path, line, col, end_line, end_col,
                                         f"Partly reviewed: {gap} could not be parsed here; the rest of the file "
                                         "was checked.")
    for n in src.nodes("ERROR"):
        line, col, end_line, end_col = src.span(n)
        return "do-syntax-error", Hit(src.path, line, col, end_line, end_col,
                                      f"Syntax error near `{src.text_of(n)[:40].strip()}`; the rest of the file was "
                                      "still checked.")
    node = _first_missing(src)
    if node is not None:
        line, col, _, _ = src.span(node)
        return "do-syntax-error", Hit(src.path, line, col, line, col, f"Syntax error: missing `{node.type}`; the rest "
                                      "of the file was still checked.")
    return "do-syntax-error", Hit(src.path, 1, 1, 1, 1, "Syntax error; the rest of the file was still checked.")


def _node_at(src: SourceFile, span: tuple[int, int]):
    return src.root.descendant_for_byte_range(span[0], max(span[0], span[1] - 1)) or src.root


def _known_gap(src: SourceFile, spans: list[tuple[int, int]]) -> str | None:
    """The construct, when every unparsed span sits inside an ambient declaration (``declare module``/``declare
    global``): TypeScript accepts signatures there that the grammar cannot read, and they hold no DO logic."""
    if not spans:
        return None
    for span in spans:
        node = _node_at(src, span)
        if not any(a.type == "ambient_declaration" for a in ancestors(node)) and node.type != "ambient_declaration":
            return None
    return "an ambient declaration (`declare module`/`declare global`)"


def _first_missing(src: SourceFile):
    stack = [src.root]
    budget = 200_000  # bounded: a MISSING node hides somewhere in an erroneous tree; stop looking after a while
    while stack and budget:
        budget -= 1
        node = stack.pop()
        if node.is_missing:
            return node
        if node.has_error:
            stack.extend(reversed(node.children))
    return None


def suppressed(lines: list[str], line: int, rule_id: str) -> bool:
    """``// do-expert-ignore <rule-id>[, <rule-id>]`` (or ``# ...`` in TOML) on the line or the line above.
    Without an id it suppresses every rule there, like eslint-disable-line."""
    for ln in (line, line - 1):
        if 0 < ln <= len(lines):
            m = _IGNORE_RE.search(lines[ln - 1])
            if m:
                ids = _ID_RE.findall(m.group(1))
                if not ids or rule_id in ids:
                    return True
    return False


def _to_findings(hits: Iterable[tuple[str, Hit]], texts: dict[str, list[str]],
                 given: dict[str, str]) -> list[Finding]:
    out: dict[tuple, Finding] = {}
    for rule_id, h in hits:
        rule = RULES[rule_id]
        lines = texts.get(h.path, [])
        if suppressed(lines, h.line, rule_id):
            continue
        end_line = h.end_line or h.line
        end_col = h.end_column or h.column
        key = (h.path, h.line, h.column, rule_id)
        if key in out:
            continue
        out[key] = Finding(rule=rule_id, severity=rule.severity, path=given.get(h.path, h.path), line=h.line, column=h.column,
                           end_line=end_line, end_column=max(end_col, 1), message=h.message, fix=rule.fix,
                           docs=list(rule.docs), confidence=h.confidence or rule.confidence,
                           edits=[e.model_copy(update={"path": given[e.path]}) if e.path in given else e for e in h.edits], fix_safety=(h.fix_safety or None) if h.edits else None)
    return sorted(out.values(), key=lambda f: (f.path, f.line, f.column, _SEVERITY_ORDER[f.severity], f.rule))
