"""Cleaning a user's Markdown or MDX file into plain Markdown that the corpus splitter can read, and cutting long
Markdown into parts (``split_markdown``) without breaking fenced code.

Three kinds of noise are taken out, and only outside fenced code blocks and inline code spans (code is never
touched, so an ``import`` line or a ``<Tags>`` generic inside a fence survives):

- MDX syntax: ESM ``import``/``export`` statements, JSX comments ``{/* ... */}``, and the opening and closing tags
  of components (names that start with an uppercase letter); a component's inner text and code stay.
- HTML comments ``<!-- ... -->`` (both kinds of file).
- The site chrome of Cloudflare's published per-page Markdown: the "Skip to content" link, the
  "Documentation Index" blockquote and the "Last updated ... | Copy as Markdown" line.

Every pattern is linear: comments are found with ``str.find`` (an unclosed ``{/*`` stops the search instead of
rescanning the rest of the file from every later opener), and the tag pattern has no ambiguous nested quantifiers,
uses possessive repetition and cannot cross an unquoted ``<``, so a 4 MB file of ``<<<<`` or ``{/*`` cleans at once.
"""

from __future__ import annotations

import re

import yaml

from server.search.corpus import FENCE_RE, INLINE_CODE_RE, classify_lines

# An opening, closing or self-closing component tag. The name is followed by whitespace, "/" or ">" (so it cannot
# give back characters to the attribute loop); attribute text is plain characters, quoted strings (which may hold
# ">") or {expressions} one level deep. No alternative can start with the same character as another: no backtracking.
COMPONENT_TAG_RE = re.compile(
    r"</?[A-Z][\w.:-]{0,100}(?=[\s/>])"
    r"(?:[^<>\"'{}]|\"[^\"\n]{0,2000}\"|'[^'\n]{0,2000}'"
    r"|\{[^{}<]{0,4000}(?:\{[^{}<]{0,4000}\}[^{}<]{0,4000}){0,20}\})*+"
    r">"
)
TEXT_ATTRIBUTE_RE = re.compile(r"""\stext=(?:"([^"\n]{1,500})"|'([^'\n]{1,500})')""")
# An ESM statement starts a block at the start of a line; prose cannot start a block with these in valid MDX.
ESM_START_RE = re.compile(r"^(?:import(?:\s+[\w$*{\"']|\s*[{*\"'])"
                          r"|export\s+(?:const|let|var|function|async|class|default|type|interface|enum)\b"
                          r"|export\s*[{*])")
ESM_MAX_LINES = 200
ESM_FROM_END_RE = re.compile(r"""(?:^import\s*["'][^"'\n]*["']|\bfrom\s*["'][^"'\n]*["'])\s*;?\s*$""")
SKIP_LINK_RE = re.compile(r"^\s*\[Skip to content\]\(#[^()\n]{0,200}\)\s*$", re.IGNORECASE)
LAST_REVIEWED_RE = re.compile(r"^\s*\**Last reviewed:\**\s[^\n]{0,80}$", re.IGNORECASE)
DOC_INDEX_RE = re.compile(r"^\s*>\s*(?:#{1,6}\s*)?\**Documentation Index\b", re.IGNORECASE)
# Inline code spans are swapped for placeholders while tags and comments are removed, then put back.
PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "\ue000", "\ue001"
PLACEHOLDER_RE = re.compile(f"{PLACEHOLDER_OPEN}(\\d+){PLACEHOLDER_CLOSE}")
FRONT_MATTER_CLOSE_RE = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def split_loose_front_matter(text: str) -> tuple[dict, str]:
    """An optional ``---`` YAML block at the start. Invalid YAML or a non-mapping gives ``{}`` (the block is still
    removed); an unclosed block is not front matter at all and stays in the body."""
    first, sep, rest = text.partition("\n")
    if first.rstrip() != "---" or not sep:
        return {}, text
    end = FRONT_MATTER_CLOSE_RE.search(rest)
    if end is None:
        return {}, text
    raw, body = rest[: end.start()], rest[end.end():]
    try:
        meta = yaml.safe_load(raw)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):  # e.g. a date like 2024-13-45 is a ValueError
        meta = None
    return (meta if isinstance(meta, dict) else {}), body.lstrip("\n")


