"""Pydantic models for every tool result. The MCP adapter publishes them as output schemas; the CLI prints them
as JSON with ``--json``. Field names are the contract in DESIGN.md: change them only with the contract."""

from __future__ import annotations

from pydantic import BaseModel, Field

# ---------------------------------------------------------------------------------------------------------------
# search_docs / read_docs / list_docs


class SearchHit(BaseModel):
    id: str = Field(description="Section id '<doc-id>#<slug>'; pass it to read_docs for the full text.")
    uri: str = Field(description="Resource URI do-docs://<doc-id>#<slug>.")
    title: str = Field(description="Title of the reference document.")
    section: str = Field(description="Heading path of the section inside the document, e.g. 'Transactions > transactionSync()'.")
    topic: str = Field(description="Doc id (topic) the section belongs to.")
    score: float = Field(description="Relevance score; only meaningful relative to other hits of the same query.")
    snippet: str = Field(description="Short excerpt around the matched terms.")


class SearchResult(BaseModel):
    query: str
    total: int = Field(description="Number of matching sections (results holds at most `limit` of them).")
    suggestion: str | None = Field(default=None, description="Did-you-mean query when nothing or little matched.")
    results: list[SearchHit]


class DocSection(BaseModel):
    id: str
    uri: str
    title: str = Field(description="Section heading path (or the document title for a whole document).")
    topic: str
    markdown: str = Field(description="Full Markdown of the section or document.")
    sources: list[str] = Field(description="URLs of the primary sources the reference is based on.")


class ReadResult(BaseModel):
    sections: list[DocSection]
    missing: list[str] = Field(description="Requested ids that do not exist; use list_docs or search_docs to find valid ids.")


class SectionRef(BaseModel):
    id: str
    title: str


class DocInfo(BaseModel):
    id: str
    title: str
    summary: str
    sections: list[SectionRef]


class DocList(BaseModel):
    docs: list[DocInfo]


# ---------------------------------------------------------------------------------------------------------------
# review_code / list_rules / explain_rule  (owned by server.review)

# ---------------------------------------------------------------------------------------------------------------
# list_templates / scaffold_project / scaffold_class  (owned by server.scaffold)
