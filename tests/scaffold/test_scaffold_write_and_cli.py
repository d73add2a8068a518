"""Write safety (no overwrite without force, nothing outside the target) and the CLI's new/templates commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from server.cli import main
from server.errors import ScaffoldError
from server.models import GeneratedFile
from server.scaffold import scaffold_project, write_files


def gf(path: str, content: str = "x\n") -> GeneratedFile:
    return GeneratedFile(path=path, content=content)


def test_writes_into_a_new_folder(tmp_path):
    written = write_files(tmp_path / "p", [gf("a.txt"), gf("src/b.ts")])
    assert sorted(p.relative_to(tmp_path / "p").as_posix() for p in written) == ["a.txt", "src/b.ts"]


def test_never_overwrites_without_force_and_writes_nothing_when_refusing(tmp_path):
    target = tmp_path / "p"
    write_files(target, [gf("a.txt", "original\n")])
    with pytest.raises(ScaffoldError) as err:
        write_files(target, [gf("new.txt"), gf("a.txt", "changed\n")])
    assert "--force" in err.value.hint and "a.txt" in err.value.message
    assert (target / "a.txt").read_text() == "original\n"
    assert not (target / "new.txt").exists()  # checked before the first write
    write_files(target, [gf("a.txt", "changed\n")], force=True)
    assert (target / "a.txt").read_text() == "changed\n"


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/passwd", "src/../../x", "a\\b", "", ".", "a//b", "src/./x"])
def test_unsafe_generated_paths_are_refused(tmp_path, path):
    with pytest.raises(ScaffoldError):
        write_files(tmp_path / "p", [gf(path)])
    assert not (tmp_path / "escape.txt").exists()


def test_symlinked_folder_inside_the_target_cannot_redirect_writes(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "p"
    target.mkdir()
    (target / "src").symlink_to(outside, target_is_directory=True)
    with pytest.raises(ScaffoldError) as err:
        write_files(target, [gf("src/index.ts")], force=True)
    assert "outside the target" in err.value.message
    assert list(outside.iterdir()) == []


def test_symlinked_file_is_not_followed_even_with_force(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    target = tmp_path / "p"
    target.mkdir()
    (target / "a.txt").symlink_to(victim)
    with pytest.raises(ScaffoldError):
        write_files(target, [gf("a.txt")], force=True)
    assert victim.read_text() == "keep\n"


def test_target_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    with pytest.raises(ScaffoldError):
        write_files(tmp_path / "f", [gf("a.txt")])


# ------------------------------------------------------------------------------------------------------------- CLI
def run_cli(args: list[str], cwd: Path, capsys) -> tuple[int, str, str]:
    old = os.getcwd()
    os.chdir(cwd)
    try:
        code = main(args)
    finally:
        os.chdir(old)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_new_writes_the_project_into_name(tmp_path, capsys):
    code, out, _ = run_cli(["new", "my-room", "--template", "chat-room"], tmp_path, capsys)
    assert code == 0 and "my-room" in out
    expected = {f.path for f in scaffold_project("my-room", "chat-room").files}
    got = {p.relative_to(tmp_path / "my-room").as_posix() for p in (tmp_path / "my-room").rglob("*") if p.is_file()}
    assert got == expected
    assert '"exports"' in (tmp_path / "my-room" / "wrangler.jsonc").read_text()


def test_cli_new_with_dir_style_and_json(tmp_path, capsys):
    code, out, _ = run_cli(["new", "q", "-t", "job-queue", "--dir", "out/q", "--config-style", "migrations",
                            "--json"], tmp_path, capsys)
    assert code == 0
    data = json.loads(out)
    assert data["template"] == "job-queue" and "wrangler.jsonc" in data["files"]
    assert '"new_sqlite_classes"' in (tmp_path / "out" / "q" / "wrangler.jsonc").read_text()


def test_cli_refuses_to_overwrite_without_force(tmp_path, capsys):
    assert run_cli(["new", "c", "-t", "counter"], tmp_path, capsys)[0] == 0
    index = tmp_path / "c" / "src" / "index.ts"
    index.write_text("// my edits\n")
    code, _, err = run_cli(["new", "c", "-t", "counter"], tmp_path, capsys)
    assert code == 2 and "already exist" in err and "--force" in err
    assert index.read_text() == "// my edits\n"
    assert run_cli(["new", "c", "-t", "counter", "--force"], tmp_path, capsys)[0] == 0
    assert "export class Counter" in index.read_text()


@pytest.mark.parametrize("name", ["../up", "a/b", "/tmp/abs", "$(id)", "naïve", "x" * 5000])
def test_cli_rejects_bad_names_before_touching_disk(tmp_path, capsys, name):
    code, out, err = run_cli(["new", name, "-t", "counter"], tmp_path, capsys)
    assert code == 2 and "invalid project name" in err and out == ""
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "up").exists()


def test_cli_unknown_template_lists_the_templates(tmp_path, capsys):
    code, _, err = run_cli(["new", "ok", "-t", "todo"], tmp_path, capsys)
    assert code == 2 and "counter" in err and "job-queue" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_a_symlink_escape_in_the_target(tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "test").symlink_to(outside, target_is_directory=True)
    code, _, err = run_cli(["new", "p", "-t", "counter", "--force"], tmp_path, capsys)
    assert code == 2 and "outside the target" in err
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "p" / "package.json").exists()


def test_cli_templates(tmp_path, capsys):
    code, out, _ = run_cli(["templates"], tmp_path, capsys)
    assert code == 0 and "rate-limiter" in out
    code, out, _ = run_cli(["templates", "--json"], tmp_path, capsys)
    assert {t["id"] for t in json.loads(out)["templates"]} >= {"counter", "multi-tenant"}
