"""The Whoosh schema: one index document per corpus section.

Field boosts are applied at query time (see ``server.search.query.FIELD_WEIGHTS``) so they can be tuned against the
retrieval benchmark without a rebuild; the schema only decides how each field is analyzed. Bump
``SCHEMA_VERSION`` whenever a field or an analyzer changes: the manifest records it, so old indexes are rebuilt.
"""

from __future__ import annotations

from whoosh.fields import STORED, TEXT, Schema

from server.search.analysis import code_analyzer, prose_analyzer

SCHEMA_VERSION = 13  # 11: stems.json, headings.txt, dfs.json; 12: levels.bin, vocab.json "english"; 13: asks


def build_schema() -> Schema:
    prose = prose_analyzer()
    return Schema(
        # "<doc-id>#<slug>", the key read_docs takes, and the doc id. Stored, not indexed: nothing searches them
        # (the `topic` filter reads each document's topic from docs.json), and indexing a unique id per section
        # wrote a term and a posting block per section, a fifth of a build's cost.
        id=STORED,
        topic=STORED,
        # The heading path ("Transactions > transactionSync()"): the strongest signal of what a section is about.
        heading=TEXT(analyzer=prose, stored=True, phrase=False),
        # The doc's title and front-matter keywords, shared by all its sections: a weak topical prior that breaks
        # ties in favour of the right document.
        doc_terms=TEXT(analyzer=prose, phrase=False),
        # The section's prose without its heading (code included), stemmed: "retries" meets "retry". A '##' with
        # no text of its own carries its subsections' text instead, so it is still findable. Stored: snippets.
        body=TEXT(analyzer=prose, stored=True),
        # Identifiers from inline code, fenced code and the heading, split by the code analyzer so that
        # transactionSync, transactionsync and "transaction sync" all match.
        code=TEXT(analyzer=code_analyzer(), phrase=False),
        # Questions the section answers, as agents word them (references/asks/, server/search/asks.py): the bridge
        # from an agent's words to the reference's. Searched, never shown.
        asks=TEXT(analyzer=prose, phrase=False),
        # Section nesting level (1 overview, 2 '##', 3 '###'); kept for debugging rankings, not searched.
        level=STORED,
        # What a search result shows, stored so that answering a search never needs the Markdown files parsed:
        # the doc title, the heading path, and the section's full Markdown (for include_text).
        title=STORED,
        path=STORED,
        markdown=STORED,
    )
