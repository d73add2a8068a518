"""The reference corpus: Markdown files with YAML front matter, split into sections at headings.

A section is what an agent reads next, so it is small: one per ``##`` and ``###`` heading, plus an ``overview``
section for the text between the title and the first ``##``. Section ids are ``<doc-id>#<slug>`` and stay stable as
long as the heading text does. A ``##`` section that has ``###`` children keeps its own intro as its searchable
text (``own_markdown``) but reads back whole (``markdown``), children included.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date
from pathlib import Path

import yaml

from server.errors import CorpusError
from server.search.asks import ask_files, attach_asks

DOC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
# A fence opens with ``` or ~~~ and closes with the same run; headings inside fences are code, not structure.
FENCE_RE = re.compile(r"^(\s{0,3})(`{3,}|~{3,})(.*)$")
HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE_RE = re.compile(r"`([^`\n]+)`")
LINK_RE = re.compile(r"!?\[([^\[\]\n]{0,500})\]\([^()\n]{0,2000}\)")  # bounded, no nested "[": linear
REQUIRED_FRONT_MATTER = ("id", "title", "summary", "keywords", "sources", "last_verified")
# A sources marker: the first non-blank line after a heading, naming front-matter source keys.
SOURCES_MARKER_RE = re.compile(r"^\s*<!--\s*sources:([^>]*)-->\s*$")  # no nested quantifiers: linear
SOURCE_KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")


def slugify(heading: str) -> str:
    """Heading text to a URL fragment: inline markdown dropped, lowercased, punctuation removed, spaces to '-'."""
    text = LINK_RE.sub(r"\1", heading)
    text = text.replace("`", "").replace("*", "")
    text = text.lower()
    text = re.sub(r"[^\w\s-]", "", text, flags=re.ASCII)
    text = re.sub(r"\s+", "-", text.strip())
    text = re.sub(r"-{2,}", "-", text).strip("-")
    return text or "section"


def plain_heading(heading: str) -> str:
    return LINK_RE.sub(r"\1", heading).replace("*", "").replace("`", "").strip()


@dataclass
class Section:
    id: str  # "<doc-id>#<slug>"
    doc_id: str
    slug: str
    heading: str  # this section's own heading, markdown stripped of links
    path: list[str]  # heading path inside the doc, e.g. ["Transactions", "transactionSync()"]
    level: int  # 1 = overview, 2 = ##, 3 = ###
    own_markdown: str  # heading + text up to the next heading of any level: what gets indexed
    markdown: str = ""  # heading + text including deeper subsections: what read_docs returns
    code: list[str] = field(default_factory=list)  # fenced code blocks and inline code spans in own_markdown
    children: list[str] = field(default_factory=list)
    marker_keys: list[str] | None = None  # keys named by this section's own sources marker; None = no marker
    own_sources: list[str] = field(default_factory=list)  # URLs for own_markdown (own marker, else inherited)
    sources: list[str] = field(default_factory=list)  # URLs for markdown: own_sources plus the children's
    unknown_source_keys: list[str] = field(default_factory=list)  # marker keys the front matter does not define
    asks: list[str] = field(default_factory=list)  # questions this section answers (server/search/asks.py)

    @property
    def path_text(self) -> str:
        return " > ".join(self.path)

    @property
    def uri(self) -> str:
        return f"do-docs://{self.doc_id}/{self.slug}"  # the resource template's form, so it reads back


@dataclass
class Document:
    id: str
    title: str
    summary: str
    keywords: list[str]
    sources: list[str]  # every source URL, in front-matter order
    last_verified: str
    aliases: list[str]
    path: Path
    markdown: str  # the whole file without front matter (and without sources markers)
    sections: list[Section]
    source_keys: dict[str, str] = field(default_factory=dict)  # source key -> URL, for sources that have a key
    fetched: str | None = None  # synced docs: when the page was downloaded (ISO 8601)

    @property
    def uri(self) -> str:
        return f"do-docs://{self.id}"


def split_front_matter(text: str, path: Path) -> tuple[dict, str]:
    if not text.startswith("---"):
        raise CorpusError(f"{path.name}: no YAML front matter", hint="start the file with a '---' block")
    end = re.search(r"^---\s*$", text[3:], flags=re.MULTILINE)
    if end is None:
        raise CorpusError(f"{path.name}: front matter is not closed", hint="end the front matter with '---'")
    raw = text[3 : 3 + end.start()]
    try:
        meta = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path.name}: front matter is not valid YAML: {exc}", hint="fix the YAML") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{path.name}: front matter must be a mapping", hint="use key: value lines")
    return meta, text[3 + end.end() :].lstrip("\n")


def _source_urls(meta: dict, path: Path) -> tuple[list[str], dict[str, str]]:
    """All source URLs in order, and the key -> URL map of the sources that carry a ``key``."""
    urls: list[str] = []
    keys: dict[str, str] = {}
    for item in meta.get("sources") or []:
        url = item.get("url") if isinstance(item, dict) else item
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise CorpusError(f"{path.name}: every source needs a URL, got {item!r}", hint="use '- url: https://...'")
        urls.append(url)
        key = item.get("key") if isinstance(item, dict) else None
        if key is None:
            continue
        if not isinstance(key, str) or not SOURCE_KEY_RE.match(key):
            raise CorpusError(f"{path.name}: source key {key!r} must be short lowercase-with-dashes",
                              hint="e.g. 'key: alarms-api'")
        if key in keys:
            raise CorpusError(f"{path.name}: source key {key!r} is used twice", hint="give each source its own key")
        keys[key] = url
    return urls, keys


def classify_lines(markdown: str):
    """Yield (line, kind) with kind one of "open", "close", "code" or "text", tracking fenced code blocks."""
    fence = None
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None:
            m = FENCE_RE.match(line)
            if m:
                fence = m.group(2)
                yield line, "open"
            else:
                yield line, "text"
        elif stripped.startswith(fence) and not stripped.strip(fence[0]):
            fence = None
            yield line, "close"
        else:
            yield line, "code"


def _code_of(markdown: str) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    for line, kind in classify_lines(markdown):
        if kind == "open":
            current = []
        elif kind == "code":
            current.append(line)
        elif kind == "close":
            blocks.append("\n".join(current))
        else:
            blocks.extend(INLINE_CODE_RE.findall(line))
    return blocks


def parse_document(path: Path) -> Document:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{path.name}: cannot read: {exc}", hint="reference files must be UTF-8 text") from exc
    meta, body = split_front_matter(text, path)
    missing = [k for k in REQUIRED_FRONT_MATTER if not meta.get(k)]
    if missing:
        raise CorpusError(f"{path.name}: front matter lacks {', '.join(missing)}", hint="see references/README.md")
    doc_id = str(meta["id"])
    if not DOC_ID_RE.match(doc_id) or doc_id != path.stem:
        raise CorpusError(f"{path.name}: id {doc_id!r} must be lowercase-with-dashes and equal the file name")
    verified = meta["last_verified"]
    urls, keys = _source_urls(meta, path)
    doc = Document(
        id=doc_id,
        title=str(meta["title"]).strip(),
        summary=" ".join(str(meta["summary"]).split()),
        keywords=[str(k) for k in meta.get("keywords") or []],
        sources=urls,
        last_verified=verified.isoformat() if isinstance(verified, date) else str(verified),
        aliases=[str(a) for a in meta.get("aliases") or []],
        path=path,
        markdown=body,
        sections=[],
        source_keys=keys,
    )
    doc.sections = _split_sections(doc)
    _assign_sources(doc)
    return doc


def _split_sections(doc: Document) -> list[Section]:
    """Cut the body at ## and ### headings (fenced code excluded) into Sections with unique slugs. A sources marker
    right after a heading (or after the title, for the overview) is taken off the text and kept as keys."""
    # (level, heading, lines, marker keys or None)
    chunks: list[tuple[int, str, list[str], list[str] | None]] = [(1, "Overview", [], None)]
    kept: list[str] = []  # the body without the markers that were consumed
    after_heading = True  # no text line yet since the last heading (or the title): a marker may come here
    for line, kind in classify_lines(doc.markdown):
        if kind == "text":
            h = HEADING_RE.match(line)
            marker = SOURCES_MARKER_RE.match(line)
            if marker and after_heading:
                level, heading, lines, _ = chunks[-1]
                chunks[-1] = (level, heading, lines, marker.group(1).split())
                after_heading = False
                continue
            if h and len(h.group(1)) == 1:
                kept.append(line)
                after_heading = True
                continue  # the document title; it is the doc's, not a section's
            if h and len(h.group(1)) in (2, 3):
                chunks.append((len(h.group(1)), h.group(2), [line], None))
                kept.append(line)
                after_heading = True
                continue
            if line.strip():
                after_heading = False
        else:
            after_heading = False
        chunks[-1][2].append(line)
        kept.append(line)
    doc.markdown = "\n".join(kept)

    sections: list[Section] = []
    seen: dict[str, int] = {}  # slug -> how many sections asked for it
    used: set[str] = set()  # slugs given out, numbered ones included
    parent: Section | None = None
    for level, heading, lines, marker_keys in chunks:
        own = "\n".join(lines).strip()
        if level == 1 and not own:
            continue
        slug = "overview" if level == 1 else slugify(heading)
        if slug in seen:
            base = slug
            while slug in used:  # "## Foo", "## Foo", "## Foo 2": the third must not reuse "foo-2"
                seen[base] += 1
                slug = f"{base}-{seen[base]}"
        seen.setdefault(slug, 1)
        used.add(slug)
        title = plain_heading(heading)
        path = [title] if level < 3 or parent is None else [parent.heading, title]
        section = Section(
            id=f"{doc.id}#{slug}",
            doc_id=doc.id,
            slug=slug,
            heading=title,
            path=path,
            level=level,
            own_markdown=own,
            markdown=own,
            code=_code_of(own),
            marker_keys=marker_keys,
        )
        if level == 3 and parent is not None:
            parent.children.append(section.id)
            parent.markdown += "\n\n" + own
        elif level < 3:
            parent = section if level == 2 else None
        sections.append(section)
    return sections


def _assign_sources(doc: Document) -> None:
    """Resolve each section's marker keys to URLs: own marker first, else the parent ``##``'s, else the whole doc's.
    A ``##`` that reads back with its ``###`` children cites theirs too. Unknown keys are kept on the section for the
    corpus-integrity test to report; they never make a reference unreadable."""
    parent_sources = doc.sources
    by_id = {s.id: s for s in doc.sections}
    for section in doc.sections:
        if section.marker_keys is None:
            inherited = parent_sources if section.level == 3 else doc.sources
            section.own_sources = list(inherited)
        else:
            section.unknown_source_keys = [k for k in section.marker_keys if k not in doc.source_keys]
            known = [doc.source_keys[k] for k in section.marker_keys if k in doc.source_keys]
            inherited = parent_sources if section.level == 3 else doc.sources
            section.own_sources = list(dict.fromkeys(known)) or list(inherited)
        if section.level == 2:
            parent_sources = section.own_sources
        elif section.level == 1:
            parent_sources = doc.sources
    for section in doc.sections:
        urls = list(section.own_sources)
        for child_id in section.children:
            urls.extend(by_id[child_id].own_sources)
        section.sources = list(dict.fromkeys(urls))


def reference_files(root: Path) -> list[Path]:
    """The corpus files in ``root``: every Markdown file except its README (the writers' guide)."""
    return sorted(p for p in root.glob("*.md") if p.name.lower() != "readme.md")


class CorpusFiles:
    """The reference files and their content hashes, without parsing them: enough to find the index generation
    that was built from them (reading and hashing is ~50x cheaper than parsing)."""

    verified = True  # only the bundled corpus is checked against the runtime
    min_docs = 0  # the IDF's floor on the section count (server/search/scoring.py); a user's small folder sets one
    source = "bundled"  # the name search results carry (server/sources: a user's folder, the synced docs)

    def __init__(self, root: Path) -> None:
        self.root = root
        if not root.is_dir():
            raise CorpusError(f"reference folder not found: {root}", hint="set DO_EXPERT_REFERENCES to the folder")
        self.files = reference_files(root)
        self.ask_files = ask_files(root)

    def parse(self, path: Path) -> Document:
        """One file as a Document (a subclass reads other kinds of Markdown)."""
        return parse_document(path)

    def load(self) -> "Corpus":
        """All the files, parsed."""
        return Corpus(self.root)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @cached_property
    def stamp(self) -> str:
        """A digest of the files' names, sizes and modification times: cheap, and it changes whenever a file is
        edited, so a server can find the generation built from these files without reading them."""
        digest = hashlib.sha256()
        for p in [*self.files, *self.ask_files]:
            st = os.stat(p)
            digest.update(f"{self.relative(p)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:32]

    @cached_property
    def hashes(self) -> dict[str, str]:
        """sha256 of every reference file by name, read once per corpus."""
        return {self.relative(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in [*self.files, *self.ask_files]}

    @cached_property
    def fingerprint(self) -> str:
        """Content hash of the whole corpus: the index is stale when this changes."""
        digest = hashlib.sha256()
        for name, sha in self.hashes.items():
            digest.update(f"{name}\0{sha}\n".encode())
        return digest.hexdigest()


class Corpus(CorpusFiles):
    """All reference documents, parsed into memory."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        # The stamp is taken before any file is read: a file edited while it is parsed then has a newer mtime than
        # the stamp records, so the index built from this parse is never taken for the edited files.
        self._parse_all()

    def _parse_all(self) -> None:
        from server.progress import report

        _ = self.stamp
        self.docs: dict[str, Document] = {}
        self.sections: dict[str, Section] = {}
        self.aliases: dict[str, str] = {}
        for done, path in enumerate(self.files, 1):
            doc = self.parse(path)
            if doc is None:  # a user's file that could not be read: left out (server/sources/files.py)
                continue
            self.docs[doc.id] = doc
            for alias in doc.aliases:
                self.aliases[alias] = doc.id
            for section in doc.sections:
                self.sections[section.id] = section
            if done % 50 == 0 or done == len(self.files):
                report(done, len(self.files), f"reading {self.source}")
        if not self.docs:
            raise CorpusError(f"no reference documents in {self.root}", hint="add references/<doc-id>.md files")
        self.unknown_asks = attach_asks(self.root, self.sections) if self.ask_files else []

    def resolve(self, ident: str) -> Document | Section | None:
        """A doc id, an alias, or a section id (``doc#slug``, where ``doc`` may be an alias)."""
        doc_part, _, slug = ident.partition("#")
        doc_id = self.aliases.get(doc_part, doc_part)
        if not slug:
            return self.docs.get(doc_id)
        return self.sections.get(f"{doc_id}#{slug}")

