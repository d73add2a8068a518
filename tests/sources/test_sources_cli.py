"""`do-expert sources add|list|remove|sync` as a user runs them: exit codes, messages, and a config and synced
copy that no failure harms. Sync runs against a real HTTP server on 127.0.0.1 (http_fixture)."""

import json

import pytest
from http_fixture import docs_server, refused_port

from server.cli import main
from server.sources import config as cfg

INDEX = "/durable-objects/llms.txt"
PAGE = "/durable-objects/api/wombats/index.md"
GONE = "/durable-objects/api/gone/index.md"
WOMBAT = ("---\ntitle: Wombat storage\n---\n\n[Skip to content](#main)\n\n# Wombat storage\n\n## Burrow limits\n\n"
          "A wombat burrow holds at most nine tunnels per object.\n")


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_search_remove(user_folders, notes_folder, capsys):
    (notes_folder / "blob.md").write_bytes(b"\x00\x01\x02 binary")
    code, out, err = cli(capsys, "sources", "add", str(notes_folder), "--name", "team")
    assert code == 0, err
    assert "indexed 2 docs" in out and "blob.md: binary" in out
    code, out, _ = cli(capsys, "sources", "list")
    assert code == 0 and "team" in out and "unverified" in out and "(1 files skipped)" in out
    code, out, _ = cli(capsys, "sources", "list", "--json")
    assert [s["name"] for s in json.loads(out)["sources"]] == ["bundled", "team"]
    code, out, _ = cli(capsys, "search", "what", "does", "the", "quokka", "ledger", "janitor", "compact")
    assert code == 0 and out.startswith("1. team--design-room-sharding#quokka-ledger") and "[team, unverified" in out
    code, out, _ = cli(capsys, "read", "team--design-room-sharding#rollout")
    assert code == 0 and "verified: no (team)" in out
    index_dir = cfg.source_index_dir("team")
    assert index_dir.is_dir()
    code, out, _ = cli(capsys, "sources", "remove", "team")
    assert code == 0 and "not touched" in out
    assert not index_dir.exists() and (notes_folder / "design" / "room-sharding.md").exists()
    assert cfg.load_sources() == []


@pytest.mark.parametrize("make, message", [("missing", "no such folder"), ("empty", "no Markdown files"),
                                           ("binary-only", "no Markdown files")])
def test_add_refuses_unusable_folders(user_folders, tmp_path, capsys, make, message):
    folder = tmp_path / "src"
    if make != "missing":
        folder.mkdir()
    if make == "binary-only":
        (folder / "a.md").write_bytes(b"\x00" * 100)
    code, _, err = cli(capsys, "sources", "add", str(folder))
    assert code == 2 and message in err and "hint:" in err and "Traceback" not in err
    assert not cfg.config_file().exists()


def test_duplicate_names_and_broken_config_leave_the_config_alone(user_folders, notes_folder, tmp_path, capsys):
    assert cli(capsys, "sources", "add", str(notes_folder), "--name", "team")[0] == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.md").write_text("# X\n\nsome text\n")
    before = cfg.config_file().read_bytes()
    code, _, err = cli(capsys, "sources", "add", str(other), "--name", "team")
    assert code == 2 and "already exists" in err
    assert cfg.config_file().read_bytes() == before
    cfg.config_file().write_text("[[source]\nname = 'team'")  # a hand edit gone wrong
    broken = cfg.config_file().read_bytes()
    code, _, err = cli(capsys, "sources", "add", str(other), "--name", "other")
    assert code == 2 and "not valid TOML" in err
    code, out, _ = cli(capsys, "sources", "list")
    assert code == 2 and "not valid TOML" in out and "bundled" in out
    code, out, _ = cli(capsys, "search", "alarm", "retries")
    assert code == 0 and out.startswith("1. ") and "unverified" not in out.splitlines()[0]
    assert cfg.config_file().read_bytes() == broken


def test_sync_then_resync_then_offline(user_folders, capsys):
    with docs_server() as server:
        server.set_page(INDEX, f"# DO\n\n- [Wombats]({server.url(PAGE)})\n- [Gone]({server.url(GONE)})\n")
        server.set_page(PAGE, WOMBAT, etag='"w1"')
        server.set_page(GONE, "---\ntitle: Gone\n---\n\n# Gone\n\nA page that will be removed.\n", etag='"g1"')
        code, out, err = cli(capsys, "sources", "sync", "--url", server.url(INDEX), "--retries", "0")
        assert code == 0, err
        assert "2 added" in out and "unverified" in out
        assert "syncing pages: 2/2" in err  # plain progress lines when stderr is not a terminal
        code, out, _ = cli(capsys, "search", "how", "many", "tunnels", "in", "a", "wombat", "burrow")
        assert code == 0 and out.startswith("1. cloudflare-docs--api-wombats#burrow-limits")
        assert "[cloudflare-docs, unverified, fetched 20" in out
        server.set_page(INDEX, f"# DO\n\n- [Wombats]({server.url(PAGE)})\n")
        code, out, _ = cli(capsys, "sources", "sync", "--url", server.url(INDEX), "--retries", "0", "--json")
        report = json.loads(out)
        assert code == 0 and report["unchanged"] == ["api/wombats.md"] and report["removed"] == ["api/gone.md"]
        assert server.hits(PAGE)[-1].headers.get("if-none-match") == '"w1"'
        server.set_page(INDEX, f"# DO\n\n- [Wombats]({server.url(PAGE)})\n- [Gone]({server.url(GONE)})\n")
        server.set_page(PAGE, WOMBAT, status=500)
        code, out, _ = cli(capsys, "sources", "sync", "--url", server.url(INDEX), "--retries", "0")
        assert code == 1 and "1 added" in out and "failed" in out  # the wombat page's last good copy is kept
    with refused_port() as port:
        code, _, err = cli(capsys, "sources", "sync", "--url", f"http://127.0.0.1:{port}/durable-objects/llms.txt",
                           "--retries", "0", "--timeout", "2")
    assert code == 2 and "last good copy" in err and "Traceback" not in err
    code, out, _ = cli(capsys, "search", "wombat", "burrow", "tunnels")
    assert out.startswith("1. cloudflare-docs--api-wombats#burrow-limits")  # still searchable offline
    code, out, _ = cli(capsys, "sources", "list")
    assert "cloudflare-docs" in out and "synced" in out and "fetched 20" in out
    assert cli(capsys, "sources", "remove", "cloudflare-docs")[0] == 0
    assert not cfg.synced_dir().exists()


@pytest.mark.parametrize("argv, message", [
    (["sources", "sync", "--timeout", "0"], "--timeout"),
    (["sources", "sync", "--retries", "99"], "--retries"),
    (["sources", "remove", "nope"], "no source named"),
    (["sources", "remove", "cloudflare-docs"], "no synced copy"),
    (["sources", "add", "/", "--name", "Bad Name"], "invalid source name"),
])
def test_bad_arguments_get_clear_errors(user_folders, capsys, argv, message):
    code, _, err = cli(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err
