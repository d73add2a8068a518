"""A regular (non-editable) install must carry the corpus: the wheel holds every reference doc as data."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(300)


def test_wheel_contains_package_and_corpus(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("do_expert-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    docs = sorted(p.name for p in (ROOT / "references").glob("*.md") if p.name != "README.md")
    shipped = sorted(Path(n).name for n in names if "/data/share/do-expert/references/" in n and n.endswith(".md"))
    assert [d for d in docs if d not in shipped] == []
    asks = sorted(p.name for p in (ROOT / "references" / "asks").glob("*.yaml"))
    shipped_asks = sorted(Path(n).name for n in names if "/data/share/do-expert/references/asks/" in n)
    assert asks and shipped_asks == asks  # the questions each section answers travel with it
    assert any(n.endswith("server/search/engine.py") for n in names)
    assert any(n.endswith("entry_points.txt") for n in names)
