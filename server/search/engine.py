"""The search core behind search_docs, read_docs and list_docs.

One ``SearchEngine`` per process. It finds the index generation built from the current reference files (building
it when missing) and answers everything from what that generation stores: Whoosh's stored fields for results,
``docs.json`` for the doc catalogue and ``vocab.json`` for the speller. Starting a server reads and hashes the
reference files, nothing more; a reference doc is parsed only when read_docs asks for it. The files are re-checked
at most every ``RECHECK_SECONDS``; when one changed, the engine swaps in the generation for the new files.

Searching takes no lock: a generation is immutable once built, each thread gets its own Whoosh searcher, and a
reload replaces the current generation with one assignment.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
import time
from functools import cached_property
from pathlib import Path
from typing import Callable

from server.errors import InvalidInputError, clip
from server.models import DocInfo, DocList, DocSection, MissingId, ReadResult, SearchHit, SearchResult, SectionRef
from server.search import query as q
from server.search.corpus import Corpus, CorpusFiles, Document, Section
from server.search.generation import Generation
from server.search.offtopic import about_something_else, foreign_subjects
from server.search.scorer import rank, scores_of
from server.search.store import index_root, open_healthy, references_dir
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
NOTE_TOPICS = 12  # doc titles named in the not-covered note
CANDIDATES = 60
HEADING_CANDIDATES = 15  # how many of the reranked leaders also get the heading bonus  # how many BM25F candidates the coverage rerank looks at
IDF_FIELDS = ("body", "heading", "code")  # doc_terms is shared by a whole doc: not a sign of a section's rarity
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*(#[a-z0-9_][a-z0-9_-]*)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SearchEngine:
    def __init__(self, references: Path | None = None, index_dir: Path | None = None, *,
                 files: Callable[[], CorpusFiles] | None = None, recheck_seconds: float | None = None) -> None:
        """``files``: lists the files to index (default: the bundled reference corpus in ``references``); a user's
        source passes its own (server/sources/loose.py). ``recheck_seconds``: how often a search looks for edited
        files (default ``RECHECK_SECONDS``; large user folders check less often)."""
        self.references = references or references_dir()
        self.index_dir = index_dir or index_root()
        self._files = files or (lambda: CorpusFiles(self.references))
        self._recheck = recheck_seconds
        self._reload_lock = threading.Lock()
        self._checked_at = 0.0
        self._stamp: tuple = ()
        self._gen = self._open()

    # ---------------------------------------------------------------------------------------------- lifecycle
    def _open(self) -> Generation:
        files = self._files()  # one listing and one stat per file: the stamp serves both uses
        self.source, self.verified = files.source, files.verified
        gen = open_healthy(files, self.index_dir, opener=lambda folder: Generation(files, folder))
        self._stamp, self._checked_at = files.stamp, time.monotonic()
        return gen

    def refresh_if_changed(self) -> bool:
        """Swap in the generation for the current files when one changed; returns True when it did."""
        now = time.monotonic()
        every = RECHECK_SECONDS if self._recheck is None else self._recheck
        if now - self._checked_at < every:
            return False
        with self._reload_lock:  # one thread checks; searches meanwhile go on with the current generation
            if now - self._checked_at < every:
                return False
            self._checked_at = now
            if self._files().stamp == self._stamp:
                return False
            log.info("reference files changed; loading (and if needed building) the index for them")
            self._gen = self._open()
            self.__dict__.pop("corpus", None)
            return True

    def current(self) -> Generation:
        self.refresh_if_changed()
        return self._gen

    @cached_property
    def corpus(self) -> Corpus:
        """The whole corpus, parsed: for tests and benchmarks; serving never needs it."""
        return self._files().load()

    # ------------------------------------------------------------------------------------------------- search
    def search(self, query: str, limit: int = 5, topic: str | None = None, source: str | None = None,
               include_text: bool = False, max_chars: int | None = None) -> SearchResult:
        text = _clean_query(query)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidInputError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}",
                                    hint="use the default of 5, or up to 20 for broad surveys")
        budget = _max_chars(max_chars)
        if source not in (None, "", self.source):
            raise InvalidInputError(f"unknown source {clip(source)}",
                                    hint=f"source must be one of: {self.source} (or leave it out)")
        gen = self.current()
        topic_id = self._topic(gen, topic)
        parsed = q.parse(text, gen.speller)
        searcher = gen.searcher()
        _set_idf(parsed, gen.stats)
        if not parsed.words and not parsed.phrases:
            raise InvalidInputError("the query has no searchable words",
                                    hint="ask with API names or plain words, e.g. 'alarm retries backoff'")
        extra = {}
        for phrase in q.phrase_queries(parsed):  # quoted phrases: rare, scored by Whoosh itself
            for hit in searcher.search(phrase, limit=None):
                extra[hit.docnum] = extra.get(hit.docnum, 0.0) + hit.score
        keep = (lambda d, t=topic_id, of=gen.topic_of: of[d] == t) if topic_id else None
        candidates, total = rank(searcher, gen.term_scores, q.clauses(parsed, gen.stats), extra, keep,
                                 CANDIDATES)
        keys = q.coverage_keys(parsed, gen.english)
        scored = []  # (final score, BM25F score, bonus, docnum, relevance)
        for docnum, score in candidates:
            matched = gen.tokens(docnum)
            bonus = 1 + q.COVERAGE_BONUS * q.coverage(keys, matched, for_rank=True)
            scored.append((score * bonus, score, bonus, docnum, q.relevance(q.coverage(keys, matched), score, keys)))
        scored.sort(key=lambda t: (-t[0], t[3]))
        # The heading bonus goes to the leaders only, the only ones a bonus of at most HEADING_BONUS can reorder
        # into the top.
        head = max(HEADING_CANDIDATES, 2 * limit)
        quantity = q.asks_for_a_quantity(text)
        for i, (_, score, bonus, docnum, rel) in enumerate(scored[:head]):
            bonus += q.HEADING_BONUS * q.coverage(keys, gen.heading_tokens(docnum), for_rank=True)
            if gen.level(docnum) == 1:
                bonus *= q.OVERVIEW_FACTOR
            if quantity and gen.topic_of[docnum] == q.QUANTITY_DOC:
                bonus *= q.QUANTITY_FACTOR
            scored[i] = (score * bonus, score, bonus, docnum, rel)
        scored[:head] = sorted(scored[:head], key=lambda t: (-t[0], t[3]))
        ranked = [(final, docnum, rel) for final, _, _, docnum, rel in scored]
        ranked[:q.SECOND_OPINION_LEADERS] = fuse_second_opinion(
            ranked[:q.SECOND_OPINION_LEADERS], scores_of(searcher, gen.term_scores, q.clauses(
                parsed, gen.stats, second_opinion=True), [d for _, d, _ in ranked[:q.SECOND_OPINION_LEADERS]]))
        words = [*parsed.texts, *parsed.corrections.values()]
        gen.load_stems()  # the build's stems, for the snippets
        stored = {docnum: searcher.stored_fields(docnum) for _, docnum, _ in ranked[:limit]}
        results = [_hit(stored[docnum], score, rel, words, self.source) for score, docnum, rel in ranked[:limit]]
        # Another product named as the subject: judged for the bundled corpus, whose scope is Durable Objects; a
        # team's own notes may well be about D1 or Queues.
        elsewhere = sorted(foreign_subjects(text)) if self.source == BUNDLED and about_something_else(
            text, [r.section for r in results[:3]]) else []
        if not self.verified:  # a user's notes or the synced docs: say so on every hit, with the fetch date
            for r in results:
                r.verified, r.fetched = False, gen.docs.get(r.topic, {}).get("fetched")
        covered = bool(results) and max(r.relevance for r in results) >= q.COVERED_THRESHOLD and not elsewhere
        result = SearchResult(query=text, total=total, covered=covered,
                              note=None if covered else self._note(gen, elsewhere),
                              suggestion=_suggestion(parsed), results=results)
        if include_text:
            attach_text(result.results, [stored[d]["markdown"] for _, d, _ in ranked[:limit]], budget)
        return result

    @staticmethod
    def _note(gen: Generation, elsewhere: list[str]) -> str:
        titles = list(dict.fromkeys(d["title"].split(" (")[0] for d in gen.docs.values()))
        shown = ", ".join(titles[:NOTE_TOPICS]) + (f" and {len(titles) - NOTE_TOPICS} more (list_docs)"
                                                    if len(titles) > NOTE_TOPICS else "")
        subject = (f"The question is about {', '.join(elsewhere)}, which this reference does not treat as a subject. "
                   if elsewhere else "No section answers this well: ")
        return (f"{subject}The reference covers SQLite-backed Cloudflare Durable Objects only "
                f"({shown}). The results are weak matches; for other products or general programming, use other "
                "sources.")

    @staticmethod
    def _topic(gen: Generation, topic: str | None) -> str | None:
        if topic is None or topic == "":
            return None
        if not isinstance(topic, str):
            raise InvalidInputError("topic must be a doc id string", hint="call list_docs for the doc ids")
        doc_id = gen.aliases.get(topic.strip(), topic.strip())
        if doc_id not in gen.docs:
            raise InvalidInputError(f"unknown topic {clip(topic)}",
                                    hint="topic must be one of: " + ", ".join(sorted(gen.docs)))
        return doc_id

    # --------------------------------------------------------------------------------------------------- read
    def read(self, ids: list[str], max_chars: int | None = None) -> ReadResult:
        ids, budget = read_arguments(ids, max_chars)
        gen = self.current()
        sections, missing = [], []
        for ident in ids:
            found = self._resolve(gen, ident)
            if found is None:
                shown = ident[:MAX_ID_CHARS] if isinstance(ident, str) else repr(ident)[:MAX_ID_CHARS]
                missing.append(MissingId(id=shown, did_you_mean=self._did_you_mean(gen, ident)))
            elif found not in sections:
                sections.append(found)
        fit_sections(sections, budget)
        return ReadResult(sections=sections, missing=missing)

    @staticmethod
    def _did_you_mean(gen: Generation, ident) -> list[str]:
        """Existing doc or section ids close to an unknown one: same slug in another doc, or similar spelling."""
        if not isinstance(ident, str):
            return []
        ident = ident.strip().removeprefix("do-docs://").replace("/", "#", 1).lower()[:MAX_ID_CHARS]
        doc_part, _, slug = ident.partition("#")
        pool = gen.section_ids if slug else list(gen.docs)
        close = difflib.get_close_matches(ident, pool, n=3, cutoff=0.6)
        if slug:
            doc_id = gen.aliases.get(doc_part, doc_part)
            if doc_id in gen.docs:  # right doc, wrong slug: the doc's closest headings
                slugs = [sid.split("#", 1)[1] for sid, _ in gen.docs[doc_id]["sections"]]
                words = [w for w in slug.split("-") if w]
                shared = {s: _shared_words(words, s.split("-")) for s in slugs}
                sharing = sorted((s for s in slugs if shared[s]), key=lambda s: (-shared[s], len(s)))
                near = difflib.get_close_matches(slug, slugs, n=3, cutoff=0.5)
                close = [f"{doc_id}#{m}" for m in dict.fromkeys([*sharing, *near])] + close
            close += [sid for sid in gen.section_ids if sid.endswith(f"#{slug}")]
        return list(dict.fromkeys(close))[:3]

    def _resolve(self, gen: Generation, ident) -> DocSection | None:
        if not isinstance(ident, str) or len(ident) > MAX_ID_CHARS:
            return None
        ident = ident.strip()
        if ident.startswith("do-docs://"):  # a resource URI: do-docs://<doc> or do-docs://<doc>/<slug>
            ident = ident.removeprefix("do-docs://").replace("/", "#", 1)
        if not ID_RE.match(ident):
            return None
        found = gen.resolve(ident)
        if isinstance(found, Document):
            body = found.markdown.strip()
            if not body.startswith("# "):  # the file's own H1 is the title; never print it twice
                body = f"# {found.title}\n\n{body}"
            return DocSection(id=found.id, uri=found.uri, title=found.title, topic=found.id, markdown=body,
                              sources=found.sources, **self._provenance(found))
        if isinstance(found, Section):
            doc = gen.document(found.doc_id)
            return DocSection(id=found.id, uri=found.uri, title=f"{doc.title} > {found.path_text}",
                              topic=found.doc_id, markdown=found.markdown, sources=found.sources,
                              **self._provenance(doc))
        return None

    def _provenance(self, doc: Document) -> dict:
        return {"source": self.source, "verified": self.verified, "last_verified": doc.last_verified or None,
                "fetched": doc.fetched}

    # --------------------------------------------------------------------------------------------------- list
    def list_docs(self, sections: bool = False) -> DocList:
        gen = self.current()
        return DocList(docs=[
            DocInfo(id=d["id"], title=d["title"], summary=_one_line(d["summary"]), source=self.source,
                    sections=[SectionRef(id=sid, title=path) for sid, path in d["sections"]] if sections else None)
            for d in gen.docs.values()
        ])

    def ids(self) -> tuple[list[str], list[str]]:
        """(doc ids, section ids), for completions."""
        gen = self.current()
        return list(gen.docs), list(gen.section_ids)

    def doc_markdown(self, doc_id: str) -> str | None:
        found = self._resolve(self.current(), doc_id)
        return found.markdown if found else None


def _shared_words(typed: list[str], slug_words: list[str]) -> int:
    """How many typed words a slug holds, a word also counting when it is cut short or runs on ("retrie" for
    "retries", "alarms" for "alarm"): agents guess slugs from headings they half remember."""
    def near(a: str, b: str) -> bool:
        return a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)))
    return sum(1 for w in typed if any(near(w, s) for s in slug_words))


def _set_idf(parsed: q.ParsedQuery, reader) -> None:
    """Each word's IDF over sections: the highest document frequency of any term its group queries. ``reader`` is
    anything with Whoosh's ``doc_count``/``doc_frequency`` (the generation's cached ``TermStats``)."""
    n = reader.doc_count()
    for w in parsed.words:
        df = 0
        for text in (w.expansions if w.expansions_only else filter(None, (w.text, w.correction))):
            for fieldname, tok in q.key_terms(text):
                if fieldname in IDF_FIELDS:
                    df = max(df, reader.doc_frequency(fieldname, tok))
        w.idf = q.idf(df, n)


def _hit(fields: dict, score: float, relevance: float, words: list[str], source: str) -> SearchHit:
    sid = fields["id"]
    doc_id, _, slug = sid.partition("#")
    return SearchHit(id=sid, uri=f"do-docs://{doc_id}/{slug}", title=fields["title"], section=fields["path"],
                     topic=fields["topic"], source=source, score=round(score, 3), relevance=round(relevance, 3),
                     snippet=make_snippet(fields["body"], words))


def attach_text(hits: list[SearchHit], texts: list[str], budget: int | None) -> None:
    """Full section text for the top hits, best first, until the character budget (default DEFAULT_TEXT_CHARS) is
    spent."""
    budget = DEFAULT_TEXT_CHARS if budget is None else budget
    for hit, markdown in zip(hits, texts):
        if budget < MIN_CHARS:  # a scrap of a section helps nobody; the snippet and id remain
            break
        hit.text = markdown if len(markdown) <= budget else _cut(markdown, budget)
        budget -= len(hit.text)


def fuse_second_opinion(leaders: list[tuple], plain: dict[int, float]) -> list[tuple]:
    """The leaders (score, docnum, relevance) reordered by reciprocal rank fusion of their own order and the plain
    ranking's (query.SECOND_OPINION_*); equal fused values keep the leaders' order."""
    if len(leaders) < 2:
        return leaders
    k, weight = q.SECOND_OPINION_K, q.SECOND_OPINION_WEIGHT
    order = [d for _, d, _ in leaders]  # plain ties keep the leaders' order (sorted is stable)
    plain_rank = {d: i for i, d in enumerate(sorted(order, key=lambda d: -plain[d]))}
    fused = {d: 1 / (k + i + 1) + weight / (k + plain_rank[d] + 1) for i, (_, d, _) in enumerate(leaders)}
    return sorted(leaders, key=lambda t: -fused[t[1]])


def read_arguments(ids, max_chars) -> tuple[list, int | None]:
    """read_docs' arguments checked: (ids as a list, the budget); an error names what is wrong."""
    budget = _max_chars(max_chars)
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not 1 <= len(ids) <= MAX_IDS:
        raise InvalidInputError(f"ids must be a list of 1 to {MAX_IDS} section or doc ids",
                                hint="pass ids from search_docs results, e.g. ['sqlite-storage#transactionsync']")
    return ids, budget


def fit_sections(sections: list[DocSection], budget: int | None) -> None:
    """Cut the sections, in order, to a total of ``budget`` characters (None: no limit)."""
    if budget is None:
        return
    for section in sections:
        if len(section.markdown) > budget:
            section.markdown, section.truncated = _cut(section.markdown, max(budget, 0)), True
        budget -= len(section.markdown)


def _suggestion(parsed: q.ParsedQuery) -> str | None:
    """The query with unknown words replaced by their closest corpus words ("did you mean")."""
    if parsed.corrections:
        return " ".join(w.correction or w.text for w in parsed.words if not w.expansions_only)
    return None


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
