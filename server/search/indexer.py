"""Turn corpus sections into Whoosh documents."""

from __future__ import annotations

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


def section_fields(corpus: Corpus, section: Section) -> dict:
    doc = corpus.docs[section.doc_id]
    heading = " ".join([*section.path]) if section.level > 1 else f"{doc.title} overview"
    return {
        "id": section.id,
        "topic": section.doc_id,
        "heading": heading,
        "doc_terms": " ".join([doc.title, *doc.keywords]),
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
