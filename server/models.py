"""Pydantic models for every tool result. The MCP adapter publishes them as output schemas; the CLI prints them
as JSON with ``--json``. Field names are the contract in DESIGN.md: change them only with the contract."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# ---------------------------------------------------------------------------------------------------------------
# search_docs / read_docs / list_docs


class SearchHit(BaseModel):
    id: str = Field(description="Section id '<doc-id>#<slug>' for read_docs.")
    uri: str = Field(description="Resource URI (resources/read).")
    title: str = Field(description="Document title.")
    section: str = Field(description="Heading path.")
    topic: str = Field(description="Doc id.")
    source: str = "bundled"
    verified: bool = True
    fetched: str | None = None
    relevance: float = Field(default=0.0, ge=0, le=1, description="0..1, comparable across queries.")
    score: float = Field(description="Ranking score within this query.")
    snippet: str
    text: str | None = Field(default=None, description="Full Markdown, with include_text.")


class SearchResult(BaseModel):
    query: str
    total: int = Field(description="Matching sections (a lower bound when there are many).")
    covered: bool = Field(default=True, description="False: the reference has no good answer.")
    note: str | None = None
    suggestion: str | None = Field(default=None, description="Respelled query to retry.")
    results: list[SearchHit]


class DocSection(BaseModel):
    id: str
    uri: str
    title: str
    topic: str
    source: str = "bundled"
    verified: bool = True
    fetched: str | None = None
    markdown: str
    truncated: bool = Field(default=False, description="Cut to fit max_chars.")
    sources: list[str] = Field(description="URLs of the primary sources of this section's own facts (a whole "
                               "document lists all of its sources).")
    last_verified: str | None = Field(description="Date (YYYY-MM-DD) the facts were last checked.")


class MissingId(BaseModel):
    id: str
    did_you_mean: list[str] = Field(default_factory=list)


class ReadResult(BaseModel):
    sections: list[DocSection]
    missing: list[MissingId]


class SectionRef(BaseModel):
    id: str
    title: str


class DocInfo(BaseModel):
    id: str
    title: str
    summary: str
    source: str = "bundled"
    sections: list[SectionRef] | None = None


class DocList(BaseModel):
    docs: list[DocInfo]
    note: str | None = None  # the other sources searched beside these docs


class SourceInfo(BaseModel):
    """One searched source. ``name`` is what search_docs and list_docs take as ``source``; ``location`` is the folder
    or the synced docs' index URL; ``skipped`` counts files left out (binary, too large, unreadable, symlink loops);
    ``problem`` says why the source cannot be searched now. Output-schema descriptions are left out on purpose: every
    byte of tools/list is read by the model (budget 15 KB), and the tool's docstring explains the fields."""
    name: str
    kind: Literal["bundled", "local", "synced"]
    verified: bool
    location: str
    docs: int = 0
    sections: int = 0
    indexed_at: str | None = None
    fetched_at: str | None = None
    skipped: int = 0
    problem: str | None = None


class SourceList(BaseModel):
    sources: list[SourceInfo]


# ---------------------------------------------------------------------------------------------------------------
# review_code / list_rules / explain_rule  (owned by server.review)


Severity = Literal["error", "warning", "info"]
Confidence = Literal["high", "medium", "low"]


class ReviewFile(BaseModel):
    path: str = Field(description="Project-relative, e.g. 'src/index.ts'.")
    content: str = Field(description="Full text.")


class TextEdit(BaseModel):
    """Replace the text from (line, column) up to, not including, (end_line, end_column) with ``text``. 1-based
    lines and character columns, as findings report them; start == end is an insertion. Frozen, so rules can keep
    edits in hashable hits and identical edits can be counted once."""
    model_config = ConfigDict(frozen=True)

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str


