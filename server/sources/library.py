"""Every source do-expert searches: the bundled reference first, then the user's folders and the synced docs.

Each source has its own index (server/sources/files.py), opened on first use and rebuilt when its files change. A
search asks each selected source and merges the hit lists by ``relevance`` (0..1, comparable across queries and
sources), keeping each source's own order; on equal relevance the bundled reference comes first. Section and doc ids
of a source start with ``<source>--``, which routes read_docs and resource reads to it. The config and the synced
copy are re-checked at most every ``RECHECK_SECONDS``, so a source added while a server runs is searched without a
restart. A source that cannot be opened (its folder is gone, its config is broken) is reported by list_sources and
in the search note, and never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from server.errors import DoExpertError, InvalidInputError, clip
from server.models import DocList, ReadResult, SearchResult, SourceInfo, SourceList
from server.search.engine import SearchEngine, attach_text, fit_sections, read_arguments
from server.sources import config as cfg

log = logging.getLogger("do_expert.sources")

RECHECK_SECONDS = 2.0
SOURCE_RECHECK_SECONDS = 30.0  # a user's folder may hold thousands of files: look for edits less often
RETRY_SECONDS = 30.0  # a source that failed to open is tried again after this long
SEPARATOR = "--"  # "<source>--<path>": a source's doc ids


@dataclass
class Source:
    name: str
    kind: str  # local | synced
    folder: Path
    location: str
    pages: dict = field(default_factory=dict)
    fetched_at: str | None = None
    engine: SearchEngine | None = None
    problem: str | None = None
    tried_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def synced(cls, copy) -> "Source":
        """The synced docs' source, over their current copy (server/sources/pagestore.SyncedCopy)."""
        return cls(cfg.SYNCED, "synced", copy.folder, copy.index_url, pages=copy.pages, fetched_at=copy.synced_at)

    def open(self) -> SearchEngine | None:
        """The source's engine, opened (and if needed indexed) on first use; None while it cannot be opened."""
        if self.engine is not None:
            return self.engine
        with self.lock:
            if self.engine is None and (self.problem is None or time.monotonic() - self.tried_at > RETRY_SECONDS):
                self.tried_at = time.monotonic()
                try:
                    from server.sources.files import SourceFiles

                    self.engine = SearchEngine(
                        references=self.folder, index_dir=cfg.source_index_dir(self.name),
                        files=lambda: SourceFiles(self.folder, self.name, self.pages),
                        recheck_seconds=SOURCE_RECHECK_SECONDS)
                    self.problem = None
                except DoExpertError as exc:
                    self.problem = exc.message
                    log.warning("source %s cannot be searched: %s", self.name, exc.message)
        return self.engine


