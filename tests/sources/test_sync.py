"""``do-expert sources sync`` core: fetching the published DO docs (index + Markdown pages) into atomic versions.

Every test runs against a real HTTP server on 127.0.0.1 (``http_fixture``); the pages are short invented
Markdown, not Cloudflare's text. Waits between attempts are zero or recorded instead of slept, and the one timeout
test uses a 1 s client timeout against a handler that never answers, so nothing here depends on timing."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest
from http_fixture import Reply, docs_server, refused_port

from server.errors import SyncError
from server.sources import sync
from server.sources.pagestore import current_copy
from server.sources.sync import SyncLimits, plan_pages, stored_path, sync_docs

FAST = SyncLimits(timeout=5.0, retries=2, backoff=0.0)
INDEX = "/durable-objects/llms.txt"
ALARMS = "/durable-objects/api/alarms/index.md"
STORAGE = "/durable-objects/api/sqlite-storage/index.md"
ROOT = "/durable-objects/index.md"
LAST_MODIFIED = "Mon, 02 Nov 2026 10:00:00 GMT"


def page(title: str, text: str = "") -> str:
    """A small invented DO-ish page in the shape Cloudflare publishes: YAML front matter, then Markdown."""
    return (f"---\ntitle: {title}\ndescription: Notes about {title.lower()} for the tests.\n---\n\n"
            f"# {title}\n\n{text or 'A Durable Object keeps its state in its own SQLite database.'}\n")


def index(*targets: str) -> str:
    lines = ["# Durable Objects", "", "> Invented index for the sync tests.", "", "## Pages", ""]
    lines += [f"- [Page {number}]({target}): about page {number}" for number, target in enumerate(targets)]
    return "\n".join(lines) + "\n"


@pytest.fixture
def server():
    with docs_server() as docs:
        yield docs


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "synced"


def serve_three(server, **options) -> None:
    server.set_page(INDEX, index(ALARMS, "api/sqlite-storage/index.md", ROOT))  # absolute, relative, absolute
    server.set_page(ALARMS, page("Alarms", "Set one alarm per object with setAlarm."), etag='"a1"',
                    last_modified=LAST_MODIFIED, **options)
    server.set_page(STORAGE, page("SQLite storage"), etag='"s1"', last_modified=LAST_MODIFIED)
    server.set_page(ROOT, page("Overview"), etag='"r1"')


def run(server, dest: Path, limits: SyncLimits = FAST, **kwargs):
    return sync_docs(dest, server.url(INDEX), limits=limits, **kwargs)


def current_name(dest: Path) -> str:
    return (dest / "CURRENT").read_text().strip()


def no_temp_folders(dest: Path) -> bool:
    return not [p for p in (dest / "versions").iterdir() if p.name.startswith(".tmp-")]


# ---------------------------------------------------------------------------------------------------------------


def test_first_sync_stores_every_page_with_its_validators(server, dest):
    serve_three(server)
    seen = []
    report = run(server, dest, progress=lambda done, total, url: seen.append((done, total, url)))

    assert report.added == ["api/alarms.md", "api/sqlite-storage.md", "index.md"]
    assert report.changed == report.unchanged == report.removed == report.failed == []
    assert report.pages == 3 and report.bytes_downloaded > 0
    assert report.summary_lines() == ["3 added, 0 changed, 0 unchanged, 0 removed, 0 failed"]
    assert [(done, total) for done, total, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert seen[0][2] == server.url(ALARMS)

    copy = current_copy(dest)
    assert copy is not None and copy.version == report.version == current_name(dest)
    assert copy.folder.is_absolute() and copy.folder == (dest / "versions" / report.version).resolve()
    assert (copy.folder / "api" / "alarms.md").read_text() == page("Alarms", "Set one alarm per object with setAlarm.")
    alarms = copy.pages["api/alarms.md"]
    assert alarms.url == server.url(ALARMS)
    assert alarms.html_url == server.url("/durable-objects/api/alarms/")
    assert alarms.etag == '"a1"' and alarms.last_modified == LAST_MODIFIED
    body = (copy.folder / "api" / "alarms.md").read_bytes()
    assert alarms.sha256 == hashlib.sha256(body).hexdigest() and alarms.bytes == len(body)
    assert copy.pages["index.md"].html_url == server.url("/durable-objects/")
    manifest = json.loads((copy.folder / "manifest.json").read_text())
    assert manifest["index_url"] == server.url(INDEX) and set(manifest["pages"]) == set(copy.pages)

    first = server.hits(ALARMS)[0].headers
    assert first["user-agent"].startswith("do-expert/") and first["user-agent"].endswith("(docs sync)")
    assert first["accept"] == "text/markdown, text/plain;q=0.9, */*;q=0.1"
    assert "if-none-match" not in first and "if-modified-since" not in first


def test_second_sync_asks_conditionally_and_carries_304_pages_over(server, dest):
    serve_three(server)
    first = run(server, dest)
    server.clear_requests()
    second = run(server, dest)

    alarms_request = server.hits(ALARMS)[0].headers
    assert alarms_request["if-none-match"] == '"a1"'
    assert alarms_request["if-modified-since"] == LAST_MODIFIED
    assert "if-modified-since" not in server.hits(ROOT)[0].headers  # the root page sent no Last-Modified
    assert second.unchanged == ["api/alarms.md", "api/sqlite-storage.md", "index.md"] and not second.added
    assert second.version != first.version and current_name(dest) == second.version
    copy = current_copy(dest)
    assert (copy.folder / "api" / "alarms.md").read_text() == page("Alarms", "Set one alarm per object with setAlarm.")
    assert copy.pages["api/alarms.md"].fetched_at == current_copy_pages_fetched_at(dest, first.version)
    # the index is the only body downloaded the second time
    assert second.bytes_downloaded == len(index(ALARMS, "api/sqlite-storage/index.md", ROOT).encode())

    third = run(server, dest)  # keeps the new and the previous version, prunes the older ones
    assert sorted(p.name for p in (dest / "versions").iterdir()) == sorted([second.version, third.version])


def current_copy_pages_fetched_at(dest: Path, version: str) -> str:
    manifest = json.loads((dest / "versions" / version / "manifest.json").read_text())
    return manifest["pages"]["api/alarms.md"]["fetched_at"]


def test_changed_and_byte_identical_pages(server, dest):
    server.set_page(INDEX, index(ALARMS, STORAGE))
    server.set_page(ALARMS, page("Alarms"))
    server.set_page(STORAGE, page("SQLite storage"))
    run(server, dest)
    server.set_page(ALARMS, page("Alarms", "Alarms now retry with backoff."))
    report = run(server, dest)
    assert report.changed == ["api/alarms.md"] and report.unchanged == ["api/sqlite-storage.md"]
    assert "backoff" in (current_copy(dest).folder / "api" / "alarms.md").read_text()


def test_404_fails_at_once_and_the_rest_syncs(server, dest):
    serve_three(server)
    server.set(STORAGE, Reply(status=404, body=b"gone"))
    report = run(server, dest)
    assert len(server.hits(STORAGE)) == 1  # a 4xx is not retried
    assert report.failed == [{"url": server.url(STORAGE), "reason": "HTTP 404"}]
    assert report.added == ["api/alarms.md", "index.md"]
    assert report.summary_lines()[1] == f"failed: {server.url(STORAGE)}: HTTP 404"
    assert "api/sqlite-storage.md" not in current_copy(dest).pages


def test_500_then_200_is_retried(server, dest):
    serve_three(server)
    server.set(ALARMS, Reply(status=500), Reply(status=502), Reply(body=page("Alarms").encode()))
    report = run(server, dest)
    assert len(server.hits(ALARMS)) == 3
    assert "api/alarms.md" in report.added and not report.failed


def test_500_always_fails_the_page_and_keeps_its_previous_copy(server, dest):
    serve_three(server)
    first = run(server, dest)
    old_entry = current_copy(dest).pages["api/alarms.md"]
    server.set(ALARMS, Reply(status=500))
    server.clear_requests()
    report = run(server, dest)
    assert len(server.hits(ALARMS)) == 1 + FAST.retries
    assert report.failed == [{"url": server.url(ALARMS), "reason": "HTTP 500 (3 attempts)"}]
    assert report.version != first.version
    copy = current_copy(dest)
    assert copy.pages["api/alarms.md"] == old_entry
    assert (copy.folder / "api" / "alarms.md").read_text() == page("Alarms", "Set one alarm per object with setAlarm.")


def test_a_hanging_server_times_out_and_is_retried(server, dest):
    serve_three(server)
    server.set(STORAGE, Reply(hang=True))
    # 1 s, not less: the other pages share the limit, and a loaded CI machine must never time them out
    report = run(server, dest, SyncLimits(timeout=1.0, retries=1, backoff=0.0))
    assert len(server.hits(STORAGE)) == 2
    assert report.failed == [{"url": server.url(STORAGE), "reason": "timed out after 1 s (2 attempts)"}]
    assert report.added == ["api/alarms.md", "index.md"]


def test_truncated_body_is_retried_then_fails(server, dest):
    serve_three(server)
    body = page("SQLite storage").encode()
    server.set(STORAGE, Reply(body=body, truncate_to=10), Reply(body=body))
    report = run(server, dest)
    assert len(server.hits(STORAGE)) == 2 and "api/sqlite-storage.md" in report.added
    assert (current_copy(dest).folder / "api" / "sqlite-storage.md").read_bytes() == body

    server.set(STORAGE, Reply(body=body + b"more", truncate_to=10))
    report = run(server, dest)
    assert report.failed[0]["url"] == server.url(STORAGE)
    assert report.failed[0]["reason"].startswith("connection closed early")


def test_redirects_are_followed_and_a_loop_fails_without_retry(server, dest):
    server.set_page(INDEX, index(ALARMS, STORAGE))
    server.set(ALARMS, Reply(status=301, location="/durable-objects/api/alarms-moved/index.md"))
    server.set_page("/durable-objects/api/alarms-moved/index.md", page("Alarms"))
    server.set(STORAGE, Reply(status=302, location="/loop/b"))
    server.set("/loop/b", Reply(status=302, location=STORAGE))
    report = run(server, dest, SyncLimits(retries=3, backoff=0.0, max_redirects=3))
    assert report.added == ["api/alarms.md"]  # stored under the listed path, not the redirect target
    assert report.failed == [{"url": server.url(STORAGE), "reason": "redirect loop or more than 3 redirects"}]
    assert len(server.hits(STORAGE)) + len(server.hits("/loop/b")) == 4  # one chain of 1 + 3 redirects, no retry


def test_a_page_over_the_page_cap_fails(server, dest):
    server.set_page(INDEX, index(ALARMS, STORAGE, ROOT))
    server.set_page(ALARMS, "x" * 5000)  # announced by Content-Length
    server.set_page(STORAGE, "y" * 5000, send_length=False)  # found out while streaming
    server.set_page(ROOT, page("Overview"))
    report = run(server, dest, SyncLimits(retries=2, backoff=0.0, max_page_bytes=1000))
    assert [item["url"] for item in report.failed] == [server.url(ALARMS), server.url(STORAGE)]
    assert all("1,000-byte page cap" in item["reason"] for item in report.failed)
    assert len(server.hits(ALARMS)) == len(server.hits(STORAGE)) == 1  # too big is not retried
    assert report.added == ["index.md"]


def test_the_total_cap_fails_the_run_and_keeps_the_last_good_copy(server, dest):
    serve_three(server)
    first = run(server, dest)
    server.set_page(STORAGE, "z" * 3000)
    with pytest.raises(SyncError, match="total cap of 2,000 bytes") as caught:
        run(server, dest, SyncLimits(retries=0, backoff=0.0, max_total_bytes=2000))
    assert f"last good copy from {current_copy(dest).synced_at}" in caught.value.hint
    assert current_name(dest) == first.version and current_copy(dest).version == first.version
    assert no_temp_folders(dest)
    assert sorted(p.name for p in (dest / "versions").iterdir()) == [first.version]


def test_a_page_that_is_not_utf8_fails(server, dest):
    serve_three(server)
    server.set(ROOT, Reply(body=b"---\ntitle: Bad\n---\n\xff\xfe not text"))
    report = run(server, dest)
    assert report.failed == [{"url": server.url(ROOT), "reason": "not UTF-8 text (byte 19)"}]
    assert len(server.hits(ROOT)) == 1


def test_index_down_raises_and_changes_nothing(server, dest):
    serve_three(server)
    first = run(server, dest)
    before = sorted(str(p.relative_to(dest)) for p in dest.rglob("*"))
    server.set(INDEX, Reply(status=500))
    server.clear_requests()
    with pytest.raises(SyncError, match="cannot fetch the docs index .*HTTP 500 \\(3 attempts\\)") as caught:
        run(server, dest)
    assert "last good copy from" in caught.value.hint
    assert len(server.hits(INDEX)) == 3 and not server.hits(ALARMS)
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*")) == before
    assert current_copy(dest).version == first.version


def test_index_on_a_refused_port_raises(dest):
    with refused_port() as port:
        with pytest.raises(SyncError, match="connection error") as caught:
            sync_docs(dest, f"http://127.0.0.1:{port}{INDEX}", limits=SyncLimits(retries=1, backoff=0.0))
    assert "nothing has been stored yet" in caught.value.hint
    assert current_copy(dest) is None


def test_bad_indexes_raise(server, dest):
    server.set_page(INDEX, "# Nothing here\n\n- [elsewhere](https://example.invalid/durable-objects/a/index.md)\n")
    with pytest.raises(SyncError, match="links to no Markdown page"):
        run(server, dest)
    server.set(INDEX, Reply(body=b"\xff\xfe\x00"))
    with pytest.raises(SyncError, match="not UTF-8"):
        run(server, dest)
    server.set_page(INDEX, "x" * 3000)
    with pytest.raises(SyncError, match="page cap"):
        run(server, dest, SyncLimits(backoff=0.0, max_page_bytes=1000))
    for bad in ("ftp://example.invalid/llms.txt", "not a url", "http://"):
        with pytest.raises(SyncError, match="URL"):
            sync_docs(dest, bad)
    assert current_copy(dest) is None


def test_every_page_failing_fails_the_run(server, dest):
    serve_three(server)
    first = run(server, dest)
    for path in (ALARMS, STORAGE, ROOT):
        server.set(path, Reply(status=404))
    with pytest.raises(SyncError, match="every page of the docs index failed \\(3\\)"):
        run(server, dest)
    assert current_copy(dest).version == first.version and no_temp_folders(dest)


def test_a_page_dropped_from_the_index_is_reported_removed(server, dest):
    serve_three(server)
    run(server, dest)
    server.set_page(INDEX, index(ALARMS, ROOT))
    report = run(server, dest)
    assert report.removed == ["api/sqlite-storage.md"] and report.pages == 2
    copy = current_copy(dest)
    assert sorted(copy.pages) == ["api/alarms.md", "index.md"]
    assert not (copy.folder / "api" / "sqlite-storage.md").exists()
    assert report.summary_lines()[0] == "0 added, 0 changed, 2 unchanged, 1 removed, 0 failed"


def test_only_links_under_the_index_folder_on_the_same_host_are_fetched(server, dest):
    port = server.base.rsplit(":", 1)[1]
    server.set_page(INDEX, index(
        ALARMS,
        "https://example.invalid/durable-objects/api/other/index.md",  # another host
        f"http://localhost:{port}/durable-objects/api/other/index.md",  # another host name for the same server
        "/workers/runtime-apis/index.md",  # outside the folder
        "../workers/index.md",  # outside the folder, relative
        f"{server.base}/durable-objects/../secrets.md",  # '..' that leaves the folder
        "/durable-objects/api/sqlite-storage/",  # not Markdown
        "mailto:someone@example.invalid",
        "api/alarms/index.md#section",  # the same page again
        "/durable-objects/%2e%2e/escape.md",  # an encoded '..': cannot be stored safely
        "/durable-objects/we%20ird/index.md",  # a space: cannot be stored safely
        "best-practices/index.md",
    ))
    server.set_page(ALARMS, page("Alarms"))
    server.set_page("/durable-objects/best-practices/index.md", page("Best practices"))
    report = run(server, dest)
    assert report.added == ["api/alarms.md", "best-practices.md"] and report.pages == 2
    assert [item["url"] for item in report.failed] == [server.url("/durable-objects/%2e%2e/escape.md"),
                                                       server.url("/durable-objects/we%20ird/index.md")]
    assert {request.path for request in server.requests} == {INDEX, ALARMS, "/durable-objects/best-practices/index.md"}
    assert len(server.hits(ALARMS)) == 1


def test_the_page_cap_keeps_the_first_listed(server, dest):
    targets = [f"/durable-objects/p{number}/index.md" for number in range(5)]
    server.set_page(INDEX, index(*targets))
    for target in targets:
        server.set_page(target, page(target))
    report = run(server, dest, SyncLimits(backoff=0.0, max_pages=3))
    assert report.added == ["p0.md", "p1.md", "p2.md"] and report.pages == 3 and report.over_cap == 2
    assert "2 more pages beyond the cap of 3" in report.summary_lines()[1]
    assert not server.hits(targets[3])


def test_stored_paths():
    assert stored_path("api/alarms/index.md") == "api/alarms.md"
    assert stored_path("index.md") == "index.md"
    assert stored_path("reference/limits.md") == "reference/limits.md"
    for unsafe in ("../x.md", "a/../x.md", "/abs.md", "a//b.md", ".hidden.md", "sp ace.md", "ü.md", "a" * 600 + ".md"):
        assert stored_path(unsafe) is None, unsafe
    # two links mapping to one file: the first wins; a file where another page needs a folder: a clash
    plan = plan_pages(index("a/index.md", "a.md", "a.md/index.md", "a.md/b.md"), "https://h.invalid/do/llms.txt", 10)
    assert plan.pages == [("a.md", "https://h.invalid/do/a/index.md"), ("a.md.md", "https://h.invalid/do/a.md/index.md")]
    assert [item["url"] for item in plan.unsafe] == ["https://h.invalid/do/a.md/b.md"]
    # titles, angle brackets and bare autolinks are links too; a hostile run of brackets is simply no link
    text = ('[T](x/index.md "A title") [U](<y/index.md>) <https://h.invalid/do/z/index.md> '
            + "[" * 50_000 + "](" * 50_000)
    assert [rel for rel, _ in plan_pages(text, "https://h.invalid/do/llms.txt", 10).pages] == ["x.md", "y.md", "z.md"]


def test_a_second_sync_of_the_same_dest_is_refused(server, dest):
    serve_three(server)
    inside, release = threading.Event(), threading.Event()
    outcome = {}

    def slow_progress(done, total, url):
        inside.set()
        release.wait(30)

    def first_sync():
        outcome["report"] = run(server, dest, progress=slow_progress)

    thread = threading.Thread(target=first_sync)
    thread.start()
    try:
        assert inside.wait(30)
        with pytest.raises(SyncError, match="another sync is running"):
            run(server, dest)
    finally:
        release.set()
        thread.join(30)
    assert outcome["report"].added and current_copy(dest).version == outcome["report"].version


@pytest.mark.parametrize("crash", [RuntimeError("progress bar broke"), KeyboardInterrupt()])
def test_a_crash_mid_run_leaves_the_previous_copy_current(server, dest, crash):
    serve_three(server)
    first = run(server, dest)
    server.set_page(ALARMS, page("Alarms", "A changed page that must not land."))

    def crashing_progress(done, total, url):
        if done == 2:
            raise crash

    with pytest.raises(type(crash)):
        run(server, dest, progress=crashing_progress)
    assert no_temp_folders(dest)
    assert current_name(dest) == first.version
    assert sorted(p.name for p in (dest / "versions").iterdir()) == [first.version]
    assert "must not land" not in (current_copy(dest).folder / "api" / "alarms.md").read_text()
    assert run(server, dest).changed == ["api/alarms.md"]  # and the lock was released


def test_current_copy_falls_back_and_leftovers_are_removed(server, dest):
    assert current_copy(dest) is None
    serve_three(server)
    first = run(server, dest)
    second = run(server, dest)
    (dest / "CURRENT").unlink()
    assert current_copy(dest).version == second.version  # no CURRENT: the newest complete version
    (dest / "CURRENT").write_text("../../etc\n")
    assert current_copy(dest).version == second.version  # a CURRENT naming no version is ignored
    (dest / "versions" / second.version / "manifest.json").unlink()
    assert current_copy(dest).version == first.version  # an incomplete folder is skipped
    leftover = dest / "versions" / ".tmp-20990101T000000000000Z-1"
    (leftover / "api").mkdir(parents=True)
    (leftover / "manifest.json").write_text("{}")
    assert current_copy(dest).version == first.version  # .tmp- folders are never a copy
    report = run(server, dest)
    assert not leftover.exists() and current_copy(dest).version == report.version


def test_waits_between_attempts(server, dest, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(sync, "_sleep", waits.append)
    serve_three(server)
    server.set(ALARMS, Reply(status=503, headers={"Retry-After": "2"}), Reply(body=page("Alarms").encode()))
    server.set(STORAGE, Reply(status=500))
    server.set(ROOT, Reply(status=429, headers={"Retry-After": "120"}))
    report = run(server, dest, SyncLimits(retries=3, backoff=0.5))
    assert waits == [2.0, 0.5, 1.0, 2.0]  # Retry-After honoured, then exponential backoff for the 500s
    assert len(server.hits(ROOT)) == 1  # a Retry-After over 30 s is not waited for
    assert report.failed[1] == {"url": server.url(ROOT),
                                "reason": "HTTP 429; the server asked to wait 120 s (1 attempt)"}
    assert sync._retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait

    waits.clear()
    server.set(ALARMS, Reply(status=500))
    server.set_page(ROOT, page("Overview"))
    run(server, dest, SyncLimits(retries=5, backoff=2.0))
    assert waits[:5] == [2.0, 4.0, 8.0, 8.0, 8.0]  # the backoff is capped at 8 s


def test_unwritable_dest_is_a_filesystem_error(server, tmp_path):
    from server.errors import FilesystemError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    serve_three(server)
    with pytest.raises(FilesystemError):
        run(server, blocker / "synced")
    if os.geteuid() != 0:  # root ignores permissions
        readonly = tmp_path / "ro"
        readonly.mkdir(mode=0o500)
        with pytest.raises(FilesystemError):
            run(server, readonly / "synced")


def test_a_304_to_an_unconditional_request_fails_the_page(server, dest):
    serve_three(server)
    server.set(ROOT, Reply(status=304))
    report = run(server, dest)
    assert report.failed == [{"url": server.url(ROOT), "reason": "HTTP 304 to an unconditional request"}]
    server.set(INDEX, Reply(status=304))
    with pytest.raises(SyncError, match="HTTP 304"):
        run(server, dest)


def test_gzip_bodies_are_decoded_and_capped_after_decoding(server, dest):
    import gzip

    serve_three(server)
    body = page("SQLite storage", "Compressed on the wire.").encode()
    server.set(STORAGE, Reply(body=gzip.compress(body), headers={"Content-Encoding": "gzip"}))
    server.set(ROOT, Reply(body=gzip.compress(b"x" * 50_000), headers={"Content-Encoding": "gzip"}))
    report = run(server, dest, SyncLimits(retries=2, backoff=0.0, max_page_bytes=10_000))
    assert (current_copy(dest).folder / "api" / "sqlite-storage.md").read_bytes() == body
    assert report.failed == [{"url": server.url(ROOT), "reason": "larger than the 10,000-byte page cap"}]
