"""The search core behind search_docs, read_docs and list_docs.

One ``SearchEngine`` per process. It loads the corpus, opens (or builds) the index for it, and re-checks the
reference files at most every ``RECHECK_SECONDS``: when one changed, it reloads and rebuilds, so an edited reference
is searchable without a restart.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
import time
from pathlib import Path

from whoosh.query import Term

from server.errors import InvalidInputError
from server.models import DocInfo, DocList, DocSection, MissingId, ReadResult, SearchHit, SearchResult, SectionRef
from server.search import query as q
from server.search.corpus import Corpus, Document, Section, reference_files
from server.search.indexer import section_fields
from server.search.scoring import SharedIdfBM25F
from server.search.spelling import Speller
from server.search.store import index_root, open_index, references_dir
from server.search.text import make_snippet

log = logging.getLogger("do_expert.search")

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 20
MAX_IDS = 10
MAX_ID_CHARS = 200
RECHECK_SECONDS = 2.0
BUNDLED = "bundled"
MIN_CHARS, MAX_CHARS = 200, 200_000
DEFAULT_TEXT_CHARS = 6000  # include_text without max_chars: about two full sections
SUMMARY_CHARS = 160
CANDIDATES = 60  # how many BM25F candidates the coverage rerank looks at
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(#[a-z0-9_][a-z0-9_-]*)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SearchEngine:
    def __init__(self, references: Path | None = None, index_dir: Path | None = None) -> None:
        self.references = references or references_dir()
        self.index_dir = index_dir or index_root()
        self._lock = threading.RLock()
        self._checked_at = 0.0
        self._stamp: tuple = ()
        self._load()

    # ---------------------------------------------------------------------------------------------- lifecycle
    def _file_stamp(self) -> tuple:
        stats = [(p.name, p.stat()) for p in reference_files(self.references)]
        return tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)

    def _load(self) -> None:
        corpus = Corpus(self.references)
        ix = open_index(corpus, self.index_dir)
        self.corpus, self.ix = corpus, ix
        self.searcher = ix.searcher(weighting=SharedIdfBM25F(B=0.6, K1=1.2))
        self._fields = {sid: section_fields(corpus, s) for sid, s in corpus.sections.items()}
        self._tokens = {sid: q.section_tokens(f) for sid, f in self._fields.items()}
        self.speller = Speller([f"{f['heading']} {f['body']} {f['code']}" for f in self._fields.values()])
        self._stamp = self._file_stamp()
        self._checked_at = time.monotonic()

    def refresh_if_changed(self) -> bool:
        """Reload when a reference file changed; returns True when it did."""
        now = time.monotonic()
        if now - self._checked_at < RECHECK_SECONDS:
            return False
        self._checked_at = now
        if self._file_stamp() == self._stamp:
            return False
        log.info("reference files changed; reloading the corpus and rebuilding the index")
        self._load()
        return True

    # ------------------------------------------------------------------------------------------------- search
    def search(self, query: str, limit: int = 5, topic: str | None = None, source: str | None = None,
               include_text: bool = False, max_chars: int | None = None) -> SearchResult:
        text = _clean_query(query)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}",
                                    hint="use the default of 5, or up to 20 for broad surveys")
        budget = _max_chars(max_chars)
        if source not in (None, "", BUNDLED):
            raise InvalidInputError(f"unknown source {str(source)[:80]!r}",
                                    hint=f"source must be one of: {BUNDLED} (or leave it out)")
        result = self._search(text, limit, topic)
        if include_text:
            self._attach_text(result, budget if budget is not None else DEFAULT_TEXT_CHARS)
        return result

    def _attach_text(self, result: SearchResult, budget: int) -> None:
        """Full section text for the top hits, best first, until the character budget is spent."""
        for hit in result.results:
            if budget < MIN_CHARS:  # a scrap of a section helps nobody; the snippet and id remain
                break
            markdown = self.corpus.sections[hit.id].markdown
            hit.text = markdown if len(markdown) <= budget else _cut(markdown, budget)
            budget -= len(hit.text)

    def _search(self, text: str, limit: int, topic: str | None) -> SearchResult:
        with self._lock:
            self.refresh_if_changed()
            topic_id = self._topic(topic)
            parsed = q.parse(text, self.speller)
            self._set_idf(parsed)
            built = q.build(parsed)
            if built is None:
                raise InvalidInputError("the query has no searchable words",
                                        hint="ask with API names or plain words, e.g. 'alarm retries backoff'")
            flt = Term("topic", topic_id) if topic_id else None
            hits = self.searcher.search(built, limit=CANDIDATES, filter=flt)
            keys = q.coverage_keys(parsed)
            ranked = []
            for hit in hits:
                sid = hit["id"]
                toks = self._tokens[sid]
                bonus = 1 + q.COVERAGE_BONUS * q.coverage(keys, toks, for_rank=True)
                ranked.append((hit.score * bonus, q.relevance(q.coverage(keys, toks), hit.score, keys), sid))
            ranked.sort(key=lambda t: (-t[0], t[2]))
            total = len(hits)
            words = [*parsed.texts, *parsed.corrections.values()]
            results = [self._hit(sid, score, rel, words) for score, rel, sid in ranked[:limit]]
            covered = bool(results) and max(r.relevance for r in results) >= q.COVERED_THRESHOLD
            return SearchResult(query=text, total=total, covered=covered, note=None if covered else self._note(),
                                suggestion=self._suggestion(parsed), results=results)

    def _note(self) -> str:
        topics = ", ".join(d.title for d in self.corpus.docs.values())
        return ("No section answers this well: the reference covers SQLite-backed Cloudflare Durable Objects only "
                f"({topics}). Results below are weak matches; for other products or general programming, "
                "use other sources.")

    def _set_idf(self, parsed: q.ParsedQuery) -> None:
        """Each word's IDF over sections: the highest document frequency of any token it can meet in any field."""
        reader = self.searcher.reader()
        n = reader.doc_count()
        for w in parsed.words:
            df = 0
            for text in filter(None, (w.text, w.correction)):
                for tok in q.word_keys(text):
                    for fieldname in ("body", "heading"):
                        df = max(df, reader.doc_frequency(fieldname, tok))
                for tok in q.code_keys(text):
                    df = max(df, reader.doc_frequency("code", tok))
            w.idf = q.idf(df, n)

    def _hit(self, sid: str, score: float, cov: float, words: list[str]) -> SearchHit:
        section = self.corpus.sections[sid]
        doc = self.corpus.docs[section.doc_id]
        return SearchHit(
            id=sid,
            uri=section.uri,
            title=doc.title,
            section=section.path_text,
            topic=section.doc_id,
            score=round(score, 3),
            relevance=round(cov, 3),
            snippet=make_snippet(self._fields[sid]["body"], words),
        )

    @staticmethod
    def _suggestion(parsed: q.ParsedQuery) -> str | None:
        """The query with unknown words replaced by their closest corpus words ("did you mean")."""
        if parsed.corrections:
            return " ".join(w.correction or w.text for w in parsed.words)
        return None

    def _topic(self, topic: str | None) -> str | None:
        if topic is None or topic == "":
            return None
        if not isinstance(topic, str):
            raise InvalidInputError("topic must be a doc id string", hint="call list_docs for the doc ids")
        doc_id = self.corpus.aliases.get(topic.strip(), topic.strip())
        if doc_id not in self.corpus.docs:
            raise InvalidInputError(f"unknown topic {topic[:80]!r}",
                                    hint="topic must be one of: " + ", ".join(sorted(self.corpus.docs)))
        return doc_id

    # --------------------------------------------------------------------------------------------------- read
    def read(self, ids: list[str], max_chars: int | None = None) -> ReadResult:
        budget = _max_chars(max_chars)
        if isinstance(ids, str):
            ids = [ids]
        if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS:
            raise InvalidInputError(f"ids must be a list of 1 to {MAX_IDS} section or doc ids",
                                    hint="pass ids from search_docs results, e.g. ['sqlite-storage#transactionsync']")
        with self._lock:
            self.refresh_if_changed()
            sections, missing = [], []
            for ident in ids:
                found = self._resolve(ident)
                if found is None:
                    shown = ident[:MAX_ID_CHARS] if isinstance(ident, str) else repr(ident)[:MAX_ID_CHARS]
                    missing.append(MissingId(id=shown, did_you_mean=self._did_you_mean(ident)))
                elif found not in sections:
                    sections.append(found)
            if budget is not None:
                for section in sections:
                    if len(section.markdown) > budget:
                        section.markdown, section.truncated = _cut(section.markdown, max(budget, 0)), True
                    budget -= len(section.markdown)
            return ReadResult(sections=sections, missing=missing)

    def _did_you_mean(self, ident) -> list[str]:
        """Existing doc or section ids close to an unknown one: same slug in another doc, or similar spelling."""
        if not isinstance(ident, str):
            return []
        ident = ident.strip().removeprefix("do-docs://").replace("/", "#", 1).lower()[:MAX_ID_CHARS]
        doc_part, _, slug = ident.partition("#")
        pool = list(self.corpus.sections) if slug else list(self.corpus.docs)
        close = difflib.get_close_matches(ident, pool, n=3, cutoff=0.6)
        if slug:
            doc_id = self.corpus.aliases.get(doc_part, doc_part)
            if doc_id in self.corpus.docs:  # right doc, wrong slug: the doc's closest headings
                slugs = [s.slug for s in self.corpus.docs[doc_id].sections]
                words = set(slug.split("-"))
                sharing = sorted((s for s in slugs if words & set(s.split("-"))),
                                 key=lambda s: (-len(words & set(s.split("-"))), len(s)))
                near = difflib.get_close_matches(slug, slugs, n=3, cutoff=0.5)
                close = [f"{doc_id}#{m}" for m in dict.fromkeys([*near, *sharing])] + close
            close += [sid for sid in self.corpus.sections if sid.endswith(f"#{slug}")]
        return list(dict.fromkeys(close))[:3]

    def _resolve(self, ident) -> DocSection | None:
        if not isinstance(ident, str) or len(ident) > MAX_ID_CHARS:
            return None
        ident = ident.strip()
        if ident.startswith("do-docs://"):  # a resource URI: do-docs://<doc> or do-docs://<doc>/<slug>
            ident = ident.removeprefix("do-docs://").replace("/", "#", 1)
        if not ID_RE.match(ident):
            return None
        found = self.corpus.resolve(ident)
        if isinstance(found, Document):
            body = found.markdown.strip()
            if not body.startswith("# "):  # the file's own H1 is the title; never print it twice
                body = f"# {found.title}\n\n{body}"
            return DocSection(id=found.id, uri=found.uri, title=found.title, topic=found.id,
                              markdown=body, sources=found.sources)
        if isinstance(found, Section):
            doc = self.corpus.docs[found.doc_id]
            return DocSection(id=found.id, uri=found.uri, title=f"{doc.title} > {found.path_text}",
                              topic=found.doc_id, markdown=found.markdown, sources=doc.sources)
        return None

    # --------------------------------------------------------------------------------------------------- list
    def list_docs(self, sections: bool = False) -> DocList:
        with self._lock:
            self.refresh_if_changed()
            return DocList(docs=[
                DocInfo(id=d.id, title=d.title, summary=_one_line(d.summary),
                        sections=[SectionRef(id=s.id, title=s.path_text) for s in d.sections] if sections else None)
                for d in self.corpus.docs.values()
            ])

    def ids(self) -> tuple[list[str], list[str]]:
        """(doc ids, section ids), for completions."""
        return list(self.corpus.docs), list(self.corpus.sections)

    def doc_markdown(self, doc_id: str) -> str | None:
        found = self._resolve(doc_id)
        return found.markdown if found else None


