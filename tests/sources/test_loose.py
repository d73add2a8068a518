"""Reading a user's folder of Markdown/MDX as do-expert documents (server/sources/loose.py, mdx.py)."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from server.errors import CorpusError, SourceError
from server.sources import loose
from server.sources.loose import (MAX_FILE_BYTES, SECTION_CHARS, Skipped, clean_markdown, doc_ids, parse_loose,
                                  walk_markdown)

# A page shaped like a docs-site MDX source: ESM imports, components, JSX comments, and code that must survive.
MDX_PAGE = '''---
title: Scheduling wake-ups
description: How an object asks the runtime to call it back later.
tags: [alarms, scheduling]
---

import { Render, TypeScriptExample, Details, Tabs, TabItem } from "~/components";
import {
\tGlossaryTooltip,
\tAside,
} from "~/components";
export const meta = { sidebar: 3 };

{/* maintainers: the intro partial lives in the shared folder,
    do not inline it here */}

<Render file="wakeup-intro" product="durable-objects" />

An object can book one wake-up at a time; booking again moves it.

## Booking a wake-up

Call <GlossaryTooltip term="alarm">the scheduler</GlossaryTooltip> with a time in milliseconds, e.g. `setAlarm<T>()`.

<TypeScriptExample filename="src/index.ts">
```ts
import { DurableObject } from "cloudflare:workers";
export class Clock extends DurableObject {
  wake(): Array<Tags> { return [] as Array<Tags>; }
}
{/* not a comment in code */}
```
</TypeScriptExample>

<Details header="What if a > b?">
The earlier booking is replaced, never queued.
</Details>

<!-- reviewer: double-check the retry count -->

### Retries

<Tabs syncKey="pm">
<TabItem label="npm" icon="seti:npm">
Failed handlers run again with backoff.
</TabItem>
<TabItem
  label="yarn"
  icon="seti:yarn"
>
The same holds for every package manager.
</TabItem>
</Tabs>

<Render
\tfile="retry-table"
\tproduct="durable-objects"
\tparams={{ one: "two" }}
/>
'''

# A page in the shape of a docs site's published per-page Markdown, with its chrome lines.
PUBLISHED_PAGE = """[Skip to content](#_top)

> Documentation Index
> Fetch the full list of pages at https://example.com/llms.txt
> Use it to find other pages.

# Storage limits

Each object keeps its own small database.

## Per-object size

An object may hold up to the plan's storage limit.

```sh
# a shell comment, not a heading
echo "Last updated today | Copy as Markdown | keep me"
```

Last updated: Nov 3, 2026 | Copy as Markdown | Edit page
"""

NOTES = """<!-- owner: platform team -->
We shard chat rooms by [name](https://example.com/naming) so one room maps to one object.
Messages are kept for a week.

| room | shard |
|------|-------|

## Open questions

- Should history move to R2?
"""


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _rel(root: Path, files: list[Path]) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


def _parse(root: Path, rel: str, **kw):
    return parse_loose(root / rel, root, "team", doc_ids([rel], "team")[rel], **kw)


MDX_NOISE = re.compile(r"^import |^export |\{/\*|\*/\}|<[A-Z]|</[A-Z]|<!--|-->|Skip to content|Documentation Index"
                       r"|Copy as Markdown", re.MULTILINE)


def _prose(markdown: str) -> str:
    """``markdown`` without its fenced code and inline code spans, where noise is allowed."""
    return re.sub(r"`[^`\n]+`", "", re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL))


# ----------------------------------------------------------------------------------------------------- documents
def test_mdx_page_reads_as_clean_sections(tmp_path):
    _write(tmp_path / "api/alarms/index.mdx", MDX_PAGE)
    doc = _parse(tmp_path, "api/alarms/index.mdx", url="https://example.com/alarms/")
    assert doc.id == "team--api-alarms"
    assert doc.title == "Scheduling wake-ups"
    assert doc.summary == "How an object asks the runtime to call it back later."
    assert doc.keywords == ["alarms", "scheduling"]
    assert doc.sources == ["https://example.com/alarms/"] and doc.last_verified == "" and doc.aliases == []
    assert [s.id for s in doc.sections] == ["team--api-alarms#overview", "team--api-alarms#booking-a-wake-up",
                                            "team--api-alarms#retries"]
    assert [s.path for s in doc.sections] == [["Overview"], ["Booking a wake-up"], ["Booking a wake-up", "Retries"]]
    for section in doc.sections:
        assert section.sources == ["https://example.com/alarms/"]
        assert not MDX_NOISE.search(_prose(section.own_markdown)), section.own_markdown
    overview, booking, retries = doc.sections
    assert overview.own_markdown == "An object can book one wake-up at a time; booking again moves it."
    assert "Call the scheduler with a time" in booking.own_markdown
    assert "`setAlarm<T>()`" in booking.own_markdown  # inline code untouched
    assert "The earlier booking is replaced, never queued." in booking.own_markdown
    assert "Failed handlers run again with backoff." in retries.own_markdown
    assert "The same holds for every package manager." in retries.own_markdown
    assert "one: \"two\"" not in retries.own_markdown  # a multi-line self-closing component with {expressions}


def test_code_fences_are_never_touched(tmp_path):
    _write(tmp_path / "page.mdx", MDX_PAGE)
    doc = _parse(tmp_path, "page.mdx")
    fence = MDX_PAGE[MDX_PAGE.index("```ts"): MDX_PAGE.index("```\n</TypeScriptExample>") + 3]
    assert fence in doc.markdown
    assert any("import { DurableObject }" in code and "Array<Tags>" in code and "{/* not a comment in code */}"
               in code for code in doc.sections[1].code)


def test_published_markdown_chrome_is_dropped(tmp_path):
    _write(tmp_path / "storage/limits.md", PUBLISHED_PAGE)
    doc = _parse(tmp_path, "storage/limits.md")
    assert doc.title == "Storage limits"
    assert doc.summary == "Each object keeps its own small database."
    assert doc.sources == [(tmp_path / "storage/limits.md").as_uri()]
    assert not MDX_NOISE.search(_prose(doc.markdown))
    assert doc.markdown.startswith("# Storage limits\n\nEach object keeps")
    assert 'echo "Last updated today | Copy as Markdown | keep me"' in doc.markdown  # inside a fence: kept
    assert [s.slug for s in doc.sections] == ["overview", "per-object-size"]  # "# a shell comment" is code


def test_plain_notes_without_front_matter(tmp_path):
    _write(tmp_path / "chat_rooms-notes.md", NOTES)
    doc = _parse(tmp_path, "chat_rooms-notes.md")
    assert doc.title == "Chat rooms notes"  # no title, no "# " heading: the file name made readable
    assert doc.summary == ("We shard chat rooms by name so one room maps to one object. "
                           "Messages are kept for a week.")
    assert doc.keywords == []
    assert [s.heading for s in doc.sections] == ["Overview", "Open questions"]


def test_summary_is_capped(tmp_path):
    _write(tmp_path / "long.md", "# Long\n\n" + "word " * 400 + "\n")
    summary = _parse(tmp_path, "long.md").summary
    assert len(summary) <= 300 and summary.startswith("word word") and summary.endswith("…")


@pytest.mark.parametrize("front", [
    "---\ntitle: [unclosed\n---\n",  # invalid YAML
    "---\n- just\n- a list\n---\n",  # not a mapping
    "---\ndate: 2024-13-45\n---\n",  # a timestamp YAML cannot build
])
def test_bad_front_matter_is_ignored_but_removed(tmp_path, front):
    _write(tmp_path / "bad.md", front + "# Real title\n\nBody text here.\n")
    doc = _parse(tmp_path, "bad.md")
    assert (doc.title, doc.summary) == ("Real title", "Body text here.")
    assert "---" not in doc.markdown


def test_clean_markdown_front_matter_and_blank_lines():
    meta, body = clean_markdown("---\ntitle: T\nkeywords: [a, b]\n---\n\n\n\nA\n\n\n\n\nB\n", mdx=False)
    assert meta == {"title": "T", "keywords": ["a", "b"]}
    assert body == "A\n\nB\n"
    meta, body = clean_markdown("---\nnot closed\n\nText\n", mdx=False)
    assert meta == {} and body.startswith("---\nnot closed")
    # A .md file is not MDX: its uppercase tags and imports are left alone, its HTML comments are not.
    _, body = clean_markdown("import x from 'y'\n\n<Note>hi</Note> <!-- gone -->\n", mdx=False)
    assert body == "import x from 'y'\n\n<Note>hi</Note>\n"


def test_inline_components_keep_the_text_they_show():
    _, body = clean_markdown('- <code>{" "}getAlarm()</code>: <Type text="number | null" />\n'
                             "- `put()`: <Type text='void' /> <Render file=\"x\" />\n", mdx=True)
    assert body == "- <code> getAlarm()</code>: number | null\n- `put()`: void\n"


def test_prose_that_starts_like_an_import_is_kept():
    _, body = clean_markdown("Importantly, exports work.\n\nWe\nimport data nightly.\n", mdx=True)
    assert body == "Importantly, exports work.\n\nWe\nimport data nightly.\n"


def test_long_ids_and_long_text_sections(tmp_path):
    rel = "/".join(["a-rather-long-folder-name"] * 8) + "/page.md"
    _write(tmp_path / rel, "# Big\n\n" + "\n\n".join(f"Paragraph {i} " + "text " * 60 for i in range(400)) + "\n")
    doc = _parse(tmp_path, rel)
    assert len(doc.id) <= 120 and re.match(r"^[a-z0-9][a-z0-9-]*$", doc.id)
    parts = doc.sections
    assert parts[0].slug == "overview" and parts[1].slug == "overview-part-2" and len(parts) > 10
    assert parts[1].heading == "Overview (part 2)" and parts[1].own_markdown.startswith("## Overview (part 2)\n\n")
    assert all(len(s.own_markdown) <= SECTION_CHARS + 40 for s in parts)
    assert len({s.id for s in parts}) == len(parts)
    text = "\n\n".join(s.own_markdown.split("\n\n", 1)[1] if s.level > 1 else s.own_markdown for s in parts)
    assert text.count("Paragraph ") == 400  # nothing lost, nothing doubled
    assert all(s.sources == doc.sources for s in parts)


def test_huge_headingless_file_and_huge_fence_are_cut(tmp_path):
    _write(tmp_path / "dump.md", "x" * 1_000_000)  # one 1 MB line: no blank line, no space to cut at
    doc = _parse(tmp_path, "dump.md")
    assert len(doc.sections) == 125 and all(len(s.own_markdown) <= SECTION_CHARS + 40 for s in doc.sections)
    code = "```js\n" + "\n".join(f"const v{i} = {i};" for i in range(3000)) + "\n```\n"
    _write(tmp_path / "code.md", "## Big example\n\n" + code)
    doc = _parse(tmp_path, "code.md")
    big, *parts = doc.sections
    assert parts and big.children == [p.id for p in parts]  # parts of a "##" are its first "###" children
    assert big.markdown.count("const v") == 3000  # the "##" still reads back whole
    for section in doc.sections:  # every part is a closed fence of its own
        assert section.own_markdown.count("```") == 2, section.id
        assert len(section.own_markdown) <= SECTION_CHARS + 40


def test_split_subsection_parts_stay_under_their_parent(tmp_path):
    details = "\n\n".join("detail " * 100 for _ in range(30))
    body = f"## Guide\n\nIntro.\n\n### Details\n\n{details}\n\n### End\n\nBye.\n"
    _write(tmp_path / "guide.md", body)
    doc = _parse(tmp_path, "guide.md")
    guide = doc.sections[0]
    assert [s.slug for s in doc.sections] == ["guide", "details", "details-part-2", "details-part-3", "end"]
    assert guide.children == [f"team--guide#{s.slug}" for s in doc.sections[1:]]
    assert guide.markdown.count("detail") == 3000  # the "##" reads back whole, every part once
    assert doc.sections[2].path == ["Guide", "Details (part 2)"] and doc.sections[2].level == 3


def test_repeated_headings_give_unique_section_ids(tmp_path):
    _write(tmp_path / "faq.md", "## Foo\n\na\n\n## Foo\n\nb\n\n## Foo 2\n\nc\n\n## Overview\n\nd\n")
    ids = [s.slug for s in _parse(tmp_path, "faq.md").sections]
    assert ids == ["foo", "foo-2", "foo-2-2", "overview"] and len(set(ids)) == len(ids)


def test_unreadable_or_undecodable_file_is_a_corpus_error(tmp_path):
    (tmp_path / "late.md").write_bytes(b"ok " * 5000 + b"\xff")  # bad byte after the walk's 8 KB sample
    with pytest.raises(CorpusError, match="late.md is not UTF-8"):
        _parse(tmp_path, "late.md")
    with pytest.raises(CorpusError, match="cannot read gone.md"):
        _parse(tmp_path, "gone.md")


# ----------------------------------------------------------------------------------------------------------- ids
def test_doc_ids_are_stable_unique_and_named_after_folders():
    paths = ["a/b.md", "a-b.md", "api/alarms/index.mdx", "index.md", "guides/README.md", "README.md",
             "Guides/Ünïcode Notes.MARKDOWN", "a-b-2.md", "___.md"]
    ids = doc_ids(paths, "team")
    assert ids == doc_ids(list(reversed(paths)), "team")  # order of the input does not matter
    assert ids["a-b.md"] == "team--a-b" and ids["a/b.md"] == "team--a-b-3"  # "-2" is a-b-2.md's own id
    assert ids["a-b-2.md"] == "team--a-b-2"
    assert ids["api/alarms/index.mdx"] == "team--api-alarms"
    assert ids["index.md"] == "team--index" and ids["README.md"] == "team--readme"
    assert ids["guides/README.md"] == "team--guides"
    assert ids["Guides/Ünïcode Notes.MARKDOWN"] == "team--guides-unicode-notes"
    assert ids["___.md"] == "team--doc"
    assert len(set(ids.values())) == len(paths)
    assert all(re.match(r"^[a-z0-9][a-z0-9-]*$", i) for i in ids.values())


def test_long_doc_ids_are_cut_with_a_hash():
    a, b = "x" * 200 + "/one.md", "x" * 200 + "/two.md"
    ids = doc_ids([a, b], "team")
    assert all(len(i) == 120 for i in ids.values()) and ids[a] != ids[b]
    assert re.match(r"^team--x+-[0-9a-f]{8}$", ids[a])
    assert doc_ids([a, b], "team") == ids


# ---------------------------------------------------------------------------------------------------------- walk
def test_walk_finds_markdown_sorted_and_skips_hidden_and_node_modules(tmp_path):
    for rel in ["b.md", "a/z.MDX", "a/y.markdown", "notes.txt", ".git/x.md", "node_modules/pkg/README.md",
                "docs/.hidden/h.md", ".top.md"]:
        _write(tmp_path / rel, "# t\n")
    files, skipped = walk_markdown(tmp_path)
    assert _rel(tmp_path, files) == [".top.md", "a/y.markdown", "a/z.MDX", "b.md"]
    assert skipped == []


def test_walk_skips_binary_big_and_unreadable_files(tmp_path, monkeypatch):
    _write(tmp_path / "ok.md", "fine\n")
    _write(tmp_path / "nul.md", b"PK\x03\x04\x00\x00binary")
    _write(tmp_path / "latin1.md", "caf\xe9".encode("latin-1"))
    _write(tmp_path / "cut.md", "é" * 4096 + "end")  # a 2-byte character straddles the 8 KB sample edge
    with open(tmp_path / "huge.md", "wb") as fh:
        os.truncate(fh.fileno(), 50 * 1024 * 1024)  # sparse: instant, and reading it would be slow
    _write(tmp_path / "locked.md", "secret\n")
    real_open = open

    def guarded_open(file, mode="r", *args, **kw):
        name = os.fspath(file)
        assert not name.endswith("huge.md"), "the walk must decide on size from stat, without reading"
        if name.endswith("locked.md"):
            raise PermissionError(13, "Permission denied", name)
        return real_open(file, mode, *args, **kw)

    monkeypatch.setattr("builtins.open", guarded_open)
    files, skipped = walk_markdown(tmp_path)
    assert _rel(tmp_path, files) == ["cut.md", "ok.md"]
    assert skipped == [Skipped("huge.md", "larger than 4 MB (50.0 MB)"),
                       Skipped("latin1.md", "binary file (not UTF-8 text)"),
                       Skipped("locked.md", "unreadable: Permission denied"),
                       Skipped("nul.md", "binary file")]
    assert MAX_FILE_BYTES == 4 * 1024 * 1024


def test_walk_survives_symlink_loops_and_broken_links(tmp_path):
    _write(tmp_path / "docs/page.md", "# p\n")
    (tmp_path / "docs/back").symlink_to(tmp_path / "docs")  # a folder linked to its own parent
    (tmp_path / "docs/dangling.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "docs/self").symlink_to(tmp_path / "docs/self")  # a link to itself
    _write(tmp_path / "shared/common.md", "# c\n")
    (tmp_path / "docs/shared").symlink_to(tmp_path / "shared")  # a linked folder is followed
    (tmp_path / "docs/shared-again").symlink_to(tmp_path / "shared")
    files, skipped = walk_markdown(tmp_path / "docs")
    assert _rel(tmp_path / "docs", files) == ["page.md", "shared/common.md"]
    assert skipped == [Skipped("back", "symlink loop"), Skipped("dangling.md", "broken symlink"),
                       Skipped("self", "symlink loop"), Skipped("shared-again", "same folder as shared")]


def test_walk_caps_the_number_of_files(tmp_path):
    for i in range(7):
        _write(tmp_path / f"n{i}.md", "x\n")
    files, skipped = walk_markdown(tmp_path, max_files=5)
    assert _rel(tmp_path, files) == [f"n{i}.md" for i in range(5)]
    assert skipped == [Skipped("n5.md", "2 more files left out: a source reads at most 5 files")]


def test_walk_reads_each_file_once_with_a_small_read(tmp_path, monkeypatch):
    for i in range(2000):
        _write(tmp_path / f"d{i % 20}/f{i}.md", "# note\n" + "text " * 3000)
    reads: list[int] = []
    real_open = open

    class Counting:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def read(self, n=-1):
            reads.append(n)
            return self.fh.read(n)

    stats: list[str] = []
    real_stat = os.stat

    def counting_stat(path, *args, **kw):
        stats.append(os.fspath(path))
        return real_stat(path, *args, **kw)

    monkeypatch.setattr("builtins.open", lambda *a, **kw: Counting(real_open(*a, **kw)))
    monkeypatch.setattr(os, "stat", counting_stat)
    files, skipped = walk_markdown(tmp_path)
    assert len(files) == 2000 and skipped == []
    assert reads == [loose.SNIFF_BYTES] * 2000
    assert len([p for p in stats if p.endswith(".md")]) == 2000


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "folder not found"),
    (lambda p: _write(p / "file.md", "x"), "not a folder"),
])
def test_unusable_root_is_a_source_error(tmp_path, make, message):
    with pytest.raises(SourceError, match=message) as info:
        walk_markdown(make(tmp_path))
    assert info.value.hint


# ------------------------------------------------------------------------------------------------------- ReDoS
def _finishes(fn, seconds: float) -> bool:
    """True when ``fn`` returns within ``seconds``. The limit is generous (the inputs clean in a fraction of
    it); a backtracking pattern would take hours, so the test cannot be flaky either way."""
    done = threading.Event()
    thread = threading.Thread(target=lambda: (fn(), done.set()), daemon=True)
    thread.start()
    return done.wait(seconds)


@pytest.mark.parametrize("text", [
    "<" * 4_000_000,
    "{/*" * 1_400_000,
    "<!--" * 1_000_000,
    "<A " * 1_400_000,
    '<A "' * 1_000_000,
    "<A {" * 1_000_000,
    "<Details header=\"" + "x" * 4_000_000,
    "import {\n" * 400_000,
])
def test_cleaning_is_linear_on_hostile_input(text):
    result: list[str] = []
    assert _finishes(lambda: result.append(clean_markdown(text, mdx=True)[1]), 20)
    if not text.startswith("import"):  # an ESM block runs to a blank line, as MDX reads it
        assert result[0]  # unclosed openers are text, never silently swallowed with everything after them


def test_unreadable_root_is_a_source_error_and_unreadable_subfolder_is_skipped(tmp_path, monkeypatch):
    _write(tmp_path / "ok/a.md", "a\n")
    _write(tmp_path / "locked/b.md", "b\n")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name in ("locked", "root"):
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, skipped = walk_markdown(tmp_path)
    assert _rel(tmp_path, files) == ["ok/a.md"]
    assert skipped == [Skipped("locked", "unreadable folder: Permission denied")]
    (tmp_path / "root").mkdir()
    with pytest.raises(SourceError, match="cannot read folder .*root: Permission denied"):
        walk_markdown(tmp_path / "root")


def test_esm_blocks_end_where_mdx_ends_them():
    page = ('export function Note({ children }) {\n  const x = 1;\n\n  return children;\n}\n\n'
            'import A from "a"\n# Title right after\n\nText.\n')
    _, body = clean_markdown(page, mdx=True)
    assert body == "# Title right after\n\nText.\n"


def test_chrome_variants_and_long_front_matter_summary(tmp_path):
    page = ("> ## Documentation Index\n> Fetch the index at https://example.com/llms.txt\n\n# Page\n\nBody.\n\n"
            "Last updated Nov 3, 2026 | [Copy as Markdown](x.md) | Edit\n")
    _, body = clean_markdown(page, mdx=False)
    assert body == "# Page\n\nBody.\n"
    _write(tmp_path / "p.md", f"---\ndescription: {'long ' * 200}\n---\nBody.\n")
    assert len(_parse(tmp_path, "p.md").summary) <= 300


def test_section_ids_stay_short_enough_to_read_back(tmp_path):
    from server.search.engine import ID_RE, MAX_ID_CHARS

    rel = "deep/" * 30 + "page.md"
    long_heading = "A heading that goes on " * 8
    _write(tmp_path / rel, f"## {long_heading}one\n\nx\n\n## {long_heading}two\n\ny\n\n### Short\n\nz\n")
    doc = _parse(tmp_path, rel)
    assert loose.SECTION_ID_CHARS == MAX_ID_CHARS
    ids = [s.id for s in doc.sections]
    assert len(set(ids)) == 3 and all(len(i) <= MAX_ID_CHARS and ID_RE.match(i) for i in ids)
    assert doc.sections[1].children == [ids[2]] and ids[2].endswith("#short")



def test_a_crawled_page_footer_and_review_line_are_chrome_but_a_lone_prompt_is_text():
    from server.sources.mdx import clean_markdown

    page = ("# Wombats\n\n**Last reviewed:**  over 2 years ago\n\n## Burrows\n\nBurrow text.\n\n"
            "```js\n// Was this helpful?\n```\n\nWas this helpful?\n\nYesNo\n\n## On this page\n\n"
            "[![](https://x.test/logo.svg)Docs](https://x.test/)\n\n```json\n{\"@context\": \"https://schema.org\"}\n```\n")
    _, body = clean_markdown(page, mdx=False)
    assert body == "# Wombats\n\n## Burrows\n\nBurrow text.\n\n```js\n// Was this helpful?\n```\n"
    _, kept = clean_markdown("# Survey\n\nWas this helpful?\n\nTell us in the form below.\n", mdx=False)
    assert "Was this helpful?" in kept and "Tell us" in kept
