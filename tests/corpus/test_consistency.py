"""Consistency of the reference corpus: two docs must not state different values for the same limit, date or version.

Facts are extracted by patterns tied to named quantities (``QUANTITIES``: quantity -> regexes whose groups capture
the value). Every value found for a quantity, across all docs, must be the same, and stated with the same certainty
(one doc marking a value UNCONFIRMED while another states it flatly is a contradiction too). A sentence that talks about history
("older docs", "renamed", "bundled", ...) may state an old value and is skipped; fenced code is not prose and is
skipped too.

The workerd builds behind ``wrangler dev`` and ``@cloudflare/vitest-plugin`` are checked against the pinned test
toolchain (``tests/toolchain/package-lock.json``, resolved the way Node resolves the packages), because the two
tools ship different workerd builds and docs have mixed them up.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.search.corpus import Corpus, classify_lines
from server.search.store import references_dir

DATE = r"(\d{4}-\d{2}-\d{2})"
FLAGS = ("enable_ctx_exports", "delete_all_deletes_alarm", "web_socket_auto_reply_to_close", "rpc_params_dup_stubs",
         "websocket_standard_binary_type")


def _flag_patterns(flag: str) -> list[str]:
    # the flag and its date in one table row or one short clause, either order
    return [rf"`{flag}`[^.\n|]{{0,60}}?{DATE}", rf"{DATE}[^.\n]{{0,12}}?\|\s*`{flag}`", rf"{DATE}\)?:? `{flag}`"]


# quantity -> regexes; every capture group that matched forms the value (joined with "/")
QUANTITIES: dict[str, list[str]] = {
    "async KV keys per multi-key call": [r"(?:at most|up to) (\d+) keys"],
    "SQLite key + value size (MB)": [r"(\d+) MB key\s?\+\s?value", r"key and value (?:together|combined)[^.\n]{0,25}?(\d+) MB",
                                     r"(\d+) MB combined"],
    "storage per object, Paid/Free (GB)": [r"(\d+) GB (?:per object )?(?:on )?(?:Workers )?Paid,? \(?(\d+) GB (?:on )?Free",
                                           r"\| Storage per object \| (\d+) GB \| (\d+) GB \|"],
    "storage per account on Free (GB)": [r"Storage per account \| unlimited \| (\d+) GB",
                                         r"Free[^.\n|]{0,40}?(\d+) GB (?:per account|account total)",
                                         r"(\d+) GB (?:per account|account total)[^.\n|]{0,12}?(?:on )?Free"],
    "received WebSocket message (MiB)": [r"WebSocket messages? (?:of )?(?:up to|at most) (\d+) MiB",
                                         r"Received WebSocket message \| (\d+) MiB"],
    "hibernatable WebSockets per object": [r"(32,?768|\d{1,3},\d{3}) (?:hibernatable )?WebSockets? per object",
                                           r"per object[^.\n]{0,30}?(\d{1,3},?\d{3}) (?:hibernatable )?(?:Web)?[Ss]ockets"],
    "tags per hibernatable WebSocket": [r"(?:up to|at most|more than) (\d+) tags", r"Tags per WebSocket[^|\n]*\| (\d+) \|",
                                        r"tags per socket / tag length \| (\d+) /"],
    "WebSocket tag length (characters)": [r"tag[^.\n|]{0,30}?(?:at most|\() ?(\d+) characters",
                                          r"Length of one tag \| (\d+) characters", r"tag length \| \d+ / (\d+) characters"],
    "WebSocket attachment size (bytes)": [r"attachment[^.\n]{0,60}?(\d{1,2},?\d{3}) bytes"],
    "auto-response request/response (characters)": [r"(\d,?\d{3}) characters each"],
    "hibernatable event timeout max (ms)": [r"(\d{3},\d{3},\d{3}|\d{9}) ms"],
    "RPC payload (MiB)": [r"RPC[^.\n]{0,80}?at most (\d+) MiB", r"(\d+) MiB RPC"],
    "alarm retries": [r"(?:up to|at most) (\d+) (?:automatic )?retries", r"retries \((\d+),"],
    "alarm backoff start (s)": [r"backoff (?:starting at|from|of) (\d+) ?s\b"],
    "alarm wall time (min)": [r"alarm[^.\n]{0,40}?(\d+)[- ]minute wall[- ]time", r"alarm wall time (\d+) min",
                              r"Alarm handler wall time \| (\d+) min"],
    "SQL bound parameters per query": [r"(\d+) bound parameters", r"Bound parameters per query \| (\d+)"],
    "SQL statement length (KB)": [r"(\d+) KB (?:SQL )?statement", r"statement length \| (\d+) KB"],
    "SQL columns per table": [r"(\d+) columns per table", r"Columns per table \| (\d+)"],
    "LIKE/GLOB pattern (bytes)": [r"(\d+)[- ]byte (?:LIKE|pattern)", r"LIKE[^.\n]{0,30}?pattern[^.\n]{0,15}?\| (\d+) bytes"],
    "classes per account, Paid/Free": [r"(\d+) classes per account on Paid \((\d+) on Free\)",
                                       r"[Cc]lasses per account \| (\d+) \| (\d+) \|",
                                       r"[Cc]lasses per account \| (\d+) \(Paid\) / (\d+) \(Free\)"],
    "PITR window (days)": [r"last (\d+) days", r"(\d+)-day (?:window|history|restore window)"],
    "blockConcurrencyWhile timeout (s)": [r"blockConcurrencyWhile\(\)`?[^.\n]{0,40}?(\d+) ?(?:s|seconds)\b"],
    "per-object soft limit (req/s)": [r"soft limit of (?:about )?([\d,]+) (?:requests per second|req/s)"],
    "@cloudflare/workers-types version": [r"@cloudflare/workers-types`? (5\.\d{8}\.\d+)"],
    "@cloudflare/vitest-plugin version": [r"@cloudflare/vitest-plugin`? (\d+\.\d+\.\d+)"],
    "wrangler version": [r"\b[Ww]rangler (4\.\d+\.\d+)"],
    **{f"compatibility date of {flag}": _flag_patterns(flag) for flag in FLAGS},
}

# Quantities whose value is a set of names: the regex captures a span, the value is the sorted set of the
# `code` names in it (quotes inside the backticks ignored).
SET_QUANTITIES: dict[str, list[str]] = {
    "documented jurisdictions": [r"[Dd]ocumented values: ([^;.]*)"],
}
NAME_IN_CODE = re.compile(r'`"?([a-z][a-z0-9-]*)"?`')

# A sentence about the past may quote an old value on purpose.
HISTORY = re.compile(r"\b(older|earlier|formerly|previously|used to|renamed?|bundled|before the rename|was raised|"
                     r"deprecated|old name)\b", re.IGNORECASE)


# Certainty counts for facts about the platform; a toolchain version is named in hedged sentences about other things.
HEDGED = re.compile(r"UNCONFIRMED|third part(?:y|ies)|not (?:yet )?confirmed", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    quantity: str
    value: str
    doc: str
    line: int
    sentence: str
    hedged: bool = False

    @property
    def claim(self) -> str:
        return f"{self.value} (UNCONFIRMED)" if self.hedged else self.value


def prose(markdown: str) -> str:
    """The markdown with fenced code blanked out (line numbers kept)."""
    return "\n".join(line if kind == "text" else "" for line, kind in classify_lines(markdown))


def _sentence(text: str, pos: int) -> tuple[int, int]:
    stops = (". ", ".\n", "\n\n", "\n|", "\n- ", "\n#")
    start = max(text.rfind(s, 0, pos) for s in stops)
    ends = [i for i in (text.find(s, pos) for s in stops) if i != -1]
    return start + 1, (min(ends) if ends else len(text))


def extract(doc_id: str, markdown: str, quantities: dict[str, list[str]] = QUANTITIES,
            set_quantities: dict[str, list[str]] = SET_QUANTITIES) -> list[Fact]:
    text = prose(markdown)
    facts = []
    table = [(q, p, False) for q, ps in quantities.items() for p in ps]
    table += [(q, p, True) for q, ps in set_quantities.items() for p in ps]
    for quantity, pattern, is_set in table:
        for m in re.finditer(pattern, text):
            if is_set:
                value = ",".join(sorted(set(NAME_IN_CODE.findall(m.group(1)))))
            else:
                value = "/".join(g.replace(",", "") for g in m.groups() if g)
            start, end = _sentence(text, m.start())
            sentence = " ".join(text[start:end].split())
            if HISTORY.search(sentence):
                continue
            facts.append(Fact(quantity, value, doc_id, text.count("\n", 0, m.start()) + 1, sentence[:160],
                              hedged=not quantity.endswith(" version") and bool(HEDGED.search(sentence))))
    return facts


def contradictions(facts: list[Fact]) -> dict[str, dict[str, list[Fact]]]:
    by_quantity: dict[str, dict[str, list[Fact]]] = defaultdict(lambda: defaultdict(list))
    for fact in facts:
        by_quantity[fact.quantity][fact.claim].append(fact)
    return {q: dict(values) for q, values in by_quantity.items() if len(values) > 1}


def _report(found: dict[str, dict[str, list[Fact]]]) -> str:
    lines = []
    for quantity, values in found.items():
        lines.append(f"{quantity}:")
        for value, facts in values.items():
            for f in facts:
                lines.append(f"  {value!r:>14}  {f.doc}.md:{f.line}  {f.sentence}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return Corpus(references_dir())


@pytest.fixture(scope="module")
def corpus_facts(corpus) -> list[Fact]:
    return [f for doc in corpus.docs.values() for f in extract(doc.id, doc.markdown)]


def test_docs_agree_on_every_named_quantity(corpus_facts):
    found = contradictions(corpus_facts)
    assert not found, "docs state different values for the same quantity:\n" + _report(found)


def test_the_patterns_find_the_facts_they_are_for(corpus_facts):
    """Guards against patterns that silently match nothing (and so can never fail)."""
    seen = {f.quantity for f in corpus_facts}
    expected_present = {
        "async KV keys per multi-key call", "SQLite key + value size (MB)", "storage per object, Paid/Free (GB)",
        "received WebSocket message (MiB)", "RPC payload (MiB)", "alarm retries", "SQL bound parameters per query",
        "PITR window (days)", "@cloudflare/workers-types version", "@cloudflare/vitest-plugin version",
        "wrangler version", "compatibility date of enable_ctx_exports", "compatibility date of delete_all_deletes_alarm",
    }
    assert expected_present <= seen, f"quantities no doc states any more: {sorted(expected_present - seen)}"
    counts = defaultdict(set)
    for f in corpus_facts:
        counts[f.quantity].add(f.doc)
    shared = [q for q, docs in counts.items() if len(docs) >= 2]
    assert len(shared) >= 8, f"only {len(shared)} quantities are stated by two or more docs: {shared}"


# ------------------------------------------------------------------------------------------- the checker can fail
def test_checker_reports_two_docs_that_disagree():
    a = extract("a", "Multi-key calls accept at most 128 keys. Storage is 10 GB on Paid (1 GB on Free).")
    b = extract("b", "Batch reads take up to 100 keys.\n\n| 2026-02-24 | `delete_all_deletes_alarm` | x |")
    c = extract("c", "`delete_all_deletes_alarm` (2026-03-01) changes deleteAll().")
    found = contradictions(a + b + c)
    assert set(found) == {"async KV keys per multi-key call", "compatibility date of delete_all_deletes_alarm"}
    assert set(found["async KV keys per multi-key call"]) == {"128", "100"}
    assert {f.doc for f in found["compatibility date of delete_all_deletes_alarm"]["2026-02-24"]} == {"b"}


def test_checker_reports_a_value_hedged_in_one_doc_and_flat_in_another():
    a = extract("a", "| 2025-11-17 | `enable_ctx_exports` | loopback bindings |")
    b = extract("b", "Its default date is `enable_ctx_exports` (2025-11-17), which is UNCONFIRMED in the docs checked.")
    found = contradictions(a + b)
    assert set(found["compatibility date of enable_ctx_exports"]) == {"2025-11-17", "2025-11-17 (UNCONFIRMED)"}


def test_set_quantities_compare_names_not_wording():
    a = extract("a", 'Documented values: `"eu"` (European Union), `"us"` (United States) and `"fedramp"`.')
    b = extract("b", "jurisdiction (documented values: `eu`, `us`, `fedramp`; the types add more)")
    c = extract("c", "Documented values: `eu` and `fedramp`.")
    assert {f.value for f in a + b} == {"eu,fedramp,us"}
    assert set(contradictions(a + b + c)["documented jurisdictions"]) == {"eu,fedramp,us", "eu,fedramp"}


def test_history_sentences_and_code_are_not_claims():
    facts = extract("a", "Older docs said WebSocket messages of up to 1 MiB.\n\nA WebSocket message of up to 32 MiB "
                         "is accepted.\n\n```ts\n// at most 5 keys\n```\n")
    assert [(f.quantity, f.value) for f in facts] == [("received WebSocket message (MiB)", "32")]


# ------------------------------------------------------------------------------------- workerd behind each tool
LOCKFILE = Path(__file__).resolve().parents[1] / "toolchain" / "package-lock.json"
VERSION = r"(?<![\d.])(1\.2\d{7}\.\d+)"
TOOLS = {"wrangler dev": r"wrangler dev", "@cloudflare/vitest-plugin": r"vitest-plugin"}


def _resolve(packages: dict, from_dir: str, name: str) -> str:
    """Node's lookup: node_modules/<name> next to the requiring package, then in each parent, then the root."""
    parts = from_dir.split("/node_modules/") if from_dir else []
    for i in range(len(parts), -1, -1):
        base = "/node_modules/".join(parts[:i])
        key = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if key in packages:
            return key
    raise KeyError(f"{name} not resolvable from {from_dir or '<root>'}")