def _drop_delimited(text: str, opener: str, closer: str) -> str:
    """Remove every ``opener ... closer`` span (it may cross lines). An opener with no closer after it is kept as
    text, and the search ends there: no later opener can have a closer either."""
    out: list[str] = []
    pos = 0
    while True:
        start = text.find(opener, pos)
        if start < 0:
            break
        end = text.find(closer, start + len(opener))
        if end < 0:
            break
        out.append(text[pos:start])
        pos = end + len(closer)
    out.append(text[pos:])
    return "".join(out)


def _protect_inline_code(text: str) -> tuple[str, list[str]]:
    spans: list[str] = []

    def keep(match: re.Match) -> str:
        spans.append(match.group(0))
        return f"{PLACEHOLDER_OPEN}{len(spans) - 1}{PLACEHOLDER_CLOSE}"

    return INLINE_CODE_RE.sub(keep, text), spans


def _restore_inline_code(text: str, spans: list[str]) -> str:
    return PLACEHOLDER_RE.sub(lambda m: spans[int(m.group(1))], text)


def _tag_replacement(match: re.Match) -> str:
    """A component tag goes; an inline self-closing one keeps the text it displays (``<Type text="number" />``
    shows "number", which the prose around it needs)."""
    tag = match.group(0)
    if tag.endswith("/>"):
        shown = TEXT_ATTRIBUTE_RE.search(tag)
        if shown:
            return shown.group(1) or shown.group(2)
    return ""


def _statement_done(line: str, depth: int) -> bool:
    stripped = line.rstrip()
    return depth <= 0 and (stripped.endswith(";") or bool(ESM_FROM_END_RE.search(stripped)))


def _drop_esm(lines: list[str]) -> list[str]:
    """Drop ESM blocks: from an ``import``/``export`` line at the start of a block to the end of the statement
    (brackets balanced and a ``;`` or a ``from "..."``), or to the next blank line when the end is unclear, as MDX
    itself reads them."""
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        block_start = not kept or not kept[-1].strip()
        if not (block_start and ESM_START_RE.match(line)):
            kept.append(line)
            i += 1
            continue
        depth, start = 0, i
        # A blank line ends the block, unless brackets are still open (a function body with blank lines in it);
        # an unbalanced bracket cannot swallow more than ESM_MAX_LINES of the page.
        while i < len(lines) and (lines[i].strip() or (depth > 0 and i - start < ESM_MAX_LINES)):
            depth += sum(lines[i].count(c) for c in "{([") - sum(lines[i].count(c) for c in "})]")
            done = _statement_done(lines[i], depth)
            i += 1
            if done and i < len(lines) and not ESM_START_RE.match(lines[i]):
                break  # the statement ended and what follows is not another one: it is the page's text
    return kept


def _drop_chrome(lines: list[str]) -> list[str]:
    """Drop the page chrome of Cloudflare's published Markdown: skip link, index blockquote, last-updated line."""
    kept: list[str] = []
    in_index_quote = False
    for line in lines:
        stripped = line.strip()
        if in_index_quote:
            if stripped.startswith(">"):
                continue
            in_index_quote = False
        if DOC_INDEX_RE.match(line):
            in_index_quote = True
            continue
        if SKIP_LINK_RE.match(line):
            continue
        if stripped.lower().startswith("last updated") and "copy as markdown" in stripped.lower():
            continue
        if LAST_REVIEWED_RE.match(line):  # "**Last reviewed:** over 2 years ago", under the title
            continue
        kept.append(line)
    return kept


# The footer of a published page as crawled: a feedback prompt, then the page's table of contents, logo links and
# structured data (JSON-LD in a fence). Everything from the prompt on is chrome; a prompt without its "Yes No"
# answer line next is left alone (it may be a heading somebody wrote).
FEEDBACK_RE = re.compile(r"^\s*Was this helpful\?\s*$", re.IGNORECASE)
FEEDBACK_ANSWER_RE = re.compile(r"^\s*Yes\s*No\s*$", re.IGNORECASE)


