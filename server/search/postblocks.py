"""Whoosh 3 posting blocks encoded from slices: the bytes ``W3PostingsWriter._write_block`` writes, without its
per-posting generators. Used by the fast segment writer (server/search/segment.py) and, for a pooled build, in the
worker processes (server/search/build_pool.py)."""

from __future__ import annotations

import zlib
from array import array
from operator import sub
from pickle import dumps

from whoosh.util.numeric import length_to_byte


def _distinct_objects(values: list[bytes]) -> tuple[bytes, ...]:
    """``values`` as distinct objects. Whoosh pickles a block's values as a tuple, and pickle writes an object it has
    seen before as a back-reference; Whoosh's own writer never repeats an object, so neither may this one (equal
    values that are distinct objects are written in full, as Whoosh does). When any object repeats, all are copied:
    one pass in C, cheaper than finding the repeats in Python."""
    if len(set(map(id, values))) == len(values):
        return tuple(values)
    return tuple(map(bytes, map(memoryview, values)))  # new objects (bytes(v) and v[:] would return v itself)


def encode_blocks(jobs: list) -> list[tuple]:
    """Blocks ``FastSegmentWriter.take_full_blocks`` took, encoded: (shortest, longest, highest weight, bytes)."""
    out = []
    for fixed, comp, ids, counts, values, block_lengths in jobs:
        (_, _, shortest, longest, maxweight), payload = encode_block(fixed, comp, ids, array("f", counts), values,
                                                                      block_lengths, ids_lengths=True)
        out.append((shortest, longest, maxweight, payload))
    return out


def encode_block(fixed: int | None, comp: int, ids, weights: array, values: list[bytes], lengths: array,
                  ids_lengths: bool = False) -> tuple:
    """One block as W3PostingsWriter._write_block encodes it: (its statistics for the term info: ids, weights,
    shortest and longest document, highest weight; its info and data bytes), without the per-posting generators
    (delta encoding, the all-weights-equal checks). ``fixed``: the format's fixed value size. ``lengths``: every
    document's length, or (``ids_lengths``) those of ``ids`` only."""
    values = list(filter(None, values))  # add_posting keeps only non-empty values
    # the lengths Whoosh's add_postings reads back from the length column (0: none, which add_posting skips)
    block_lengths = list(lengths) if ids_lengths else list(map(lengths.__getitem__, ids))
    shortest = min(block_lengths)
    if not shortest:
        shortest = min((x for x in block_lengths if x), default=None)
    longest = max(block_lengths)
    maxweight = max(0, max(weights))
    deltas = (ids[0], *map(sub, ids[1:], ids))
    if weights.count(1.0) == len(weights):
        mini_weights = None
    elif weights.count(weights[0]) == len(weights):
        mini_weights = weights[0]
    else:
        mini_weights = tuple(weights)
    if fixed is None or fixed < 0:
        mini_values = _distinct_objects(values)
    elif fixed == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    databytes = dumps((deltas, mini_weights, mini_values), 2)
    if comp:
        databytes = zlib.compress(databytes, comp)
    infobytes = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(shortest), length_to_byte(longest)), 2)
    return (ids, weights, shortest, longest, maxweight), infobytes + databytes
