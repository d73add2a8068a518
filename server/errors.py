"""One error hierarchy for the whole core.

    DoExpertError                 base: every error has a stable ``code``, a message and a ``hint``
    ├── InvalidInputError         the caller's input is malformed or out of range (bad query, limit, id, name)
    ├── NotFoundError             a named thing does not exist (doc id, rule id, template id)
    ├── CorpusError               the reference corpus is unreadable or malformed (front matter, duplicate ids)
    ├── IndexError_               the search index cannot be built, opened or read
    ├── ReviewError               the review engine could not review the given files (too many, too large)
    └── ScaffoldError             a project or class cannot be generated or written (target exists, unsafe path)

Adapters turn these into an MCP tool error (``isError`` with message and hint, never a traceback) or a CLI exit
code with the message on stderr. Anything else escaping the core is a bug.
"""

from __future__ import annotations

from typing import Any


class DoExpertError(Exception):
    """Base class. ``code`` is stable (clients may branch on it); ``hint`` says what to do next."""

    code = "do_expert_error"
    exit_code = 2

    def __init__(self, message: str, *, hint: str = "", **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.context = context

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "hint": self.hint, **self.context}


class InvalidInputError(DoExpertError):
    code = "invalid_input"


class NotFoundError(DoExpertError):
    code = "not_found"


class CorpusError(DoExpertError):
    code = "corpus_error"


class IndexError_(DoExpertError):  # trailing underscore: do not shadow the builtin IndexError
    code = "index_error"


class ReviewError(DoExpertError):
    code = "review_error"


class ScaffoldError(DoExpertError):
    code = "scaffold_error"


__all__ = [
    "DoExpertError",
    "InvalidInputError",
    "NotFoundError",
    "CorpusError",
    "IndexError_",
    "ReviewError",
    "ScaffoldError",
]
