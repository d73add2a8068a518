"""Run a generated project through the real toolchain: tsc --noEmit, vitest run (inside workerd), wrangler deploy
--dry-run, and do-expert's own review. Shared by the end-to-end tests and benchmarks/scaffold_bench.py.

Run by hand:  python tests/scaffold/scaffold_checks.py counter [exports|migrations]
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

from toolchain import Toolchain  # noqa: E402

STEPS = (
    ("tsc", ["tsc", "--noEmit"]),
    ("vitest", ["vitest", "run"]),
    ("wrangler", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"]),
)


@dataclass
class CheckReport:
    project: Path
    seconds: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    review_findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def run_toolchain(tc: Toolchain, project: Path, report: CheckReport | None = None) -> CheckReport:
    """Run every step even after one fails, so one run shows every problem."""
    report = report or CheckReport(project)
    tc.link_into(project)
    for label, argv in STEPS:
        started = time.monotonic()
        proc = tc.run(argv, cwd=project, timeout=300)
        report.seconds[label] = round(time.monotonic() - started, 1)
        if proc.returncode != 0:
            report.failures.append(f"{label} exited {proc.returncode} in {project}:\n"
                                   f"{proc.stdout[-5000:]}\n{proc.stderr[-3000:]}")
    return report


def review_project(project: Path) -> list[str]:
    """Errors and warnings of do-expert's review on src/, test/ and wrangler config (info is advice only)."""
    from server.review import review_files

    files = []
    for path in sorted(project.rglob("*")):
        rel = path.relative_to(project)
        if rel.parts[0] in ("node_modules", ".wrangler", ".vite-cache", "dist") or not path.is_file():
            continue
        if path.suffix in (".ts", ".jsonc", ".toml", ".json") and path.name != "package.json":
            files.append((rel.as_posix(), path.read_text(encoding="utf-8")))
    result = review_files(files)
    return [f"{f.severity} {f.rule} {f.path}:{f.line}:{f.column} {f.message}"
            for f in result.findings if f.severity in ("error", "warning")]


def _toml_value(value) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)


def jsonc_to_toml(config: dict) -> str:
    """The subset of wrangler config our templates use, as TOML (to test the toml patches)."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in config.items() if not k.startswith("$") and (not isinstance(v, (dict, list)) or
             (isinstance(v, list) and all(not isinstance(x, dict) for x in v)))]
    for b in config.get("durable_objects", {}).get("bindings", []):
        lines += ["", "[[durable_objects.bindings]]"] + [f"{k} = {_toml_value(v)}" for k, v in b.items()]
    for name, spec in config.get("exports", {}).items():
        lines += ["", f"[exports.{name}]"] + [f"{k} = {_toml_value(v)}" for k, v in spec.items()]
    for m in config.get("migrations", []):
        lines += ["", "[[migrations]]"] + [f"{k} = {_toml_value(v)}" for k, v in m.items()]
    return "\n".join(lines) + "\n"


def add_class(project: Path, result, config_format: str) -> None:
    """Apply a scaffold_class result to a generated project the way its next_steps say."""
    import json5

    from server.scaffold import write_files

    write_files(project, result.files)
    cls = result.files[0].path.removeprefix("src/").removesuffix(".ts")
    class_name = re.search(r"export class (\w+)", result.files[0].content).group(1)
    index = project / "src" / "index.ts"
    index.write_text(index.read_text() + f'export {{ {class_name} }} from "./{cls}";\n')
    jsonc = project / "wrangler.jsonc"
    if config_format == "toml":
        config = json5.loads(jsonc.read_text())
        jsonc.unlink()
        (project / "wrangler.toml").write_text(jsonc_to_toml(config) + "\n" + result.config_patch)
        vc = project / "vitest.config.ts"
        vc.write_text(vc.read_text().replace("./wrangler.jsonc", "./wrangler.toml"))
        return
    config = json5.loads(jsonc.read_text())
    patch = json5.loads(result.config_patch)
    config["durable_objects"]["bindings"] += patch["durable_objects"]["bindings"]
    for key in ("exports",):
        if key in patch:
            config.setdefault(key, {}).update(patch[key])
    if "migrations" in patch:
        config.setdefault("migrations", []).extend(patch["migrations"])
    jsonc.write_text(json.dumps(config, indent=2) + "\n")


if __name__ == "__main__":
    import tempfile

    from server.scaffold import scaffold_project, write_files
    from toolchain import ensure_toolchain

    template = sys.argv[1] if len(sys.argv) > 1 else "counter"
    style = sys.argv[2] if len(sys.argv) > 2 else "exports"
    out = Path(tempfile.mkdtemp(prefix=f"scaffold-{template}-")) / template
    write_files(out, scaffold_project(template, template, style).files)
    rep = run_toolchain(ensure_toolchain(), out)
    rep.review_findings = review_project(out)
    print(out, rep.seconds)
    print("\n".join(rep.failures) or "toolchain: ok")
    print("\n".join(rep.review_findings) or "review: clean")