def _without_page_footer(body: str) -> str:
    lines = body.split("\n")
    text_lines = [i for i, (_, kind) in enumerate(classify_lines(body)) if kind == "text"]
    for n, i in enumerate(text_lines):
        if FEEDBACK_RE.match(lines[i]):
            following = [lines[j] for j in text_lines[n + 1:n + 4] if lines[j].strip()]
            if following and FEEDBACK_ANSWER_RE.match(following[0]):
                return "\n".join(lines[:i])
    return body


def _clean_text(text: str, *, mdx: bool) -> list[str]:
    """Clean one run of non-code lines."""
    text, spans = _protect_inline_code(text)
    text = _drop_delimited(text, "<!--", "-->")
    if mdx:
        text = _drop_delimited(text, "{/*", "*/}")
        text = COMPONENT_TAG_RE.sub(_tag_replacement, text.replace('{" "}', " ").replace("{' '}", " "))
    lines = _restore_inline_code(text, spans).split("\n")
    if mdx:
        lines = _drop_esm(lines)
    return [line.rstrip() for line in _drop_chrome(lines)]  # a removed tag or comment leaves no trailing space


def clean_markdown(text: str, *, mdx: bool) -> tuple[dict, str]:
    """(front matter, clean body) of a user's Markdown (``mdx=False``) or MDX (``mdx=True``) file."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace(PLACEHOLDER_OPEN, "").replace(PLACEHOLDER_CLOSE, "")
    meta, body = split_loose_front_matter(text)
    body = _without_page_footer(body)
    out: list[str] = []
    run: list[str] = []  # consecutive text lines, cleaned together so comments and tags may span lines
    for line, kind in classify_lines(body):
        if kind == "text":
            run.append(line)
            continue
        if run:
            out.extend(_clean_text("\n".join(run), mdx=mdx))
            run = []
        out.append(line)
    if run:
        out.extend(_clean_text("\n".join(run), mdx=mdx))
    return meta, _collapse_blank_lines(out)


def _collapse_blank_lines(lines: list[str]) -> str:
    """At most one blank line in a row outside code; code lines are kept as they are."""
    kept: list[str] = []
    blank_run = 0
    for line, kind in classify_lines("\n".join(lines)):
        if kind == "text" and not line.strip():
            blank_run += 1
            if blank_run > 1 or not kept:
                continue
            kept.append("")
            continue
        blank_run = 0
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + ("\n" if kept else "")


# ------------------------------------------------------------------------------------------------ long text
def _blocks(text: str) -> list[str]:
    """Paragraph-sized blocks: text cut at blank lines outside fenced code."""
    blocks: list[str] = []
    current: list[str] = []
    for line, kind in classify_lines(text):
        if kind == "text" and not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _cut_block(block: str, limit: int) -> list[str]:
    """A block longer than ``limit`` cut at line ends (a fence cut in two is closed and opened again so each part
    stays valid Markdown), and a single line longer than ``limit`` at a space or, failing that, anywhere."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    fence_open: str | None = None  # the opening line of the fence being read, while inside it

    def flush(in_code: bool) -> None:
        nonlocal current, size
        if not current or (in_code and current == [fence_open]):  # nothing but the reopened fence yet
            return
        reopen = in_code and fence_open is not None
        if reopen:
            m = FENCE_RE.match(fence_open)
            current.append(m.group(1) + m.group(2))
        pieces.append("\n".join(current))
        current = [fence_open] if reopen else []
        size = sum(len(x) + 1 for x in current)

    for line, kind in classify_lines(block):
        in_code = kind == "code"
        while len(line) > limit:
            flush(in_code)
            cut = line.rfind(" ", limit // 2, limit)
            cut = cut if cut > 0 else limit
            current.append(line[:cut])
            size = len(line[:cut]) + 1
            flush(in_code)
            line = line[cut:]
        if current and size + len(line) > limit:
            flush(in_code)
        current.append(line)
        size += len(line) + 1
        if kind == "open":
            fence_open = line
        elif kind == "close":
            fence_open = None
    flush(False)
    return pieces


def split_markdown(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most about ``limit`` characters, cut at blank lines outside fenced code where it can."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for block in _blocks(text):
        for part in _cut_block(block, limit) if len(block) > limit else [block]:
            if current and size + len(part) + 2 > limit:
                pieces.append("\n\n".join(current))
                current, size = [], 0
            current.append(part)
            size += len(part) + 2
    if current:
        pieces.append("\n\n".join(current))
    return pieces
