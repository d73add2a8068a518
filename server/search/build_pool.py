"""A large build's per-section work in worker processes, while the parent writes the segment.

For a corpus whose sections do not repeat, most of a build is per-section work that depends on nothing else: the
Markdown turned into text, each field analysed into terms and encoded positions, the token-set line, the stored
fields pickled and compressed. Workers do it for chunks of whole documents and invert each chunk's postings (term ->
docnums, values, as arrays: cheap to pickle back); the parent takes the chunks in document order, appends each
term's postings to the segment's posting lists, writes the stored fields, lengths and token lines, and encodes
each complete posting block as soon as it has one (waiting for workers otherwise), leaving the flush little more
than the last, partial block of every term. Heading lines are made in the workers too, and the speller's
vocabulary and the stem table are counted there while the parent flushes. The segment is byte-for-byte what the one-process build writes
(tests/search/test_segment_writer.py builds both).

A pool costs a process start and an import of the analyzers (a few hundred ms): it is used only for corpora of
``POOL_MIN_SECTIONS`` sections or more, with the 'spawn' start method (no fork of a parent that may run threads),
SIGINT ignored in the workers (the parent's KeyboardInterrupt ends them), and terminated on any error. Workers
do not re-import the parent's ``__main__`` (see ``_main_left_out``).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import zlib
from array import array
from collections import deque
from contextlib import ExitStack, contextmanager
from pickle import dumps
from types import SimpleNamespace

from server.search.corpus import Corpus, Document

POOL_MIN_SECTIONS = 4000  # 10x our corpus; at 1x (~400 sections) a pool's start would cost more than it saves
CHUNK_SECTIONS = 300  # sections per task: large enough that merging a chunk costs little per posting
WORKERS_ENV = "DO_EXPERT_BUILD_WORKERS"  # a number of worker processes; 0: always build in one process

_worker = None  # per worker process: its analysis state (see _start_worker)


def distinct_share(corpus: Corpus) -> float:
    """The share of sections whose Markdown no other section has (hashing it costs milliseconds at 50x)."""
    sections = corpus.sections.values()
    return len({s.own_markdown for s in sections}) / max(1, len(sections))


def pool_workers(sections: int, distinct: float = 1.0) -> int:
    """How many worker processes a build of ``sections`` sections uses: 0 (build in this process) for small corpora,
    on one core, on a machine already over-subscribed, for a corpus whose sections mostly repeat (``distinct``:
    the share that does not, see ``distinct_share``), or when DO_EXPERT_BUILD_WORKERS says so (a number there is
    used as is).

    Workers cost about a sixth more CPU than the one-process build (their start, a second set of word caches, the
    hand-over of each chunk), so they pay only with cores to run on: measured on 2 cores at 50x, a pool took a
    build from 16-18 s to 10-11 s with a load average of 1.2-2, and made it slower (19-25 s) at 3.4. A corpus of
    copied docs is analysed once per distinct text in one process (5.4 s at 50x), which workers, each analysing
    its own chunks, do not beat (6.8 s)."""
    setting = os.environ.get(WORKERS_ENV, "").strip()
    if setting.isdigit():
        return int(setting)
    if sections < POOL_MIN_SECTIONS or distinct < 0.5:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this platform: assume the cores are free
        load = 0.0
    return min(cores, 4) if cores >= 2 and load <= cores else 0


def pooled_build_supported(writer) -> bool:
    """Workers analyse only the fields the fast writer analyses itself; a schema with a field left to Whoosh, a
    column or a vector is written in one process."""
    kinds = writer._kinds
    return all(kinds[name] != "whoosh" and not field.column_type and not field.vector
               for name, field in writer.schema.items() if field.indexed or field.column_type)


def _chunks(corpus: Corpus) -> list[tuple[int, list[Document]]]:
    """Whole documents (a document and its sections travel in one pickle, so strings they share stay shared, as
    the stored fields' pickle shows), about CHUNK_SECTIONS sections each, with the first section's docnum."""
    chunks, current, size, start = [], [], 0, 0
    for doc in corpus.docs.values():
        current.append(doc)
        size += len(doc.sections)
        if size >= CHUNK_SECTIONS:
            chunks.append((start, current))
            start, current, size = start + size, [], 0
    if current:
        chunks.append((start, current))
    return chunks


def _start_worker(compress_level: int) -> None:
    from server.search.build_memory import gc_paused, heap_kept
    from server.search.schema import build_schema
    from server.search.field_analysis import FieldAnalysis

    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which ends the pool
    os.dup2(2, 1)  # a server's stdout is its MCP stdio channel: nothing a worker prints may reach it
    schema = build_schema()
    memory = ExitStack()  # the worker's habits for its whole life: it exits when the pool closes
    memory.enter_context(heap_kept())
    memory.enter_context(gc_paused())
    _worker = SimpleNamespace(schema=schema, analysis=FieldAnalysis(schema), memo={}, lines={}, heading_lines={},
                              level=compress_level, memory=memory)


def analyse_chunk(task: tuple[int, list[Document]]) -> dict:
    """One chunk's sections, as ``FastSegmentWriter.add_document`` and ``write_index`` would treat them:
    postings inverted per field, per-section lengths, stored-field bytes, token lines and searchable texts."""
    from server.search.headings import heading_line
    from server.search.indexer import TOKEN_FIELDS, section_fields, stored_fields

    start, docs = task
    w = _worker
    schema, analysis = w.schema, w.analysis
    corpus = SimpleNamespace(docs={doc.id: doc for doc in docs})  # all section_fields reads of a corpus
    postings: dict[str, dict] = {}
    lengths: dict[str, array] = {}
    stored_blobs, lines, texts, headings = [], [], [], []
    docnum = start
    for doc in docs:
        for section in doc.sections:
            fields = section_fields(corpus, section, w.memo)
            every = {**fields, **stored_fields(corpus, section)}
            terms_of: dict[str, set] = {}
            stored = {}
            for name in sorted(every):  # the order add_document stores fields in, which the pickle shows
                value = every[name]
                if value is None:
                    continue
                field = schema[name]
                if field.indexed:
                    kind = analysis.kinds[name]
                    inverted = postings.setdefault(name, {})
                    # the writer's analysis (FieldAnalysis.analyze), inverted straight into the chunk's lists
                    if kind == "prose-positions":
                        length, grouped = analysis.positions(name, value)
                        encode = analysis.encoded_positions
                        for term, ps in grouped.items():
                            entry = inverted.get(term)
                            if entry is None:
                                entry = inverted[term] = [array("I"), array("I"), []]
                            entry[0].append(docnum)
                            entry[1].append(len(ps))
                            entry[2].append(encode(ps))
                    else:
                        length, grouped = analysis.counts(name, kind, value)
                        for term, n in grouped.items():
                            entry = inverted.get(term)
                            if entry is None:
                                entry = inverted[term] = [array("I"), array("I")]
                            entry[0].append(docnum)
                            entry[1].append(n)
                    terms_of[name] = grouped.keys()
                    column = lengths.setdefault(name, array("I"))
                    column.extend([0] * (docnum - start + 1 - len(column)))
                    column[docnum - start] = length if field.scorable else 0
                if field.stored:
                    stored[name] = value
            stored_blobs.append(zlib.compress(dumps(stored, 2), w.level) if stored else None)
            key = tuple(fields[name] for name in TOKEN_FIELDS)
            line = w.lines.get(key)
            if line is None:
                tokens = set().union(*(terms_of.get(name, ()) for name in TOKEN_FIELDS))
                line = w.lines[key] = (" ".join(sorted(tokens)) + "\n").encode("utf-8")
            lines.append(line)
            texts.append(f"{fields['heading']} {fields['body']} {fields['code']}")
            headings.append(heading_line(fields["heading"], w.heading_lines))
            docnum += 1
    for column in lengths.values():
        column.extend([0] * (docnum - start - len(column)))
    return {"start": start, "count": docnum - start, "postings": postings, "lengths": lengths,
            "stored": stored_blobs, "lines": lines, "texts": texts, "headings": headings}


def add_analysed_chunk(writer, chunk: dict) -> None:
    """Add one analysed chunk to a ``FastSegmentWriter``: the documents ``analyse_chunk`` describes, in docnum
    order, as ``add_document`` would have added them one by one."""
    from whoosh.columns import VarBytesColumn

    if chunk["start"] != writer.docnum:
        raise ValueError(f"chunk starts at document {chunk['start']}, the writer is at {writer.docnum}")
    for name, chunk_postings in chunk["postings"].items():
        inverted = writer._inverted.setdefault(name, {})
        for term, entry in chunk_postings.items():
            have = inverted.get(term)
            if have is None:
                inverted[term] = entry
            else:
                have[0].extend(entry[0])
                have[1].extend(entry[1])
                if len(entry) == 3:
                    have[2].extend(entry[2])
    pdw = writer.perdocwriter
    stored_column = pdw._colwriters["_stored"]._child  # PickleColumn over compressed bytes: the bytes go in as is
    add_bytes = VarBytesColumn.Writer.add
    lengths = list(chunk["lengths"].items())
    add_length = writer._add_length
    docnum = writer.docnum
    for i, blob in enumerate(chunk["stored"]):
        pdw.start_doc(docnum)
        for name, column in lengths:
            if column[i]:
                add_length(name, docnum, column[i])
        if blob is not None:
            add_bytes(stored_column, docnum, blob)
        pdw.finish_doc()
        docnum += 1
    writer.docnum = docnum
    writer._added = True


@contextmanager
def _main_left_out():
    """Start workers without re-running the parent's main module. 'spawn' imports ``__main__`` in every worker so
    that functions defined there can be unpickled; the workers need only this module, and importing the main
    module would cost the CLI's or the server's whole import time per worker, or re-run a script that lacks an
    ``if __name__ == "__main__"`` guard. multiprocessing finds the main module through ``__spec__`` and
    ``__file__``: both are hidden while the workers start, and put back."""
    main = sys.modules.get("__main__")
    hidden = {name: main.__dict__.pop(name) for name in ("__spec__", "__file__") if main and name in main.__dict__}
    if main is not None and "__spec__" in hidden:
        main.__spec__ = None  # get_preparation_data reads the attribute: it must exist
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(hidden)


@contextmanager
def worker_pool(workers: int, compress_level: int):
    """``workers`` spawned processes, closed and joined when the block ends; terminated on any error or Ctrl-C."""
    with _main_left_out():
        pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_start_worker,
                                                         initargs=(compress_level,))
    try:
        yield pool
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def write_pooled(pool, writer, corpus: Corpus, out, offsets: array) -> tuple[list[str], list[bytes]]:
    """``write_index``' loop with the per-section work in ``pool``'s processes: the segment's documents, the
    token lines to ``out`` with their offsets. Returns each section's searchable text and its headings.txt line.

    A few chunks are in flight at a time, so that the jobs encoding each merged chunk's complete posting blocks
    are queued between them, not behind every chunk."""
    from server.search.postblocks import encode_blocks

    texts: list[str] = []
    headings: list[bytes] = []
    tasks = iter(_chunks(corpus))
    chunks: deque = deque()
    blocks: deque = deque()  # (keys, pending result), in the order the blocks were taken

    def submit_chunk() -> None:
        task = next(tasks, None)
        if task is not None:
            chunks.append(pool.apply_async(analyse_chunk, (task,)))

    for _ in range(2 * len(pool._pool)):
        submit_chunk()
    while chunks:
        chunk = chunks.popleft().get()
        submit_chunk()
        add_analysed_chunk(writer, chunk)
        keys, jobs = [], []
        for name, postings in chunk["postings"].items():
            field_keys, field_jobs = writer.take_full_blocks(name, postings)
            keys += field_keys
            jobs += field_jobs
        if jobs:
            blocks.append((keys, pool.apply_async(encode_blocks, (jobs,))))
        while blocks and blocks[0][1].ready():
            done_keys, result = blocks.popleft()
            writer.set_encoded(done_keys, result.get())
        for line in chunk["lines"]:
            out.write(line)
            offsets.append(offsets[-1] + len(line))
        texts.extend(chunk["texts"])
        headings.extend(chunk["headings"])
    for done_keys, result in blocks:
        writer.set_encoded(done_keys, result.get())
    return texts, headings


def derive_tables(pool, texts: list[str]):
    """The speller's vocabulary and the stem table, counted from ``texts`` in the workers while the parent encodes
    the posting lists; returns a function that waits for both."""
    from server.search.indexer import speller_vocabulary
    from server.search.stemtable import stem_table

    vocab = pool.apply_async(speller_vocabulary, (texts,))
    stems = pool.apply_async(stem_table, (texts,))
    return lambda: {"vocab": vocab.get(), "stems": stems.get()}


def pdw_compression(writer) -> int:
    """The zlib level of the stored-fields column (Whoosh's CompressedBytesColumn), which the workers apply."""
    return writer.perdocwriter._colwriters["_stored"]._child._level