class Library:
    def __init__(self, bundled: SearchEngine | None = None) -> None:
        self.bundled = bundled or SearchEngine()
        self._sources: dict[str, Source] = {}
        self._key: tuple | None = None
        self._checked_at = float("-inf")  # the first call always reads the config, whatever RECHECK_SECONDS is
        self.config_problem: str | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------------------ sources
    def sources(self) -> list[Source]:
        now = time.monotonic()
        if now - self._checked_at >= RECHECK_SECONDS:
            with self._lock:
                if now - self._checked_at >= RECHECK_SECONDS:
                    self._checked_at = now
                    key = (_file_key(cfg.config_file()), _file_key(cfg.synced_dir() / "CURRENT"))
                    if key != self._key:
                        self._sources, self._key = self._read_sources(), key
        return list(self._sources.values())

    def _read_sources(self) -> dict[str, Source]:
        from server.sources.pagestore import current_copy  # not sync: that imports httpx, 40 ms of a start

        found: dict[str, Source] = {}
        try:
            for s in cfg.load_sources():
                found[s.name] = Source(s.name, "local", Path(s.path), s.path)
            self.config_problem = None
        except DoExpertError as exc:
            self.config_problem = exc.message
            log.warning("%s", exc.message)
        try:
            copy = current_copy(cfg.synced_dir())
        except DoExpertError as exc:
            log.warning("the synced docs cannot be read: %s", exc.message)
            copy = None
        if copy is not None:
            found[cfg.SYNCED] = Source.synced(copy)
        old = self._sources
        for name, source in found.items():  # unchanged sources keep their open engine
            before = old.get(name)
            if before is not None and (before.folder, before.kind) == (source.folder, source.kind):
                found[name] = before
        return found

    @property
    def corpus(self):
        """The bundled corpus, parsed: for tests and benchmarks."""
        return self.bundled.corpus

    def pending(self) -> bool:
        """Whether a configured source has not been opened yet (opening may mean indexing it: a long call)."""
        return any(s.engine is None and s.problem is None for s in self.sources())

    def _named(self, name: str) -> Source | None:
        return next((s for s in self.sources() if s.name == name), None)

    def _select(self, source: str | None) -> list[tuple[str, Source | None]]:
        """(name, Source) pairs to search; the bundled reference is (bundled, None)."""
        if source in (None, ""):
            return [(cfg.BUNDLED, None), *((s.name, s) for s in self.sources())]
        if source == cfg.BUNDLED:
            return [(cfg.BUNDLED, None)]
        found = self._named(source) if isinstance(source, str) else None
        if found is None:
            names = ", ".join(repr(n) for n in [cfg.BUNDLED, *(s.name for s in self.sources())])
            raise InvalidInputError(f"'source' must be one of: {names}; got {clip(source)}",
                                    hint="leave it out to search every source; list_sources shows them")
        return [(found.name, found)]

    def _engine(self, source: Source | None) -> SearchEngine | None:
        return self.bundled if source is None else source.open()

    def owner(self, ident) -> tuple[str, Source | None]:
        """The source a doc or section id (or a do-docs:// URI) belongs to."""
        if isinstance(ident, str):
            doc_part = ident.strip().removeprefix("do-docs://").split("/", 1)[0].split("#", 1)[0]
            if SEPARATOR in doc_part:
                found = self._named(doc_part.split(SEPARATOR, 1)[0])
                if found is not None:
                    return found.name, found
        return cfg.BUNDLED, None

    # ------------------------------------------------------------------------------------------------- search
    def search(self, query: str, limit: int = 5, topic: str | None = None, source: str | None = None,
               include_text: bool = False, max_chars: int | None = None) -> SearchResult:
        selected = self._select(source)
        if topic not in (None, ""):
            owner = self.owner(topic)[0]
            if source not in (None, "", owner):
                raise InvalidInputError(f"topic {clip(topic)} is not in source {clip(source)}",
                                        hint="leave out one of them, or call list_docs with that source")
            selected = [(n, s) for n, s in selected if n == owner]
        answers: list[tuple[str, SearchResult]] = []
        problems: list[str] = []
        for name, src in selected:
            engine = self._engine(src)
            if engine is None:
                problems.append(f"source {name!r} was not searched: {src.problem}")
                continue
            try:
                answers.append((name, engine.search(query, limit, topic, None, include_text, max_chars)))
            except InvalidInputError:
                raise  # the caller's input: the same for every source
            except DoExpertError as exc:
                if src is None:
                    raise
                problems.append(f"source {name!r} was not searched: {exc.message}")
        if len(answers) == 1 and not problems:
            return answers[0][1]
        return _merged(query, answers, problems, limit, include_text, max_chars)

    # --------------------------------------------------------------------------------------------- read, list
    def read(self, ids: list[str], max_chars: int | None = None) -> ReadResult:
        ids, budget = read_arguments(ids, max_chars)
        owners = [self.owner(ident) for ident in ids]
        if len({name for name, _ in owners}) == 1:
            return self._reader(*owners[0]).read(ids, budget)
        sections, missing, seen = [], [], set()
        for ident, owner in zip(ids, owners):  # in the order asked, each id from its own source
            part = self._reader(*owner).read([ident])
            missing += part.missing
            for section in part.sections:
                if section.id not in seen:
                    seen.add(section.id)
                    sections.append(section)
        fit_sections(sections, budget)
        return ReadResult(sections=sections, missing=missing)

    def _reader(self, name: str, src: Source | None):
        engine = self._engine(src)
        if engine is None:
            from server.errors import SourceError

            raise SourceError(f"source {name!r} cannot be read: {src.problem}", hint="see list_sources")
        return engine

    def list_docs(self, sections: bool = False, source: str | None = None) -> DocList:
        if source not in (None, "", cfg.BUNDLED):
            name, src = self._select(source)[0]
            return self._reader(name, src).list_docs(sections)
        listed = self.bundled.list_docs(sections)
        others = [info for info in self.list_sources(open_all=False).sources if info.kind != "bundled"]
        if others:
            shown = "; ".join(f"{o.name} ({o.kind}{', unverified' if not o.verified else ''}"
                              f"{f', {o.docs} docs' if o.docs else ''})" for o in others)
            listed.note = (f"Also searched: {shown}. Call list_docs with source=<name> for their docs, or "
                           "list_sources for details.")
        return listed

    def list_sources(self, open_all: bool = True) -> SourceList:
        infos = [_info(cfg.BUNDLED, "bundled", self.bundled, str(self.bundled.references), None)]
        for s in self.sources():
            engine = s.open() if open_all else s.engine
            infos.append(_info(s.name, s.kind, engine, s.location, s))
        if self.config_problem:
            infos.append(SourceInfo(name="config", kind="local", verified=False, location=str(cfg.config_file()),
                                    problem=self.config_problem))
        return SourceList(sources=infos)

    def ids(self) -> tuple[list[str], list[str]]:
        docs, sections = self.bundled.ids()
        for s in self.sources():
            if s.engine is not None:
                more_docs, more_sections = s.engine.ids()
                docs, sections = docs + more_docs, sections + more_sections
        return docs, sections

    def doc_markdown(self, ident: str) -> str | None:
        engine = self._engine(self.owner(ident)[1])
        return engine.doc_markdown(ident) if engine is not None else None


