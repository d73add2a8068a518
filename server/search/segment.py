"""A fast writer for one Whoosh segment: the files Whoosh's own writer produces, in a fraction of its time.

Whoosh's ``SegmentWriter`` moves every posting through a chain of token generators, a sorting pool, a field-length
lookup in a column file and a per-posting block writer: some thirty Python calls per posting, which made a build
at 50x the corpus take over 200 times as long as SQLite FTS5's. This writer keeps Whoosh's per-document writer
(stored fields, field lengths), its field writer (term table) and its block encoder, and replaces the rest:

- the prose and code analyzers are re-done with a per-word cache (field_analysis.py: a word is lowercased, checked
  against the stop list and Porter2-stemmed once per build, not once per occurrence), producing the same terms and
  positions;
- a field text met again (a doc's title and keywords in each of its sections; every text of a copied doc) is not
  analyzed again: its postings go straight onto the posting lists resolved the second time it was met;
- postings are inverted in plain dicts (documents arrive in docnum order, so every posting list is already sorted);
- each term's posting list goes to Whoosh's block encoder in slices of its block size, not one posting at a time.

A pooled build (server/search/build_pool.py) adds documents analysed in worker processes instead, and has the
workers encode each complete posting block (``take_full_blocks``, ``set_encoded``; the encoding is in postblocks.py).
Fields whose analyzer is neither of ours go through Whoosh's own ``field.index``. The output is byte-for-byte what
``SegmentWriter.add_document`` + ``commit`` write; tests/search/test_segment_writer.py compares the two.
"""

from __future__ import annotations

from array import array
from operator import itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, _lenfield
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from server.search.field_analysis import FieldAnalysis
from server.search.postblocks import encode_block

ANALYSIS_CACHE_CHARS = 16 * 1024 * 1024  # repeated texts kept for reuse, in characters (10x our corpus)
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_PACKED_FREQS = [pack_uint(f) for f in range(4096)]  # Frequency values: the term's count in the field, packed


