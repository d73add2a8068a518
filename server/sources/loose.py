"""A user's folder of Markdown or MDX files, read as do-expert documents.

User files have no front matter, or someone else's, and some are not text at all. A bad file never makes the
folder unusable: ``walk_markdown`` returns it as a ``Skipped`` with a short reason, and ``parse_loose`` only fails
(``CorpusError``) for a file that cannot be read or decoded, which the caller skips the same way.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from server.errors import CorpusError, SourceError
from server.search.corpus import (HEADING_RE, LINK_RE, Document, Section, _assign_sources, _code_of,
                                  _split_sections, classify_lines, plain_heading)
from server.sources.mdx import clean_markdown, split_markdown

__all__ = ["MARKDOWN_SUFFIXES", "MAX_FILE_BYTES", "MAX_FILES", "SECTION_CHARS", "Skipped", "walk_markdown",
           "doc_ids", "clean_markdown", "parse_loose"]

MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_FILES = 20_000
SECTION_CHARS = 8000
SNIFF_BYTES = 8192  # how much of each file the walk reads to tell text from binary
MAX_ID_CHARS = 120
SECTION_ID_CHARS = 200  # = server.search.engine.MAX_ID_CHARS: read_docs refuses a longer id
SUMMARY_CHARS = 300
SKIPPED_FOLDERS = {"node_modules"}  # plus every hidden folder (.git, .github, ...)
INDEX_STEMS = {"index", "readme"}  # a folder's own page: named after the folder


@dataclass(frozen=True)
class Skipped:
    path: str  # relative posix path under the root
    reason: str  # short human reason: "binary file", "larger than 4 MB (50.0 MB)", "symlink loop", ...


# ------------------------------------------------------------------------------------------------------------ walk
def _size(n: int, *, exact: bool = False) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:.0f} {unit}" if exact and value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "broken symlink"
    return f"unreadable: {exc.strerror or type(exc).__name__}"


def _open_root(root: Path) -> os.stat_result:
    hint = "point the source at an existing folder of .md or .mdx files"
    try:
        st = root.stat()
    except FileNotFoundError:
        raise SourceError(f"folder not found: {root}", hint=hint) from None
    except OSError as exc:
        raise SourceError(f"cannot open folder {root}: {_os_reason(exc)}", hint=hint) from None
    if not stat.S_ISDIR(st.st_mode):
        raise SourceError(f"not a folder: {root}", hint=hint)
    return st


def _candidates(root: Path, root_st: os.stat_result) -> tuple[list[tuple[str, str]], list[Skipped]]:
    """Every (relative posix path, real path) with a Markdown suffix, walking symlinked folders once each: a folder
    reached again through one of its own ancestors is a loop, one reached again by another route is a duplicate."""
    found: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    root_key = (root_st.st_dev, root_st.st_ino)
    visited: dict[tuple[int, int], str] = {root_key: "."}
    stack: list[tuple[str, str, frozenset]] = [(str(root), "", frozenset([root_key]))]
    while stack:
        folder, rel_folder, ancestors = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            if not rel_folder:
                raise SourceError(f"cannot read folder {root}: {reason}",
                                  hint="check the folder's owner and permissions") from None
            skipped.append(Skipped(rel_folder, f"unreadable folder: {reason}"))
            continue
        for entry in entries:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            try:
                is_dir = entry.is_dir()  # follows symlinks; a broken or looping link is neither dir nor file
                is_link = entry.is_symlink()
            except OSError as exc:
                skipped.append(Skipped(rel, _os_reason(exc)))
                continue
            if is_link and not is_dir and not entry.is_file():
                try:
                    os.stat(entry.path)
                except OSError as exc:
                    skipped.append(Skipped(rel, _os_reason(exc)))
                continue  # a link to something else (a socket, a device): not a document
            if is_dir:
                if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
                    continue
                try:
                    st = entry.stat()
                except OSError as exc:
                    skipped.append(Skipped(rel, _os_reason(exc)))
                    continue
                key = (st.st_dev, st.st_ino)
                if key in ancestors:
                    skipped.append(Skipped(rel, "symlink loop"))
                elif key in visited:
                    skipped.append(Skipped(rel, f"same folder as {visited[key]}"))
                else:
                    visited[key] = rel
                    stack.append((entry.path, rel, ancestors | {key}))
            elif entry.name.lower().endswith(MARKDOWN_SUFFIXES):
                found.append((rel, entry.path))
    return found, skipped


def _check_file(rel: str, real: str, max_file_bytes: int, sniff: bool = True) -> Skipped | None:
    """One stat and one small read: None when the file looks like readable UTF-8 text under the size cap.
    ``sniff=False``: the stat only (see ``walk_markdown``)."""
    try:
        st = os.stat(real)
    except OSError as exc:
        return Skipped(rel, _os_reason(exc))
    if not stat.S_ISREG(st.st_mode):
        return Skipped(rel, "not a regular file")  # a FIFO would block the read forever
    if st.st_size > max_file_bytes:
        return Skipped(rel, f"larger than {_size(max_file_bytes, exact=True)} ({_size(st.st_size)})")
    if not sniff:
        return None
    try:
        with open(real, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        return Skipped(rel, _os_reason(exc))
    if b"\0" in head:
        return Skipped(rel, "binary file")
    try:  # incremental: a character cut in two at the end of the sample is not an error
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < SNIFF_BYTES)
    except UnicodeDecodeError:
        return Skipped(rel, "binary file (not UTF-8 text)")
    return None


def walk_markdown(root: Path, *, max_file_bytes: int = MAX_FILE_BYTES, max_files: int = MAX_FILES,
                  sniff: bool = True) -> tuple[list[Path], list[Skipped]]:
    """The readable Markdown files under ``root`` (sorted by relative posix path, as paths under ``root``), and
    the ones left out with a reason. Only a missing or unreadable root is an error (``SourceError``).

    ``sniff=False`` skips the read of each file's first bytes (binary or not UTF-8): what a server needs at start to
    recognise the files an index was built from (names, sizes, times), at a stat per file; ``sniff_files`` does the
    rest when the files are parsed."""
    root = Path(root)
    found, skipped = _candidates(root, _open_root(root))
    found.sort()
    files: list[Path] = []
    for i, (rel, real) in enumerate(found):
        if len(files) >= max_files:
            left = len(found) - i
            skipped.append(Skipped(rel, f"{left} more file{'s' if left > 1 else ''} left out: "
                                        f"a source reads at most {max_files} files"))
            break
        problem = _check_file(rel, real, max_file_bytes, sniff)
        if problem is None:
            files.append(root / rel)
        else:
            skipped.append(problem)
    skipped.sort(key=lambda s: s.path)
    return files, skipped


def sniff_files(root: Path, files: list[Path]) -> tuple[list[Path], list[Skipped]]:
    """The files of a ``sniff=False`` walk that are text, and the rest as ``Skipped``."""
    kept: list[Path] = []
    skipped: list[Skipped] = []
    for path in files:
        problem = _check_file(path.relative_to(root).as_posix(), str(path), float("inf"))
        if problem is None:
            kept.append(path)
        else:
            skipped.append(problem)
    return kept, skipped


# ------------------------------------------------------------------------------------------------------------- ids
def _path_slug(rel: str) -> str:
    parts = list(PurePosixPath(rel).parts)
    name = parts[-1]
    if name.lower().endswith(MARKDOWN_SUFFIXES):
        name = name[: name.rfind(".")]
    parts[-1] = name
    if name.lower() in INDEX_STEMS and len(parts) > 1:
        parts = parts[:-1]  # api/alarms/index.mdx is the page of api/alarms
    text = unicodedata.normalize("NFKD", "-".join(parts)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "doc"


def _fit(doc_id: str, rel: str) -> str:
    if len(doc_id) <= MAX_ID_CHARS:
        return doc_id
    digest = hashlib.sha256(rel.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{doc_id[: MAX_ID_CHARS - 9].rstrip('-')}-{digest}"


def doc_ids(relative_paths: list[str], source: str) -> dict[str, str]:
    """Stable document ids ``<source>--<slug>`` for relative posix paths. Each path's natural id is reserved
    first, so a collision (``a/b.md`` and ``a-b.md``) gives ``-2``, ``-3`` in sorted path order without ever
    taking another path's natural id."""
    paths = sorted(set(relative_paths))
    natural = {rel: _fit(f"{source}--{_path_slug(rel)}", rel) for rel in paths}
    reserved = set(natural.values())
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for rel in paths:
        doc_id = natural[rel]
        n = 1
        while doc_id in taken or (n > 1 and doc_id in reserved):
            n += 1
            doc_id = _fit(f"{natural[rel]}-{n}", rel)
        taken.add(doc_id)
        ids[rel] = doc_id
    return ids