def _file_key(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _info(name: str, kind: str, engine: SearchEngine | None, location: str, src: Source | None) -> SourceInfo:
    info = SourceInfo(name=name, kind=kind, verified=kind == "bundled", location=location,
                      fetched_at=src.fetched_at if src else None, problem=src.problem if src else None)
    if engine is not None:
        try:
            gen = engine.current()
            info.docs, info.sections = len(gen.docs), len(gen.section_ids)
            info.indexed_at = gen.built_at
            info.skipped = len(gen.skipped)
        except DoExpertError as exc:
            info.problem = exc.message
    return info


def _merged(query: str, answers: list[tuple[str, SearchResult]], problems: list[str], limit: int,
            include_text: bool, max_chars: int | None) -> SearchResult:
    """The sources' hit lists merged by relevance, each list's order kept; ties go to the earlier source (bundled
    first)."""
    lists = [a.results for _, a in answers]
    heads = [0] * len(lists)
    merged = []
    while len(merged) < limit:
        best = None
        for i, hits in enumerate(lists):
            if heads[i] < len(hits) and (best is None or hits[heads[i]].relevance > lists[best][heads[best]].relevance):
                best = i
        if best is None:
            break
        merged.append(lists[best][heads[best]])
        heads[best] += 1
    if include_text:
        texts = [h.text or "" for h in merged]
        for h in merged:
            h.text = None
        attach_text(merged, texts, max_chars)
    covered = any(a.covered for _, a in answers)
    bundled = next((a for name, a in answers if name == cfg.BUNDLED), None)
    note = None if covered else (bundled.note if bundled and bundled.note else
                                 "No section of the searched sources answers this well.")
    if problems:
        note = " ".join(filter(None, [note, *problems]))
    suggestion = next((a.suggestion for _, a in answers if a.suggestion), None)
    return SearchResult(query=answers[0][1].query if answers else query, total=sum(a.total for _, a in answers),
                        covered=covered, note=note, suggestion=suggestion, results=merged)
