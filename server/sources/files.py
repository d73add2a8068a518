"""A user's folder, or the synced docs, as the search index sees a corpus: ``CorpusFiles`` and ``Corpus`` over loose
Markdown and MDX (server/sources/loose.py reads the files), so each source gets the same index generations, stale
checks and atomic rebuilds as the bundled reference (server/search/store.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from server.errors import CorpusError, SourceError
from server.search.corpus import Corpus, CorpusFiles, Document
from server.sources.loose import doc_ids, parse_loose, walk_markdown

log = logging.getLogger("do_expert.sources")


class SourceFiles(CorpusFiles):
    """The Markdown files under ``root``; ``pages`` (synced docs) gives each file's URL and fetch date."""

    verified = False
    min_docs = 400  # about the bundled reference's section count: a small folder's words weigh as they would there

    def __init__(self, root: Path, source: str, pages: dict | None = None) -> None:
        # Not CorpusFiles.__init__: a user's folder is walked recursively, and files that cannot be text are skipped.
        self.root = root
        self.source = source
        if not root.is_dir():
            raise SourceError(f"the folder of source {source!r} is gone: {root}",
                              hint=f"restore it, or 'do-expert sources remove {source}'")
        self.files, self.skipped = walk_markdown(root)
        self.ask_files: list[Path] = []
        self.ids = doc_ids([self.relative(p) for p in self.files], source)
        self.pages = pages or {}

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
        if not self.files:
            raise SourceError(f"source {source!r} has no Markdown files in {root}",
                              hint="add .md or .mdx files (binary, unreadable and oversized files are skipped)")
        self._parse_all()
