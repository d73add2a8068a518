"""The sources config: adding, listing and removing folders; bad input never harms what is configured."""

from pathlib import Path

import pytest

from server.errors import SourceError
from server.sources import config as cfg


def test_add_list_remove_round_trip(user_folders, notes_folder):
    added = cfg.add_source(notes_folder)
    assert added.name == "team-notes" and Path(added.path) == notes_folder.resolve()
    assert [s.name for s in cfg.load_sources()] == ["team-notes"]
    assert cfg.config_file().is_relative_to(user_folders / "config")
    other = notes_folder.parent / "other"
    other.mkdir()
    cfg.add_source(other, name="ops")
    assert [s.name for s in cfg.load_sources()] == ["team-notes", "ops"]
    assert cfg.remove_source("team-notes").name == "team-notes"
    assert [s.name for s in cfg.load_sources()] == ["ops"]


@pytest.mark.parametrize("name", ["Team", "a--b", "-a", "a-", "a b", "x" * 33, "", "bundled", "cloudflare-docs"])
def test_bad_names_are_refused(user_folders, notes_folder, name):
    with pytest.raises(SourceError) as err:
        cfg.add_source(notes_folder, name=name)
    assert err.value.hint
    assert cfg.load_sources() == []


def test_duplicate_name_and_folder_are_refused_and_config_kept(user_folders, notes_folder):
    cfg.add_source(notes_folder, name="notes")
    before = cfg.config_file().read_bytes()
    other = notes_folder.parent / "other"
    other.mkdir()
    with pytest.raises(SourceError, match="already exists"):
        cfg.add_source(other, name="notes")
    with pytest.raises(SourceError, match="already the source"):
        cfg.add_source(notes_folder, name="again")
    assert cfg.config_file().read_bytes() == before


@pytest.mark.parametrize("make", ["missing", "file", "loop"])
def test_unusable_folders_are_refused(user_folders, tmp_path, make):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("# not a folder")
    elif make == "loop":
        (tmp_path / "a").symlink_to(tmp_path / "b")
        (tmp_path / "b").symlink_to(tmp_path / "a")
        target = tmp_path / "a"
    with pytest.raises(SourceError) as err:
        cfg.add_source(target)
    assert str(err.value).count("\n") == 0 and err.value.hint
    assert not cfg.config_file().exists()


@pytest.mark.parametrize("text, problem", [
    ("[[source]\nname = 'x'", "not valid TOML"),
    ("source = 'x'", "must be a list"),
    ("[[source]]\nname = 'x'\n", "source #1 is invalid"),
    ("[[source]]\nname = 'Bad Name'\npath = '/tmp'\nadded_at = 'now'\n", "invalid source name"),
    ("[[source]]\nname='a'\npath='/x'\nadded_at='t'\n[[source]]\nname='a'\npath='/y'\nadded_at='t'\n", "twice"),
    (b"\xff\xfe\x00junk", "not valid TOML"),
])
def test_hand_broken_config_is_reported_and_never_overwritten(user_folders, notes_folder, text, problem):
    path = cfg.config_file()
    path.parent.mkdir(parents=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    before = path.read_bytes()
    with pytest.raises(SourceError, match=problem):
        cfg.load_sources()
    with pytest.raises(SourceError):
        cfg.add_source(notes_folder)
    with pytest.raises(SourceError):
        cfg.remove_source("a")
    assert path.read_bytes() == before


def test_remove_unknown_names_the_configured_ones(user_folders, notes_folder):
    cfg.add_source(notes_folder, name="notes")
    with pytest.raises(SourceError) as err:
        cfg.remove_source("nope")
    assert "notes" in err.value.hint


def test_config_write_is_atomic_when_the_disk_fails(user_folders, notes_folder, monkeypatch):
    cfg.add_source(notes_folder, name="notes")
    before = cfg.config_file().read_bytes()
    other = notes_folder.parent / "other"
    other.mkdir()

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cfg.os, "replace", fail)
    with pytest.raises(Exception) as err:
        cfg.add_source(other, name="other")
    assert "space" in str(err.value).lower()
    assert cfg.config_file().read_bytes() == before
    assert [p.name for p in cfg.config_file().parent.iterdir() if p.name.endswith(".tmp")] == []
