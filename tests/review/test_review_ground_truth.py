"""Ground truth from the real Cloudflare toolchain: for the config rules and the runtime-error rules, wrangler or
workerd really fails (or misbehaves) on the bad project and accepts the good one, and do-expert flags exactly the
bad one. Without this, a rule is only our opinion of the platform.

- Deploy cases: ``wrangler deploy --dry-run`` over rule fixture projects (``fixtures/<rule>/bad-*|good-*``).
- Runtime cases: ``groundtruth/<rule>/{bad,good}`` started with wrangler's dev server (workerd, configuration read by
  wrangler itself) via ``groundtruth/probe.mjs``; each Worker calls its object once and answers 200 or 500 + error.

Both batches run once per session (about 10 s each on 2 cores). The toolchain comes from tests/toolchain.py: these
tests skip only when npm is absent, and fail instead under CI=true.
"""

from __future__ import annotations

import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from review_fixtures import FIXTURES, read_case
from server.review import review_files

HERE = Path(__file__).resolve().parent
GROUNDTRUTH = HERE / "groundtruth"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# (rule, fixture case, expected wrangler outcome): "ok", or ("fail"|"warn", regex that wrangler prints)
DEPLOY_CASES = [
    ("do-class-not-exported", "bad-not-exported", ("fail", r"not exported in your entrypoint file: Counter")),
    ("do-class-not-exported", "bad-reexport-missing", ("fail", r"not exported in your entrypoint file: Room")),
    ("do-class-not-exported", "good-exported", "ok"),
    ("do-class-not-exported", "good-reexported", "ok"),
    ("do-binding-without-migration", "bad-no-lifecycle", ("warn", r"no live `exports` entry|no `migrations`")),
    ("do-binding-without-migration", "good-migrations", "ok"),
    ("do-binding-without-migration", "good-exports", "ok"),
    ("do-migration-integrity", "bad-tags", ("fail", r"tag\" is a required field")),
    ("do-migration-integrity", "bad-classes", ("fail", r"Cannot apply new_sqlite_classes migration to existing class Room")),
    ("do-migration-integrity", "good", "ok"),
    ("do-config-invalid", "bad-jsonc", ("fail", r"CommaExpected|Expected comma")),
    ("do-config-invalid", "bad-toml", ("fail", r"Invalid TOML")),
    ("do-config-invalid", "good", "ok"),
    ("do-prefer-sqlite-backend", "good", "ok"),
    ("do-compat-date-rpc", "good-current-date", "ok"),
]

# rule -> what workerd says on the bad project (the good one must answer 200)
RUNTIME_CASES = {
    "do-setalarm-no-handler": r"must have an alarm\(\) handler",
    "do-sql-transaction-stmt": r"please use the state\.storage\.transaction\(\)",
    "do-sql-api-on-kv-class": r"SQL is not enabled for this Durable Object class",
    "do-prefer-sqlite-backend": r"SQL is not enabled for this Durable Object class",
    "do-binding-without-migration": r"SQL is not enabled for this Durable Object class",
    "do-compat-date-rpc": r"is not a function",
    "do-deleteall-alarm": r"alarm survived deleteAll",
    "do-sql-pragma-user-version": r"not authorized",
    "do-sql-bindings-array": r"Wrong number of parameter bindings",
    "do-sql-create-not-idempotent": r"already exists",
    "do-transactionsync-async": r"did not roll back",
    "do-sql-multistmt-bindings": r"only the last statement can have parameters",
    "do-ws-close-not-reciprocated": r"no close frame",
    "do-ws-missing-handler": r"no answer",
    "do-ws-reserved-close-code": r"[Ii]nvalid.*close code",
}


def _output(proc) -> str:
    return ANSI.sub("", proc.stdout + "\n" + proc.stderr)


@pytest.fixture(scope="module")
def deploy_results(tmp_path_factory, node_toolchain) -> dict[tuple[str, str], tuple[int, str]]:
    root = tmp_path_factory.mktemp("deploy")
    jobs = []
    for rule, case, _ in DEPLOY_CASES:
        dest = root / rule / case
        shutil.copytree(FIXTURES / rule / case, dest)
        jobs.append((rule, case, dest))

    def run(job):
        rule, case, dest = job
        proc = node_toolchain.run(["wrangler", "deploy", "--dry-run", "--outdir", "dist"], cwd=dest, timeout=180,
                                  env={"X_DO_EXPORTS": ""})
        return (rule, case), (proc.returncode, _output(proc))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(run, jobs))


@pytest.fixture(scope="module")
def runtime_results(tmp_path_factory, node_toolchain) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("runtime")
    shutil.copytree(GROUNDTRUTH, root / "gt")
    node_toolchain.link_into(root / "gt")
    dirs = sorted(str(p) for p in (root / "gt").glob("*/*") if (p / "wrangler.jsonc").exists())
    proc = node_toolchain.run(["node", str(root / "gt" / "probe.mjs"), *dirs], cwd=root / "gt", timeout=600)
    results = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            rel = Path(row["dir"]).relative_to(root / "gt")
            results[rel.as_posix()] = row
    if len(results) != len(dirs):
        pytest.fail(f"probe reported {len(results)} of {len(dirs)} projects (exit {proc.returncode}):\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
    return results


@pytest.mark.parametrize("rule,case,outcome", DEPLOY_CASES, ids=[f"{r}/{c}" for r, c, _ in DEPLOY_CASES])
def test_wrangler_agrees(deploy_results, rule, case, outcome):
    code, out = deploy_results[(rule, case)]
    flagged = any(f.rule == rule for f in review_files(read_case(FIXTURES / rule / case)).findings)
    if outcome == "ok":
        assert code == 0, f"wrangler rejected the good fixture {rule}/{case}:\n{out[-3000:]}"
        assert "durable_objects" not in out or "WARNING" not in out, out[-3000:]
        assert not flagged, f"do-expert flags {rule} on a project wrangler accepts"
        return
    kind, pattern = outcome
    if kind == "fail":
        assert code != 0, f"wrangler accepted the bad fixture {rule}/{case}:\n{out[-3000:]}"
    assert re.search(pattern, out), f"wrangler output lacks /{pattern}/:\n{out[-3000:]}"
    assert flagged, f"wrangler rejects {rule}/{case} but do-expert does not flag {rule}"


@pytest.mark.parametrize("rule", sorted(RUNTIME_CASES))
def test_workerd_agrees(runtime_results, rule):
    bad, good = runtime_results[f"{rule}/bad"], runtime_results[f"{rule}/good"]
    assert bad["status"] == 500 and re.search(RUNTIME_CASES[rule], bad["body"]), f"bad project did not fail as expected: {bad}"
    assert good["status"] == 200, f"good project failed at run time: {good}"
    bad_rules = {f.rule for f in review_files(read_case(GROUNDTRUTH / rule / "bad")).findings}
    good_findings = review_files(read_case(GROUNDTRUTH / rule / "good")).findings
    assert rule in bad_rules, f"workerd fails on {rule}/bad but do-expert does not flag it (got {bad_rules})"
    assert not [f for f in good_findings if f.severity != "info"], [f.rule for f in good_findings]
