"""A user's folder, or the synced docs, as the search index sees a corpus: ``CorpusFiles`` and ``Corpus`` over loose
Markdown and MDX (server/sources/loose.py reads the files), so each source gets the same index generations, stale
checks and atomic rebuilds as the bundled reference (server/search/store.py)."""

from __future__ import annotations

import logging
import os
from functools import cached_property
from pathlib import Path

from server.errors import CorpusError, SourceError
from server.search.corpus import Corpus, CorpusFiles, Document
from server.sources.loose import doc_ids, parse_loose, sniff_files, walk_markdown

log = logging.getLogger("do_expert.sources")


class SourceFiles(CorpusFiles):
    """The Markdown files under ``root``; ``pages`` (synced docs) gives each file's URL and fetch date."""

    verified = False
    min_docs = 400  # about the bundled reference's section count: a small folder's words weigh as they would there

    def __init__(self, root: Path, source: str, pages: dict | None = None) -> None:
        # Not CorpusFiles.__init__: a user's folder is walked recursively, and files that cannot be text are skipped.
        self.root = root
        self._root_text = str(root)
        self.source = source
        if not root.is_dir():
            raise SourceError(f"the folder of source {source!r} is gone: {root}",
                              hint=f"restore it, or 'do-expert sources remove {source}'")
        # A stat per file, no read: this listing names the index (stamp, fingerprint) at every server start, so it
        # must not depend on reading the files; SourceCorpus leaves out the binary ones when it parses.
        self.files, self.skipped = walk_markdown(root, sniff=False)
        self.ask_files: list[Path] = []
        self.pages = pages or {}

    @cached_property
    def ids(self) -> dict[str, str]:
        """Doc id by relative path, from the whole listing (collisions are numbered in path order); only parsing
        needs them, so a server start that finds the index built never computes them."""
        return doc_ids([self.relative(p) for p in self.files], self.source)

    def relative(self, path: Path) -> str:
        # String arithmetic, not Path.relative_to: a server start names every file of a large folder, and pathlib's
        # parsing was a third of it. The walk builds every path as root / relative posix path.
        text, root = str(path), self._root_text
        return text[len(root) + 1:] if text.startswith(root + os.sep) else Path(path).relative_to(self.root).as_posix()

    def parse(self, path: Path) -> Document | None:
        """The file as a Document, or None (logged) when it vanished or became unreadable since the listing."""
        rel = self.relative(path)
        page = self.pages.get(rel)
        doc_id = self.ids.get(rel) or doc_ids([rel], self.source)[rel]
        try:
            doc = parse_loose(path, self.root, self.source, doc_id, url=page.html_url if page else None)
        except CorpusError as exc:
            log.warning("source %s: skipping %s: %s", self.source, rel, exc.message)
            return None
        doc.fetched = page.fetched_at if page else None
        return doc

    def load(self) -> "SourceCorpus":
        return SourceCorpus(self.root, self.source, self.pages)


class SourceCorpus(SourceFiles, Corpus):
    def __init__(self, root: Path, source: str, pages: dict | None = None) -> None:
        SourceFiles.__init__(self, root, source, pages)
        _ = self.stamp, self.hashes, self.ids  # of every listed file, as a server that lists without reading does
        self.files, binary = sniff_files(root, self.files)
        self.skipped = sorted([*self.skipped, *binary], key=lambda s: s.path)
        if not self.files:
            raise SourceError(f"source {source!r} has no Markdown files in {root}",
                              hint="add .md or .mdx files (binary, unreadable and oversized files are skipped)")
        self._parse_all()
