"""Turn corpus sections into Whoosh documents."""

from __future__ import annotations

from server.search.analysis import IDENT_RE, identifier_parts
from server.search.corpus import Corpus, Section
from server.search.text import markdown_to_text


MIN_OWN_TEXT = 80  # a '##' whose text is only its heading is searched (and snippeted) through its subsections


def section_text(section: Section) -> str:
    """The section's prose without its heading line: what snippets are cut from."""
    own = section.own_markdown
    if section.level > 1:
        own = own.split("\n", 1)[1] if "\n" in own else ""
    if len(own.strip()) < MIN_OWN_TEXT and section.children:
        own = section.markdown.split("\n", 1)[1] if "\n" in section.markdown else own
    return markdown_to_text(own)


def with_identifier_words(text: str) -> str:
    """Append the plain-word parts of identifiers, so a heading "raw() and columnNames" also says "column names"
    and gets the heading boost for a question that uses those words."""
    extra = []
    for m in IDENT_RE.finditer(text):
        parts = [p for p in identifier_parts(m.group(0)) if "." not in p]
        if len(parts) > 1:
            extra.extend(parts[1:])
    return f"{text} {' '.join(extra)}" if extra else text


def section_fields(corpus: Corpus, section: Section) -> dict:
    doc = corpus.docs[section.doc_id]
    heading = " ".join([*section.path]) if section.level > 1 else f"{doc.title} overview"
    return {
        "id": section.id,
        "topic": section.doc_id,
        "heading": with_identifier_words(heading),
        "doc_terms": with_identifier_words(" ".join([doc.title, *doc.keywords])),
        "body": section_text(section),
        "code": " ".join([*section.code, section.heading]),  # parents with no text of their own keep only theirs
        "level": section.level,
    }


def write_sections(ix, corpus: Corpus) -> None:
    writer = ix.writer()
    try:
        for section in corpus.sections.values():
            writer.add_document(**section_fields(corpus, section))
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
