"""How much a query word can say about a question, judged by how common the word is in everyday English.

The corpus's own statistics weigh each word of a question by its IDF over sections. That works for the words the
reference uses, but a sentence brings words the reference rarely or never uses only because they are everyday
English: "particular", "wrote", "blows up", "trade-off". To IDF they look like the rarest, most telling words of
the question, so a section that answers its real subject ("rows read and written") seemed to cover a third of it
and was judged "not covered". Scaling each word by its everyday-English frequency fixes that without a word list of
our own: a word English uses all the time ("find", "high", "out") says little about which section answers, while a
rare one ("hibernation", "backoff", "transactionSync") says much.

Frequencies come from ``wordfreq`` (Zipf scale: log10 of uses per billion words). The build stores the words common
enough to matter with the index (vocab.json, ``english``), so a query reads a dict and never imports wordfreq.
"""

from __future__ import annotations

import math
import re

RARE_ZIPF = 4.0  # at or below: a specific word, full weight ("alarm" 4.3 is near it, "backoff" far below)
COMMON_ZIPF = 6.0  # at or above: everyday English ("out", "find"), the floor weight
FLOOR = 0.15  # an everyday word still counts a little: it may be the one the asker meant
_CODE_LIKE = re.compile(r"[a-z0-9][A-Z]|[_$]|\d")


def english_table() -> dict[str, float]:
    """Zipf frequency of every English word common enough to lose weight (above ``RARE_ZIPF``); a build-time step."""
    from wordfreq import get_frequency_dict  # late: ~0.1 s of imports, needed only when an index is built

    table = {}
    for word, freq in get_frequency_dict("en", wordlist="small").items():
        zipf = math.log10(freq) + 9  # the Zipf scale: uses per billion words
        if zipf > RARE_ZIPF and word.isalpha():
            table[word] = round(zipf, 2)
    return table


def specificity(word: str, english: dict[str, float]) -> float:
    """FLOOR..1: 1 for a word English rarely uses or for a code name, falling linearly to FLOOR for everyday words.
    A dotted name is judged by its last part: ``storage.put`` is as specific as the method it names."""
    last = word.rsplit(".", 1)[-1]
    if _CODE_LIKE.search(last):
        return 1.0
    zipf = english.get(last.lower())
    if zipf is None:
        return 1.0
    return max(FLOOR, min(1.0, (COMMON_ZIPF - zipf) / (COMMON_ZIPF - RARE_ZIPF)))