def toolchain_workerd() -> dict[str, str]:
    """The workerd version each tool of the pinned toolchain runs."""
    packages = json.loads(LOCKFILE.read_text())["packages"]
    wrangler = _resolve(packages, "", "wrangler")
    plugin = _resolve(packages, "", "@cloudflare/vitest-plugin")
    plugin_miniflare = _resolve(packages, plugin, "miniflare")
    return {
        "wrangler dev": packages[_resolve(packages, wrangler, "workerd")]["version"],
        "@cloudflare/vitest-plugin": packages[_resolve(packages, plugin_miniflare, "workerd")]["version"],
    }


def tool_workerd_claims(doc_id: str, markdown: str) -> list[tuple[str, str, str]]:
    """(tool, workerd version, sentence) for each sentence naming a workerd build and the tool that runs it. With
    one version in the sentence it goes with every tool named there; with several, each pairs with the nearest
    tool in its own clause."""
    text = prose(markdown)
    claims = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n\n", text):
        versions = [(m.start(), m.group(1)) for m in re.finditer(VERSION, sentence)]
        tools = [(m.start(), tool) for tool, pat in TOOLS.items() for m in re.finditer(pat, sentence)]
        if not versions or not tools:
            continue
        flat = " ".join(sentence.split())[:160]
        if len(versions) == 1:
            claims.extend((tool, versions[0][1], flat) for _, tool in tools)
            continue
        clauses = [m.start() for m in re.finditer(r"[,;]", sentence)]
        for pos, version in versions:
            lo = max([c for c in clauses if c < pos], default=-1)
            hi = min([c for c in clauses if c > pos], default=len(sentence))
            near = [(abs(tp - pos), tool) for tp, tool in tools if lo < tp < hi] or [(abs(tp - pos), t) for tp, t in tools]
            claims.append((min(near)[1], version, flat))
    return claims