class FastSegmentWriter(SegmentWriter):
    """``SegmentWriter`` for a fresh index written in one go (see the module docstring). ``add_document`` returns,
    for each indexed field, the set of terms the document was indexed under."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        if self.docnum != 0 or self.segments:
            raise ValueError("the fast segment writer only writes a fresh, empty index")
        self._analysis = FieldAnalysis(self.schema)
        self._kinds = self._analysis.kinds
        # field -> term -> [docnums, freqs or positions lists]; whoosh-analyzed fields: term bytes -> [docnums,
        # weights, values]; documents added pre-analysed (add_analysed_chunk): [docnums, freqs or counts(,
        # encoded positions)] as arrays
        self._inverted: dict[str, dict] = {}
        self._lengths: dict[str, array] = {}  # field -> per-docnum length as the length column rounds it
        # field -> text -> (length, items, terms) for texts met more than once (every section of a doc repeats its
        # doc's doc_terms; copied docs repeat every field): analyzed twice at most. Texts met once are remembered by
        # hash only, so a corpus without repeats does not keep its analyses twice.
        self._analyses: dict[str, dict[str, tuple]] = {}
        self._seen_hashes: set[int] = set()
        self._analysed_chars = 0
        self._length_columns: dict[str, object] = {}  # field -> its length column's writer
        self._encoded: dict[str, dict[str, list]] = {}  # field -> term -> its first blocks, encoded early
        self._taken: dict[str, dict[str, int]] = {}  # field -> term -> how many of its blocks were taken to encode

    def add_document(self, **fields) -> dict[str, set]:
        self._check_state()
        docnum = self.docnum
        pdw = self.perdocwriter
        schema = self.schema
        if "_boost" in fields or any(k.startswith("_") for k in fields):
            raise ValueError("the fast segment writer takes no boosts or custom stored values")
        self._check_fields(schema, fields)
        indexed_terms: dict[str, set] = {}
        pdw.start_doc(docnum)
        stored = pdw._storedfields
        try:
            for name in sorted(fields):
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if field.indexed:
                    length, terms = self._index(name, field, value, docnum)
                    indexed_terms[name] = terms
                    if length and field.scorable:  # only scorable fields keep a length
                        self._add_length(name, docnum, length)
                if field.stored:  # W3PerDocWriter.add_field's stored part
                    stored[name] = value
                if field.column_type:
                    pdw.add_column_value(name, field.column_type, field.to_column_value(value))
        except Exception:
            pdw.cancel_doc()
            raise
        pdw.finish_doc()
        self._added = True
        self.docnum += 1
        return indexed_terms

    def _index(self, name: str, field, value, docnum: int) -> tuple[int, set]:
        kind = self._kinds[name]
        inv = self._inverted.setdefault(name, {})
        if kind == "whoosh":
            length, terms = 0, set()
            for tbytes, freq, weight, vbytes in field.index(value):
                length += freq
                terms.add(tbytes.decode("utf-8"))
                entry = inv.get(tbytes)
                if entry is None:
                    entry = inv[tbytes] = ([], [], [])
                entry[0].append(docnum)
                entry[1].append(weight)
                entry[2].append(vbytes)
            return length, terms
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        analyses = self._analyses.get(name)
        if analyses is None:
            analyses = self._analyses[name] = {}
        cached = analyses.get(value)
        if cached is not None:
            # a text met before: its postings go straight onto the posting lists it was resolved to
            length, appends, terms = cached
            for add_id, add_value, v in appends:
                add_id(docnum)
                add_value(v)
            return length, terms
        length, items, terms = self._analyze_text(name, kind, value)
        seen = self._seen_hashes
        key = hash((name, value))
        keep = key in seen and self._analysed_chars < ANALYSIS_CACHE_CHARS
        seen.add(key)
        appends = []
        for term, v in items:
            entry = inv.get(term)
            if entry is None:
                entry = inv[term] = ([], [])
            ids, values = entry
            ids.append(docnum)
            values.append(v)
            if keep:
                appends.append((ids.append, values.append, v))
        if keep:
            analyses[value] = (length, appends, terms)
            self._analysed_chars += len(value)
        return length, terms

    def _analyze_text(self, name: str, kind: str, value: str) -> tuple[int, list, set]:
        return self._analysis.analyze(name, kind, value)

    def _add_length(self, name: str, docnum: int, length: int) -> None:
        """W3PerDocWriter.add_field's length part, with the column writer looked up once."""
        lengths = self._lengths.setdefault(name, array("I"))
        lengths.extend([0] * (docnum + 1 - len(lengths)))
        lbyte = length_to_byte(length)  # what the length column keeps, and Whoosh reads back
        lengths[docnum] = byte_to_length(lbyte) if lbyte else 0
        column = self._length_columns.get(name)
        if column is None:
            pdw = self.perdocwriter
            pdw.add_column_value(_lenfield(name), LENGTHS_COLUMN, lbyte)
            self._length_columns[name] = pdw._colwriters[_lenfield(name)]
        else:
            column.add(docnum, lbyte)
        self.perdocwriter._fieldlengths[name] += length

    # commit() -> _finalize_segment() -> _flush_segment(): the postings are written here instead of from the pool

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        fw = self.fieldwriter
        for name in sorted(self._inverted):
            inv = self._inverted[name]
            if not inv:
                continue
            field = self.schema[name]
            kind = self._kinds[name]
            lengths = self._lengths.get(name, array("I"))
            lengths.extend([0] * (self.docnum - len(lengths)))
            fw.start_field(name, field)
            if kind == "whoosh":
                for tbytes in sorted(inv):
                    ids, weights, values = inv[tbytes]
                    self._write_term(fw, tbytes, ids, array("f", weights), values, lengths)
            else:
                # str order is UTF-8 byte order, the order Whoosh's pool sorts terms in
                for term in sorted(inv):
                    ids, vs, *encoded = inv[term]
                    if encoded:  # pre-analysed: counts of positions, and the encoded positions
                        weights = array("f", vs)
                        values = encoded[0]
                    elif kind == "prose-positions":
                        weights = array("f", map(_FIRST, vs))
                        values = list(map(_SECOND, vs))
                    else:
                        weights = array("f", vs)
                        values = (list(map(_PACKED_FREQS.__getitem__, vs)) if max(vs) < len(_PACKED_FREQS)
                                  else list(map(pack_uint, vs)))
                    self._write_term(fw, term.encode("utf-8"), ids, weights, values, lengths,
                                     self._encoded.get(name, {}).get(term, ()))
            fw.finish_field()
        fw.close()

    def _write_term(self, fw, tbytes: bytes, ids: list[int], weights: array, values: list[bytes],
                    lengths: array, done: list = ()) -> None:
        """One posting list in Whoosh's block format: what ``FieldWriter.start_term``, ``add`` per posting and
        ``finish_term`` write, with each block's statistics taken over slices instead of posting by posting.
        ``done``: the first blocks, already encoded (``encode_full_blocks``)."""
        fw.start_term(tbytes)
        pw = fw._postwriter
        terminfo = pw._terminfo
        limit = pw._blocklimit
        n = len(ids)
        blocks = list(done)
        for start in range(len(done) * limit, n, limit):
            end = min(n, start + limit)
            blocks.append(encode_block(pw._format.fixed_value_size(), pw._compression, ids[start:end],
                                        weights[start:end], values[start:end], lengths))
        postfile = pw._postfile
        for i, (stats, payload) in enumerate(blocks):
            pw._ids, pw._weights, pw._minlength, pw._maxlength, pw._maxweight = stats
            terminfo.add_block(pw)
            # W3PostingsWriter._write_block's output: the length (negative for the term's last block), then the
            # block's info and data
            if not pw._blockcount:
                postfile.write(WHOOSH3_HEADER_MAGIC)
            postfile.write_int(-len(payload) if i == len(blocks) - 1 else len(payload))
            postfile.write(payload)
            pw._blockcount += 1
        # FieldWriter.finish_term, minus the last block finish_postings would write (written above)
        terminfo.set_extent(pw._startoffset, pw._postfile.tell() - pw._startoffset)
        pw._terminfo = None
        fw._tindex.add(pack_ushort(fw._fieldid) + fw._btext, terminfo.to_bytes())

    def take_full_blocks(self, name: str, terms) -> tuple[list, list]:
        """The complete blocks (``blocklimit`` postings) of ``terms``' posting lists in field ``name`` not yet
        taken: their bytes depend only on their own postings and those documents' lengths, which are final. Returns
        each block's key for ``set_encoded`` and its job for ``encode_blocks`` (a pooled build has its workers
        encode them while it merges, leaving the flush little more than each term's last block). Only for postings
        added pre-analysed (``add_analysed_chunk``)."""
        kind, field = self._kinds[name], self.schema[name]
        limit, comp = self.codec._blocklimit, self.codec._compression
        fixed = field.format.fixed_value_size()
        inverted = self._inverted[name]
        lengths = self._lengths.setdefault(name, array("I"))
        lengths.extend([0] * (self.docnum - len(lengths)))
        taken = self._taken.setdefault(name, {})
        keys, jobs = [], []
        for term in terms:
            ids, counts, *positions = inverted[term]
            start = taken.get(term, 0) * limit
            while len(ids) - start >= limit:
                end = start + limit
                block_ids, vs = ids[start:end], counts[start:end]
                values = positions[0][start:end] if kind == "prose-positions" else \
                    list(map(_PACKED_FREQS.__getitem__, vs)) if max(vs) < len(_PACKED_FREQS) else list(map(pack_uint, vs))
                keys.append((name, term, block_ids, vs))
                jobs.append((fixed, comp, block_ids, vs, values, array("I", map(lengths.__getitem__, block_ids))))
                start = end
            taken[term] = start // limit
        return keys, jobs

    def set_encoded(self, keys: list, encoded: list) -> None:
        """The results of ``encode_blocks`` for blocks ``take_full_blocks`` gave, in the order it gave them."""
        for (name, term, block_ids, counts), (shortest, longest, maxweight, payload) in zip(keys, encoded):
            stats = (block_ids, array("f", counts), shortest, longest, maxweight)
            self._encoded.setdefault(name, {}).setdefault(term, []).append((stats, payload))