class Finding(BaseModel):
    rule: str = Field(description="Rule id, e.g. 'do-sql-interpolation'; explain_rule gives the why and a good example.")
    severity: Severity
    path: str = Field(description="Path of the file as given.")
    line: int = Field(description="1-based line.")
    column: int = Field(description="1-based column.")
    end_line: int
    end_column: int
    message: str = Field(description="What is wrong at this place.")
    fix: str = Field(description="How to fix it.")
    docs: list[str] = Field(description="Reference doc or section ids; pass them to read_docs.")
    confidence: Confidence = Field(default="high", description="How sure the rule is that this is a real problem: "
                                   "'low' when it cannot see whether data or traffic is bounded (the message then says "
                                   "what would make it real); like CodeQL's precision.")
    edits: list[TextEdit] = Field(default_factory=list, description="Edits that fix this finding, present only where "
                                  "the fix is mechanical; apply them together (non-overlapping), then review again.")
    fix_safety: Literal["safe", "unsafe"] | None = Field(default=None, description="'safe': the edits keep the "
                                  "intended behaviour (`review --fix` applies them); 'unsafe': they change behaviour "
                                  "or leave a stub to fill in, so read them first (`--unsafe-fixes`). None without edits.")


class ReviewSummary(BaseModel):
    error: int = 0
    warning: int = 0
    info: int = 0


class ReviewResult(BaseModel):
    clean: bool = Field(description="True when there is no error and no warning (info findings are advice only).")
    summary: ReviewSummary
    findings: list[Finding]
    another_pass: bool = Field(default=False, description="True when findings carry edits: after applying them, "
                               "review again (a fix can reveal or settle other findings).")


class RuleInfo(BaseModel):
    id: str
    severity: Severity
    summary: str
    fixable: bool = Field(default=False, description="Its findings can carry edits (review --fix applies them).")
    docs: list[str]


class RuleList(BaseModel):
    rules: list[RuleInfo]


class RuleExplanation(BaseModel):
    id: str
    severity: Severity
    summary: str
    why: str = Field(description="Why the pattern is wrong on Durable Objects.")
    bad: str = Field(description="Code that triggers the rule.")
    good: str = Field(description="The corrected code.")
    fix: str = Field(default="", description="How to fix a finding of this rule.")
    docs: list[str]


# ---------------------------------------------------------------------------------------------------------------
# list_templates / scaffold_project / scaffold_class  (owned by server.scaffold)


class TemplateInfo(BaseModel):
    id: str = Field(description="Template id; pass it to scaffold_project as `template`.")
    summary: str = Field(description="What the generated project does and which Durable Object patterns it shows.")
    features: list[str] = Field(description="Platform features the project uses and tests, e.g. 'alarms', 'websockets'.")


class TemplateList(BaseModel):
    templates: list[TemplateInfo]


class GeneratedFile(BaseModel):
    path: str = Field(description="POSIX path relative to the project root, e.g. 'src/index.ts'.")
    content: str = Field(description="Full text.")


class ScaffoldProjectResult(BaseModel):
    template: str = Field(description="The template id the project was generated from.")
    files: list[GeneratedFile] = Field(description="Every file of the project; write them under a new folder.")
    next_steps: list[str] = Field(description="Commands and edits to run after writing the files, in order.")


class ScaffoldClassResult(BaseModel):
    files: list[GeneratedFile] = Field(description="The class module and its test; write them into the project.")
    config_patch: str = Field(description="Text to merge into the project's wrangler config (jsonc or toml, in the "
                                          "project's style: exports or migrations).")
    next_steps: list[str] = Field(description="Edits and commands to finish adding the class, in order.")


# ------------------------------------------------------------------------------------------------------ upgrade
class AffectedLine(BaseModel):
    path: str
    line: int


class CrossedFlag(BaseModel):
    flag: str = Field(description="Compatibility flag that turns on between the old and the new date.")
    date: str = Field(description="The date it turns on by default.")
    what: str = Field(description="What changes for Durable Objects.")
    affected: list[AffectedLine] = Field(description="Code lines whose behaviour it changes (may be empty).")
    docs: list[str] = Field(default_factory=list, description="Reference section ids; pass them to read_docs.")


class UpgradeResult(BaseModel):
    edits: list[TextEdit] = Field(description="Edits that move the project to current practice; apply them all.")
    plan: list[str] = Field(description="What the edits do, what was left alone and why, and steps to do by hand.")
    crossed: list[CrossedFlag] = Field(description="Behaviour changes the compatibility date bump crosses.")