def _max_chars(value) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not MIN_CHARS <= value <= MAX_CHARS:
        raise InvalidInputError(f"max_chars must be an integer from {MIN_CHARS} to {MAX_CHARS}, got {value!r}",
                                hint="leave it out for the default, or give e.g. 8000")
    return value


def _cut(markdown: str, budget: int) -> str:
    """At most ``budget`` characters, cut at a paragraph or line end when one is near."""
    if len(markdown) <= budget:
        return markdown
    head = markdown[:budget]
    for sep in ("\n\n", "\n"):
        at = head.rfind(sep)
        if at > budget * 0.6:
            return head[:at].rstrip()
    return head.rstrip()


def _one_line(summary: str) -> str:
    """The summary's first sentence, at most SUMMARY_CHARS characters."""
    first = re.split(r"(?<=[.!?])\s", summary, maxsplit=1)[0]
    if len(first) <= SUMMARY_CHARS:
        return first
    return first[: SUMMARY_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _clean_query(query) -> str:
    if not isinstance(query, str):
        raise InvalidInputError("query must be a string", hint="ask a question in words")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInputError(f"query is {len(query)} characters long; at most {MAX_QUERY_CHARS} are allowed",
                                hint="ask one focused question; search again for the next one")
    text = " ".join(_CONTROL.sub(" ", query).split())
    if not text:
        raise InvalidInputError("query is empty", hint="ask a question, e.g. 'how do alarms retry?'")
    return text