# ------------------------------------------------------------------------------------------------------- documents
def _readable_stem(path: Path) -> str:
    stem = path.name[: path.name.rfind(".")] if "." in path.name else path.name
    if stem.lower() in INDEX_STEMS and path.parent.name:
        stem = path.parent.name
    words = re.sub(r"[-_\s]+", " ", stem).strip() or stem
    return words[:1].upper() + words[1:]


def _first_title(body: str) -> str | None:
    for line, kind in classify_lines(body):
        m = HEADING_RE.match(line) if kind == "text" else None
        if m and len(m.group(1)) == 1 and m.group(2).strip():
            return plain_heading(m.group(2))
    return None


def _first_paragraph(body: str) -> str:
    """The first run of prose lines: not a heading, table, quote, list of links, HTML or code."""
    lines: list[str] = []
    for line, kind in classify_lines(body):
        stripped = line.strip()
        prose = (kind == "text" and stripped and not HEADING_RE.match(line)
                 and not stripped.startswith(("<", "|", "![", "---", "***", "===")))
        if prose:
            lines.append(stripped)
        elif lines:
            break
    return _clip(LINK_RE.sub(r"\1", " ".join(lines)))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[: SUMMARY_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _meta_text(meta: dict, *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return " ".join(str(value).split())
    return None


def _meta_words(meta: dict) -> list[str]:
    for key in ("keywords", "tags"):
        value = meta.get(key)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return [v.strip() for v in value if v.strip()]
    return []


def parse_loose(path: Path, root: Path, source: str, doc_id: str, *, url: str | None = None) -> Document:
    """One user file as a Document: front matter where it has any, else its first heading and paragraph."""
    path, root = Path(path), Path(root)
    try:
        shown = path.relative_to(root).as_posix()
    except ValueError:
        shown = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise CorpusError(f"{source}: cannot read {shown}: {exc.strerror or type(exc).__name__}",
                          hint="check the file's permissions", path=shown) from None
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{source}: {shown} is not UTF-8 text (bad byte at offset {exc.start})",
                          hint="save the file as UTF-8", path=shown) from None
    meta, body = clean_markdown(text, mdx=path.suffix.lower() == ".mdx")
    sources = [url] if url else [path.absolute().as_uri()]
    doc = Document(
        id=doc_id,
        title=_meta_text(meta, "title") or _first_title(body) or _readable_stem(path),
        summary=_clip(_meta_text(meta, "description", "summary") or _first_paragraph(body)),
        keywords=_meta_words(meta),
        sources=sources,
        last_verified="",
        aliases=[],
        path=path,
        markdown=body,
        sections=[],
    )
    doc.sections = _fit_section_ids(_split_long_sections(_split_sections(doc)))
    _assign_sources(doc)
    return doc


# -------------------------------------------------------------------------------------------------- long sections
def _split_long_sections(sections: list[Section]) -> list[Section]:
    """Cut a section whose own text is longer than SECTION_CHARS into continuation sections (``<slug>-part-2``,
    "<heading> (part 2)", ...), so even a 1 MB file without headings reads in agent-sized parts. Parts of an
    overview follow it as ``##`` sections; parts of a ``##`` become its first ``###`` children (it still reads back
    whole, as a ``##`` does); parts of a ``###`` follow it under the same parent."""
    used = {s.slug for s in sections}
    by_id = {s.id: s for s in sections}
    out: list[Section] = []
    for section in sections:
        out.append(section)
        if len(section.own_markdown) <= SECTION_CHARS:
            continue
        heading_line, _, text = section.own_markdown.partition("\n") if section.level > 1 else ("", "", "")
        parts = split_markdown(text if section.level > 1 else section.own_markdown, SECTION_CHARS)
        if len(parts) < 2:
            continue
        section.own_markdown = f"{heading_line}\n\n{parts[0]}" if heading_line else parts[0]
        section.code = _code_of(section.own_markdown)
        if section.level != 2:
            section.markdown = section.own_markdown
        level = 2 if section.level == 1 else 3
        parent = section if section.level == 2 else next(
            (by_id[p] for p in by_id if section.id in by_id[p].children), None)
        continuations: list[str] = []
        for k, part in enumerate(parts[1:], start=2):
            slug, n = f"{section.slug}-part-{k}", 1
            while slug in used:
                n += 1
                slug = f"{section.slug}-part-{k}-{n}"
            used.add(slug)
            heading = f"{section.heading} (part {k})"
            own = f"{'#' * level} {heading}\n\n{part}"
            path = [section.heading, heading] if section.level == 2 else [*section.path[:-1], heading]
            piece = Section(id=f"{section.doc_id}#{slug}", doc_id=section.doc_id, slug=slug, heading=heading,
                            path=path, level=level, own_markdown=own, markdown=own, code=_code_of(own))
            by_id[piece.id] = piece
            continuations.append(piece.id)
            out.append(piece)
        if parent is section:
            section.children[:0] = continuations
        elif parent is not None:
            at = parent.children.index(section.id) + 1
            parent.children[at:at] = continuations
    return out


def _fit_section_ids(sections: list[Section]) -> list[Section]:
    """Shorten the slug of a section whose id would be too long to read back (a 150-character heading under a
    120-character doc id): cut, plus a hash of the full slug so two long headings stay apart."""
    renamed: dict[str, str] = {}
    for section in sections:
        if len(section.id) <= SECTION_ID_CHARS:
            continue
        room = SECTION_ID_CHARS - len(section.doc_id) - 1 - 9
        digest = hashlib.sha256(section.slug.encode()).hexdigest()[:8]
        section.slug = f"{section.slug[:max(room, 1)].rstrip('-_')}-{digest}".lstrip("-")
        old_id, section.id = section.id, f"{section.doc_id}#{section.slug}"
        renamed[old_id] = section.id
    if renamed:
        for section in sections:
            section.children = [renamed.get(c, c) for c in section.children]
    return sections
