"""Keep a fresh local copy of Cloudflare's published Durable Objects docs, in Markdown.

Cloudflare publishes an index (``llms.txt``) whose lines are Markdown links to every page's Markdown rendering
(``<page>/index.md``). ``sync_docs`` fetches the index, then each page with a conditional GET (ETag /
Last-Modified from the previous copy), and stores the result as a new version beside the previous one
(``pagestore``). A page that fails keeps its previous copy; a run that cannot finish (index unreachable, every page
failed, the total size cap hit, any exception) changes nothing: the last good copy stays current.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import httpx
from pydantic import BaseModel

from server.errors import SyncError
from server.sources.pagestore import (
    Manifest,
    SyncedCopy,
    SyncedPage,
    VersionWriter,
    current_copy,
    ensure_folder,
    exclusive_lock,
    prune,
    remove_leftovers,
    stored_path,
    utc_now,
)

DEFAULT_INDEX_URL = "https://developers.cloudflare.com/durable-objects/llms.txt"
MAX_BACKOFF = 8.0  # seconds: the longest wait between two attempts of our own choosing
MAX_RETRY_AFTER = 30.0  # seconds: a server asking for a longer pause gets no further attempt
_sleep = time.sleep  # one name for every wait, so tests can record the waits instead of sleeping


@dataclass(frozen=True)
class SyncLimits:
    timeout: float = 20.0  # seconds, per request (connect/read)
    retries: int = 3  # extra attempts after the first, for timeouts, connection errors, 5xx, 429
    backoff: float = 0.5  # seconds; attempt n waits backoff * 2**n (capped at 8 s); honour Retry-After <= 30 s
    max_page_bytes: int = 2 * 1024 * 1024
    max_total_bytes: int = 40 * 1024 * 1024
    max_pages: int = 1000
    max_redirects: int = 5


class SyncReport(BaseModel):
    index_url: str
    started_at: str
    finished_at: str  # ISO 8601 UTC
    version: str | None  # folder name of the copy now in place (None: nothing stored yet)
    pages: int  # pages listed by the index (after filtering and the cap)
    added: list[str]
    changed: list[str]
    unchanged: list[str]
    removed: list[str]  # stored relative paths
    failed: list[dict]  # [{"url", "reason"}]: pages that failed; their previous copy is kept
    bytes_downloaded: int
    over_cap: int = 0  # pages the index listed beyond SyncLimits.max_pages (not fetched)

    def summary_lines(self) -> list[str]:
        lines = [f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged, "
                 f"{len(self.removed)} removed, {len(self.failed)} failed"]
        if self.over_cap:
            lines.append(f"the index lists {self.over_cap} more pages beyond the cap of {self.pages}; they were skipped")
        lines += [f"failed: {item['url']}: {item['reason']}" for item in self.failed]
        return lines


__all__ = ["DEFAULT_INDEX_URL", "SyncLimits", "SyncReport", "SyncedPage", "SyncedCopy", "sync_docs", "current_copy"]


# ---------------------------------------------------------------------------------------------------------------
# Which links of the index are pages, and where each is stored

# Inline links [text](target "title") and <autolinks>; llms.txt uses the first, the second costs nothing. Every
# part is bounded and no part can run past a '[', so a hostile index ("[[[[...") costs linear time, not quadratic.
_LINK = re.compile(r"\[[^\[\]\n]{0,1000}\]\(\s{0,40}<?([^()<>\s]{1,2048})>?(?:\s{1,40}[^()\n]{0,1000})?\)"
                   r"|<(https?://[^<>\s]{1,2048})>")


@dataclass
class PagePlan:
    pages: list[tuple[str, str]] = field(default_factory=list)  # (stored path, URL), in index order
    unsafe: list[dict] = field(default_factory=list)  # {"url", "reason"} of in-scope links that cannot be stored
    over_cap: int = 0


def html_url_for(url: httpx.URL) -> str:
    page = str(url.copy_with(query=None, fragment=None))
    return page[: -len("index.md")] if page.endswith("/index.md") else page[: -len(".md")]


def plan_pages(index_text: str, index_url: str, max_pages: int) -> PagePlan:
    """Every link in scope (http(s), same host, under the index's folder, ending in ``.md``), first seen first."""
    base = httpx.URL(index_url)
    folder = base.raw_path.split(b"?")[0].rsplit(b"/", 1)[0] + b"/"  # percent-encoded, as links are compared
    decoded_folder = unquote(folder.decode("ascii"))  # as url.path gives it
    plan = PagePlan()
    seen_urls: set[str] = set()
    files: set[str] = set()
    folders: set[str] = set()
    for match in _LINK.finditer(index_text):
        try:
            url = base.join(match.group(1) or match.group(2)).copy_with(fragment=None)
        except (httpx.InvalidURL, ValueError):
            continue
        path = url.raw_path.split(b"?")[0]
        in_scope = (url.scheme in ("http", "https") and url.host == base.host and url.port == base.port
                    and path.startswith(folder) and path.endswith(b".md"))
        if not in_scope or str(url) in seen_urls:
            continue
        seen_urls.add(str(url))
        relative = url.path[len(decoded_folder):]
        rel = stored_path(relative)
        parents = {str(parent) for parent in PurePosixPath(rel).parents if str(parent) != "."} if rel else set()
        if rel is None or rel in folders or parents & files:
            reason = "its path cannot be stored safely (only letters, digits, '.', '_', '-' and '/'; no '..')"
            if rel is not None:
                reason = f"its stored path {rel!r} clashes with another page's folder or file"
            plan.unsafe.append({"url": str(url), "reason": reason})
            continue
        if rel in files:  # a/index.md and a.md both map to a.md: the first listed wins
            continue
        if len(plan.pages) >= max_pages:
            plan.over_cap += 1
            continue
        files.add(rel)
        folders |= parents
        plan.pages.append((rel, str(url)))
    return plan


# ---------------------------------------------------------------------------------------------------------------
# HTTP: one GET with caps, retried when the failure is passing


class _PageFailed(Exception):
    """This URL cannot be had this run; ``reason`` is for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Passing(_PageFailed):
    """A failure worth another attempt (timeouts, connection errors, truncated bodies, 5xx, 429)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _TotalCapHit(Exception):
    pass


@dataclass
class _Response:
    status: int  # 200 or 304
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when.tzinfo else None


def user_agent() -> str:
    try:
        version = metadata.version("do-expert")
    except metadata.PackageNotFoundError:
        version = "dev"
    return f"do-expert/{version} (docs sync)"


class _Fetcher:
    def __init__(self, client: httpx.Client, limits: SyncLimits) -> None:
        self.client = client
        self.limits = limits
        self.bytes_downloaded = 0

    def get(self, url: str, headers: dict[str, str]) -> _Response:
        """GET with retries; raises ``_PageFailed`` (with the last reason) when every attempt failed."""
        attempt = 0
        while True:
            try:
                return self._get_once(url, headers)
            except _Passing as exc:
                attempts = f"{attempt + 1} attempt{'s' if attempt else ''}"
                if attempt >= self.limits.retries:
                    raise _PageFailed(f"{exc.reason} ({attempts})") from None
                wait = min(self.limits.backoff * 2**attempt, MAX_BACKOFF)
                if exc.retry_after is not None:
                    if exc.retry_after > MAX_RETRY_AFTER:
                        raise _PageFailed(f"{exc.reason}; the server asked to wait {exc.retry_after:.0f} s "
                                          f"({attempts})") from None
                    wait = exc.retry_after
                _sleep(wait)
                attempt += 1

    def _get_once(self, url: str, headers: dict[str, str]) -> _Response:
        cap = self.limits.max_page_bytes
        # httpx's timeout bounds each read; this bounds a server that drips bytes just fast enough to never trip it
        deadline = time.monotonic() + self.limits.timeout * 10
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 304:
                    return _Response(304, etag=response.headers.get("etag"),
                                     last_modified=response.headers.get("last-modified"))
                if status == 429 or status >= 500:
                    raise _Passing(f"HTTP {status}", _retry_after_seconds(response.headers.get("retry-after")))
                if status != 200:
                    raise _PageFailed(f"HTTP {status}")
                declared = response.headers.get("content-length")
                declared_bytes = int(declared) if declared and declared.isdigit() else None
                if declared_bytes is not None and declared_bytes > cap and "content-encoding" not in response.headers:
                    raise _PageFailed(f"larger than the {cap:,}-byte page cap ({declared_bytes:,} bytes)")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    self._count(len(chunk))
                    if size > cap:
                        raise _PageFailed(f"larger than the {cap:,}-byte page cap")
                    if time.monotonic() > deadline:
                        raise _Passing(f"too slow: not complete after {self.limits.timeout * 10:.0f} s")
                    chunks.append(chunk)
                # Content-Length counts the bytes on the wire: decoded bytes unless a content-encoding applies
                received = response.num_bytes_downloaded if "content-encoding" in response.headers else size
                if declared_bytes is not None and received < declared_bytes:
                    raise _Passing(f"truncated body: {received:,} of {declared_bytes:,} bytes")
                return _Response(200, b"".join(chunks), response.headers.get("etag"),
                                 response.headers.get("last-modified"))
        except httpx.TooManyRedirects:
            raise _PageFailed(f"redirect loop or more than {self.limits.max_redirects} redirects") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _PageFailed(f"unusable URL or redirect target: {exc}") from None
        except httpx.TimeoutException:
            raise _Passing(f"timed out after {self.limits.timeout:g} s") from None
        except httpx.RemoteProtocolError as exc:
            raise _Passing(f"connection closed early: {exc}") from None
        except httpx.TransportError as exc:
            raise _Passing(f"connection error: {exc or type(exc).__name__}") from None
        except httpx.DecodingError as exc:
            raise _PageFailed(f"undecodable content encoding: {exc}") from None

    def _count(self, size: int) -> None:
        self.bytes_downloaded += size
        if self.bytes_downloaded > self.limits.max_total_bytes:
            raise _TotalCapHit()


def _make_client(limits: SyncLimits, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(limits.timeout),
        follow_redirects=True,
        max_redirects=limits.max_redirects,
        headers={"User-Agent": user_agent(), "Accept": "text/markdown, text/plain;q=0.9, */*;q=0.1"},
    )


# ---------------------------------------------------------------------------------------------------------------
# The run


def _kept_hint(previous: SyncedCopy | None, advice: str) -> str:
    if previous is None:
        return f"{advice}; nothing has been stored yet"
    return f"{advice}; the last good copy from {previous.synced_at} is still in place"


def _fetch_index(fetcher: _Fetcher, index_url: str, previous: SyncedCopy | None) -> str:
    advice = "check the network connection and the index URL, then run the sync again"
    try:
        response = fetcher.get(index_url, {})
        if response.status != 200:
            raise _PageFailed(f"HTTP {response.status} to an unconditional request")
        body = response.body
    except _PageFailed as exc:
        raise SyncError(f"cannot fetch the docs index {index_url}: {exc.reason}",
                        hint=_kept_hint(previous, advice)) from None
    except _TotalCapHit:
        raise SyncError(f"the docs index {index_url} is larger than the total cap",
                        hint=_kept_hint(previous, "raise max_total_bytes")) from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise SyncError(f"the docs index {index_url} is not UTF-8 text",
                        hint=_kept_hint(previous, "check the index URL")) from None


def _conditional_headers(rel: str, old: SyncedPage | None, previous: SyncedCopy | None) -> dict[str, str]:
    # only ask for a 304 when the previous file is really there to carry over
    if old is None or previous is None or not (previous.folder / old.path).is_file() or old.path != rel:
        return {}
    headers = {}
    if old.etag:
        headers["If-None-Match"] = old.etag
    if old.last_modified:
        headers["If-Modified-Since"] = old.last_modified
    return headers


def sync_docs(dest: Path, index_url: str = DEFAULT_INDEX_URL, *, limits: SyncLimits = SyncLimits(),
              transport: httpx.BaseTransport | None = None,
              progress: Callable[[int, int, str], None] | None = None) -> SyncReport:
    """Fetch the index and its pages into a new version under ``dest`` and make it current (see module doc)."""
    started_at = utc_now()
    try:
        parsed = httpx.URL(index_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise SyncError(f"the docs index URL {index_url!r} is not a valid URL: {exc}",
                        hint="give an http(s) URL such as " + DEFAULT_INDEX_URL) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise SyncError(f"the docs index URL {index_url!r} is not an http(s) URL",
                        hint="give an http(s) URL such as " + DEFAULT_INDEX_URL)
    dest = Path(dest).expanduser()
    ensure_folder(dest)
    with exclusive_lock(dest):
        remove_leftovers(dest)
        previous = current_copy(dest)
        with _make_client(limits, transport) as client:
            fetcher = _Fetcher(client, limits)
            plan = plan_pages(_fetch_index(fetcher, index_url, previous), index_url, limits.max_pages)
            if not plan.pages and not plan.unsafe:
                raise SyncError(f"the docs index {index_url} links to no Markdown page under its folder",
                                hint=_kept_hint(previous, "check that the URL is the Durable Objects llms.txt"))
            writer = VersionWriter(dest)
            try:
                report, pages = _fetch_pages(fetcher, writer, plan, previous, progress, started_at, index_url)
                report.version = writer.commit(Manifest(index_url=index_url, synced_at=started_at, pages=pages))
            except BaseException:
                writer.discard()
                raise
    prune(dest, {report.version} | ({previous.version} if previous else set()))
    report.finished_at = utc_now()
    return report


def _fetch_pages(fetcher: _Fetcher, writer: VersionWriter, plan: PagePlan, previous: SyncedCopy | None,
                 progress: Callable[[int, int, str], None] | None, started_at: str,
                 index_url: str) -> tuple[SyncReport, dict[str, SyncedPage]]:
    old_pages = previous.pages if previous else {}
    report = SyncReport(index_url=index_url, started_at=started_at, finished_at=started_at,
                        version=previous.version if previous else None, pages=len(plan.pages), added=[],
                        changed=[], unchanged=[], removed=sorted(set(old_pages) - {rel for rel, _ in plan.pages}),
                        failed=list(plan.unsafe), bytes_downloaded=0, over_cap=plan.over_cap)
    pages: dict[str, SyncedPage] = {}
    total = len(plan.pages)
    for done, (rel, url) in enumerate(plan.pages, start=1):
        old = old_pages.get(rel)
        try:
            response = fetcher.get(url, _conditional_headers(rel, old, previous))
            if response.status == 304:
                if old is None or previous is None:  # we sent no validators, so a 304 says nothing usable
                    raise _PageFailed("HTTP 304 to an unconditional request")
                writer.carry_over(rel, previous.folder / rel)
                pages[rel] = old.model_copy(update={"etag": response.etag or old.etag,
                                                    "last_modified": response.last_modified or old.last_modified})
                report.unchanged.append(rel)
            else:
                try:
                    response.body.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise _PageFailed(f"not UTF-8 text (byte {exc.start})") from None
                digest = hashlib.sha256(response.body).hexdigest()
                writer.write_page(rel, response.body)
                pages[rel] = SyncedPage(path=rel, url=url, html_url=html_url_for(httpx.URL(url)),
                                        etag=response.etag, last_modified=response.last_modified,
                                        fetched_at=utc_now(), sha256=digest, bytes=len(response.body))
                (report.added if old is None else report.unchanged if old.sha256 == digest
                 else report.changed).append(rel)
        except _PageFailed as exc:
            report.failed.append({"url": url, "reason": exc.reason})
            if old is not None and previous is not None and (previous.folder / rel).is_file():
                writer.carry_over(rel, previous.folder / rel)  # a failed page keeps its previous copy
                pages[rel] = old
        except _TotalCapHit:
            report.bytes_downloaded = fetcher.bytes_downloaded
            raise SyncError(
                f"the docs are larger than the total cap of {fetcher.limits.max_total_bytes:,} bytes "
                f"(reached while fetching {url})",
                hint=_kept_hint(previous, "raise max_total_bytes if the docs really grew")) from None
        if progress is not None:
            progress(done, total, url)
    report.bytes_downloaded = fetcher.bytes_downloaded
    if not report.added and not report.changed and not report.unchanged:
        first = "; ".join(f"{item['url']}: {item['reason']}" for item in report.failed[:3])
        raise SyncError(f"every page of the docs index failed ({len(report.failed)}), e.g. {first}",
                        hint=_kept_hint(previous, "check the network connection, then run the sync again"))
    return report, pages