def test_toolchain_resolution_reads_the_lockfile():
    versions = toolchain_workerd()
    assert all(re.fullmatch(r"1\.2\d{7}\.\d+", v) for v in versions.values()), versions


def test_docs_name_the_workerd_each_tool_runs(corpus):
    actual = toolchain_workerd()
    wrong, seen = [], 0
    for doc in corpus.docs.values():
        for tool, version, sentence in tool_workerd_claims(doc.id, doc.markdown):
            seen += 1
            if version != actual[tool]:
                wrong.append(f"{doc.id}: says {tool} runs workerd {version}, the toolchain has {actual[tool]}: {sentence}")
    assert not wrong, "\n".join(wrong)
    assert seen >= 3, "the docs no longer name which workerd runs wrangler dev and the vitest plugin"


def test_tool_claims_catch_the_old_slip():
    old = ("Where local workerd (1.20261117.1, the runtime behind `wrangler dev` and `@cloudflare/vitest-plugin`) "
           "behaves differently, the difference is stated.")
    assert tool_workerd_claims("x", old) == [
        ("wrangler dev", "1.20261117.1", old[:160]), ("@cloudflare/vitest-plugin", "1.20261117.1", old[:160])]
    new = ("`wrangler dev` (wrangler 4.164.0) runs workerd 1.20261117.1, while `@cloudflare/vitest-plugin` 1.5.0 pins "
           "its own miniflare and runs workerd 1.20261102.1.")
    assert [(t, v) for t, v, _ in tool_workerd_claims("x", new)] == [
        ("wrangler dev", "1.20261117.1"), ("@cloudflare/vitest-plugin", "1.20261102.1")]


