"""One error hierarchy for the whole core.

    DoExpertError                 base: every error has a stable ``code``, a message and a ``hint``
    ├── InvalidInputError         the caller's input is malformed or out of range (bad query, limit, id, name)
    ├── NotFoundError             a named thing does not exist (doc id, rule id, template id)
    ├── CorpusError               the reference corpus is unreadable or malformed (front matter, duplicate ids)
    ├── IndexError_               the search index cannot be built, opened or read
    ├── ReviewError               the review engine could not review the given files (too many, too large)
    ├── ScaffoldError             a project or class cannot be generated or written (target exists, unsafe path)
    ├── SourceError               a user's doc source or the sources config is unusable (missing folder, bad TOML)
    ├── SyncError                 fetching Cloudflare's published docs failed (offline, HTTP error, too large)
    └── FilesystemError           the disk said no: permission, read-only, full, symlink loop, not a folder

``filesystem_error(exc, doing, path)`` turns an ``OSError`` into a ``FilesystemError`` with a one-line message and a
hint chosen by errno, so no command ever shows a traceback for a disk problem.

Adapters turn these into an MCP tool error (``isError`` with message and hint, never a traceback) or a CLI exit
code with the message on stderr. Anything else escaping the core is a bug.
"""

from __future__ import annotations

import errno
from typing import Any


def error_text(message: str, hint: str, code: str) -> str:
    """The text of an MCP tool error: the message, the hint on its own line, then the stable code."""
    return f"{message}\nHint: {hint}\n(code: {code})" if hint else f"{message}\n(code: {code})"


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

    def __reduce__(self):  # keep hint and context across a process boundary (reviews run in worker processes)
        return _rebuild, (type(self), self.message, self.hint, self.context)


def _rebuild(cls: type, message: str, hint: str, context: dict) -> "DoExpertError":
    return cls(message, hint=hint, **context)


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


class SourceError(DoExpertError):
    code = "source_error"


class SyncError(DoExpertError):
    code = "sync_error"


class FilesystemError(DoExpertError):
    code = "filesystem_error"


_ERRNO_HINTS = {
    errno.EACCES: "permission denied: check the folder's owner and permissions, or choose another folder",
    errno.EPERM: "operation not permitted here: choose another folder",
    errno.EROFS: "the file system is read-only: choose a writable folder",
    errno.ENOSPC: "the disk is full: free some space and run the command again",
    errno.EDQUOT: "the disk quota is exhausted: free some space and run the command again",
    errno.ENOTDIR: "a part of the path is a file, not a folder: choose another path",
    errno.EISDIR: "a folder is in the way where a file should go",
    errno.ELOOP: "the path runs through a symlink loop: fix or remove the symlink",
    errno.ENOENT: "a parent folder does not exist: create it first or choose another path",
    errno.ENAMETOOLONG: "the path is too long: choose a shorter one",
    errno.EEXIST: "something already exists at that path",
}


def filesystem_error(exc: OSError, doing: str, path: object) -> FilesystemError:
    reason = exc.strerror or type(exc).__name__
    hint = _ERRNO_HINTS.get(exc.errno or 0, "check the path and the disk, then run the command again")
    return FilesystemError(f"cannot {doing} {clip(str(path), 120)}: {reason}", hint=hint, errno=exc.errno)


ECHO_CHARS = 60  # how much of a caller's value an error message repeats


def clip(value: object, limit: int = ECHO_CHARS) -> str:
    """A short, printable rendering of caller input for error messages: a prefix and the full length, never the
    whole value (a 5 MB rule name must not come back as a 5 MB error)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


__all__ = [
    "clip",
    "DoExpertError",
    "InvalidInputError",
    "NotFoundError",
    "CorpusError",
    "IndexError_",
    "ReviewError",
    "ScaffoldError",
    "SourceError",
    "SyncError",
    "FilesystemError",
    "filesystem_error",
]
