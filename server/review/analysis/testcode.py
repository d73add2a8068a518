"""Which code and configs are test code.

Signs: ``test/``, ``tests/``, ``__tests__/``, ``e2e``, ``fixtures`` and ``playground`` (e2e test targets) folders (also ``e2e-tests``, ``lifecycle-tests``,
``tests-e2e``...); ``*.test.ts``/``*.spec.ts`` files; vitest configs; and wrangler configs used only by tests: in
such a folder, or named by a vitest config with the Cloudflare pool or plugin (``configPath``) from another folder.
Rules whose advice is about production skip or downgrade findings here, as each rule's docs say.
"""

from __future__ import annotations

import posixpath
import re

from ..config import ParsedConfig
from ..parse import SourceFile

_TEST_DIR = re.compile(r"^(?:__tests__|__fixtures__|__mocks__|fixtures|playgrounds?|spec|(?:[a-z0-9.]+[-_])?(?:tests?|e2e)(?:[-_][a-z0-9.]+)?)$", re.I)
_TEST_FILE = re.compile(r"\.(?:test|spec|e2e)\.[cm]?[jt]sx?$|^vitest\.(?:config|workspace|setup)\b", re.I)
_CF_VITEST = re.compile(r"vitest-pool-workers|cloudflareTest|defineWorkersConfig|defineWorkersProject|cloudflarePool")
_CONFIG_PATH = re.compile(r"""configPath\s*:\s*["'`]([^"'`\n]{1,300})["'`]""")


def is_test_path(path: str) -> bool:
    parts = path.replace("\\", "/").split("/")
    return bool(_TEST_FILE.search(parts[-1])) or any(_TEST_DIR.match(p) for p in parts[:-1])


class TestCode:
    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self._test_configs = self._configs_used_by_tests()
        self._sources: dict[str, bool] = {}

    def _configs_used_by_tests(self) -> set[str]:
        out: set[str] = set()
        for src in self.ctx.sources:
            name = posixpath.basename(src.path)
            if not name.startswith("vitest.") or not _CF_VITEST.search(src.text):
                continue
            here = posixpath.dirname(src.path)
            for m in _CONFIG_PATH.finditer(src.text):
                target = posixpath.normpath(posixpath.join(here, m.group(1)))
                if posixpath.dirname(target) != posixpath.normpath(here or "."):
                    out.add(target)
        return out

    def config(self, cfg: ParsedConfig) -> bool:
        """A wrangler config used only by tests (never deployed)."""
        path = cfg.path.replace("\\", "/")
        return is_test_path(path) or posixpath.normpath(path) in self._test_configs or "test" in posixpath.basename(path)

    def source(self, src: SourceFile) -> bool:
        hit = self._sources.get(src.path)
        if hit is None:
            cfg = None if is_test_path(src.path) else self.ctx.config_for(src)
            hit = self._sources[src.path] = is_test_path(src.path) or (cfg is not None and self.config(cfg))
        return hit