def test_installed_toolchain_resolves_the_same_workerd_builds(node_toolchain):
    """Node's own module resolution in the installed toolchain agrees with the lockfile reading above."""
    # Node's lookup order from a folder (node_modules of it and of every parent); package.json is read directly
    # because some packages do not export it.
    script = (
        "const fs=require('fs'),path=require('path'),Module=require('module');"
        "const dirOf=(from,name)=>{for(const p of Module._nodeModulePaths(from)){const d=path.join(p,name);"
        "if(fs.existsSync(path.join(d,'package.json')))return d;}throw new Error('cannot resolve '+name);};"
        "const version=d=>JSON.parse(fs.readFileSync(path.join(d,'package.json'),'utf8')).version;"
        "const root=process.cwd();"
        "const wrangler=dirOf(root,'wrangler');"
        "const plugin=dirOf(root,'@cloudflare/vitest-plugin');"
        "const miniflare=dirOf(plugin,'miniflare');"
        "console.log(JSON.stringify({'wrangler dev':version(dirOf(wrangler,'workerd')),"
        "'@cloudflare/vitest-plugin':version(dirOf(miniflare,'workerd'))}));"
    )
    proc = node_toolchain.run(["node", "-e", script], cwd=node_toolchain.root, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == toolchain_workerd()
