"""Durable Objects vocabulary: the everyday words agents use, mapped to the words the corpus uses.

Agents ask "how do I run a cron job in a DO" or "will my object sleep"; the reference says ``alarm()`` and
"hibernation". Expansions are added to the query with a lower weight than the user's own words, so they help a
section that uses the platform's term without outranking one that uses the user's term.
"""

from __future__ import annotations

import re

from server.search.analysis import stem_word
from server.search.vocabulary_agents import AGENT_VOCABULARY

# key: a lowercased word or two-word phrase as an agent types it; value: corpus terms to add.
SYNONYMS: dict[str, str] = {
    # scheduling
    "cron": "alarm setAlarm schedule",
    "timer": "alarm setAlarm setTimeout",
    "timers": "alarm setAlarm setTimeout setInterval",
    "schedule": "alarm setAlarm",
    "scheduled": "alarm setAlarm",
    "scheduling": "alarm setAlarm",
    "delay": "alarm setAlarm",
    "later": "alarm setAlarm",
    "periodic": "alarm reschedule",
    "recurring": "alarm reschedule",
    "interval": "setInterval alarm",
    "background": "alarm waitUntil",
    "queue": "alarm job schedule",
    # hibernation and lifecycle
    "sleep": "hibernation hibernate evict",
    "sleeping": "hibernation hibernate evict",
    "idle": "hibernation evict inactive",
    "asleep": "hibernation hibernate",
    "wake": "hibernation constructor wake",
    "evicted": "eviction evict hibernation",
    "restart": "reset constructor eviction",
    "restarts": "reset constructor eviction",
    "crash": "reset exception abort",
    "shutdown": "eviction preShutdown reset",
    "memory": "in-memory eviction",
    "cold": "constructor blockConcurrencyWhile",
    "startup": "constructor blockConcurrencyWhile",
    "init": "constructor blockConcurrencyWhile",
    "initialize": "constructor blockConcurrencyWhile",
    # storage
    "database": "sql sqlite",
    "db": "sql sqlite",
    "query": "sql exec",
    "queries": "sql exec",
    "atomic": "transactionSync transaction coalescing",
    "atomically": "transactionSync transaction coalescing",
    "rollback": "transactionSync transaction",
    "commit": "transactionSync transaction",
    "cancel": "deleteAlarm delete",
    "stop": "deleteAlarm close",
    "wipe": "deleteAll",
    "clear": "deleteAll",
    "erase": "deleteAll",
    "purge": "deleteAll",
    "backup": "pitr bookmark restore",
    "restore": "pitr bookmark onNextSessionRestoreBookmark",
    "undo": "pitr bookmark",
    "recover": "pitr bookmark restore",
    "recovery": "pitr bookmark restore",
    "snapshot": "pitr bookmark",
    "key value": "kv get put",
    "key-value": "kv get put",
    "keyvalue": "kv",
    "schema": "migrations _sql_schema_migrations CREATE TABLE",
    "version": "_sql_schema_migrations compatibility_date",
    "versioning": "_sql_schema_migrations",
    "relation": "foreign key REFERENCES",
    "relations": "foreign key REFERENCES",
    "relational": "foreign key",
    "cascade": "foreign key ON DELETE CASCADE",
    "full text": "fts5 MATCH",
    "fulltext": "fts5 MATCH",
    "text search": "fts5 MATCH",
    "geo": "rtree",
    "spatial": "rtree",
    "size": "limits databaseSize",
    "big": "limits",
    "maximum": "limits",
    "max": "limits",
    "quota": "limits",
    "cost": "billing rowsRead rowsWritten hibernation",
    "billing": "rowsRead rowsWritten billed",
    "billed": "rowsRead rowsWritten",
    "price": "billing rowsRead rowsWritten",
    "pricing": "billing rowsRead rowsWritten",
    "disk": "storage SQLITE_FULL databaseSize",
    "full": "SQLITE_FULL",
    "integrity": "quick_check foreign_key_check",
    "corrupt": "quick_check pitr bookmark",
    "corrupted": "quick_check pitr bookmark",
    # concurrency
    "lost update": "race check-and-set",
    "optimistic": "check-and-set version race",
    "external": "fetch I/O",
    "api": "fetch",
    "lock": "blockConcurrencyWhile input gate",
    "locking": "blockConcurrencyWhile input gate",
    "mutex": "blockConcurrencyWhile input gate",
    "race": "race input gate interleave",
    "concurrent": "concurrency input gate",
    "parallel": "concurrency input gate",
    "interleave": "input gate race",
    "consistency": "output gate input gate",
    "durability": "output gate sync",
    # addressing
    "address": "getByName idFromName stub",
    "lookup": "getByName idFromName",
    "name": "getByName idFromName",
    "name inside": "ctx.id.name id.name",
    "singleton": "global singleton shard",
    "global": "singleton shard",
    "scale": "shard sharding throughput",
    "scaling": "shard sharding throughput",
    "throughput": "requests per second shard",
    "rps": "requests per second throughput",
    "region": "locationHint jurisdiction",
    "regions": "locationHint jurisdiction",
    "requests per second": "throughput",
    "qps": "requests per second throughput",
    "per user": "atom coordination",
    "per room": "atom coordination",
    "granularity": "atom coordination",
    "trigger alarm": "runDurableObjectAlarm",
    "run alarm": "runDurableObjectAlarm",
    "bind": "binding durable_objects bindings",
    "charged": "billing pricing",
    "location": "locationHint",
    "gdpr": "jurisdiction eu",
    "eu": "jurisdiction",
    "residency": "jurisdiction",
    # websockets
    "socket": "websocket",
    "sockets": "websocket",
    "ws": "websocket",
    "realtime": "websocket hibernation",
    "chat": "websocket broadcast",
    "broadcast": "getWebSockets websocket",
    "ping": "setWebSocketAutoResponse",
    "heartbeat": "setWebSocketAutoResponse",
    "keepalive": "setWebSocketAutoResponse",
    "1006": "webSocketClose close",
    # testing and config
    "test": "vitest testing",
    "tests": "vitest testing",
    "testing": "vitest",
    "unit": "vitest testing",
    "mock": "vitest testing",
    "config": "wrangler.jsonc wrangler",
    "configuration": "wrangler.jsonc wrangler",
    "declare": "exports migrations",
    "register": "exports migrations",
    "rename": "renamed_classes renamed_to",
    "delete class": "deleted_classes deleted",
    "types": "wrangler types Env",
    "typescript": "Env types",
    "logs": "observability",
    "logging": "observability",
    "deploy": "wrangler deploy",
    # how agents phrase the same things in full sentences
    "same time": "concurrency concurrent input gate interleaving",
    "simultaneous": "concurrency concurrent input gate",
    "simultaneously": "concurrency concurrent input gate",
    "concurrently": "concurrency input gate",
    "one by one": "single-threaded input gate serialized",
    "sequentially": "single-threaded input gate",
    "serially": "single-threaded input gate",
    "in order": "single-threaded E-order ordering",
    "one row": "one() cursor",
    "single row": "one() cursor",
    "first row": "one() cursor",
    "exactly one": "one() cursor",
    "all rows": "toArray cursor",
    "start up": "constructor blockConcurrencyWhile",
    "starts up": "constructor blockConcurrencyWhile",
    "first access": "constructor blockConcurrencyWhile",
    "first request": "constructor blockConcurrencyWhile",
    "initialization": "constructor blockConcurrencyWhile",
    "initialisation": "constructor blockConcurrencyWhile",
    "set up": "constructor blockConcurrencyWhile",
    "create table": "CREATE TABLE IF NOT EXISTS constructor",
    "block requests": "blockConcurrencyWhile input gate",
    "hold requests": "blockConcurrencyWhile input gate",
    "pause requests": "blockConcurrencyWhile input gate",
    "stop requests": "blockConcurrencyWhile input gate",
    "every hour": "alarm setAlarm reschedule",
    "every minute": "alarm setAlarm reschedule",
    "every day": "alarm setAlarm reschedule",
    "hourly": "alarm setAlarm reschedule",
    "daily": "alarm setAlarm reschedule",
    "repeat": "alarm setAlarm reschedule",
    "how many": "limits",
    "confirmed": "output gate sync durability",
    "acknowledged": "output gate sync",
    "persisted": "output gate sync durability",
    "flushed": "output gate sync",
    "connection lost": "retryable reset exception",
    "disconnected": "retryable reset close",
    "own name": "ctx.id.name id.name",
    "its name": "ctx.id.name id.name",
    "json column": "json_extract json",
    "json field": "json_extract json",
    "tag": "tags getWebSockets getTags",
    "tagged": "tags getWebSockets getTags",
    "metadata": "serializeAttachment attachment",
    "attach": "serializeAttachment",
    "disk usage": "databaseSize",
    "storage used": "databaseSize",
    "space": "databaseSize SQLITE_FULL limits",
    "in-flight": "deploy reset code_update_strategy",
    "new version": "deploy gradual versions",
    "roll out": "gradual deployments versions",
    "rollout": "gradual deployments versions",
    "gradually": "gradual deployments versions",
    "canary": "gradual deployments versions",
    "console.log": "logs observability tail",
    "console": "logs observability",
    "debug": "logs observability",
    "debugging": "logs observability",
    "inserted": "RETURNING last_insert_rowid",
    "row id": "RETURNING last_insert_rowid rowid",
    "geospatial": "rtree",
    "nearest": "rtree",
    "sync kv": "synchronous ctx.storage.kv",
    "synchronous": "ctx.storage.kv transactionSync",
    "new code": "deploy reset code_update_strategy",
    "disconnect": "retryable reset close",
    "disconnects": "retryable reset close",
    "specific user": "tags per-user getWebSockets",
    "one user": "tags per-user getWebSockets",
    "slow query": "index CREATE INDEX rows read",
    "slower": "index CREATE INDEX rows read",
    "forget everything": "deleteAll",
    "restore point": "bookmark getCurrentBookmark",
    "corruption": "quick_check integrity",
    "wakeup": "alarm setAlarm",
    "shuts down": "eviction preShutdown reset",
    "shut down": "eviction preShutdown reset",
    "typed methods": "RPC WorkerEntrypoint",
    "arrays values": "raw() columnNames",
    # places: an object's region is chosen with a location hint, and data residency with a jurisdiction
    "country": "locationHint jurisdiction",
    "countries": "locationHint jurisdiction",
    "continent": "locationHint",
    "australia": "locationHint",
    "asia": "locationHint",
    "america": "locationHint",
    "africa": "locationHint",
    "europe": "jurisdiction eu locationHint",
    "european": "jurisdiction eu",
    "table scan": "index CREATE INDEX rows read",
    "full scan": "index CREATE INDEX rows read",
    # errors
    "error": "error exception",
    "retry": "retryable retries backoff",
    "retries": "retryable backoff",
    "overloaded": "overloaded",
    "fails": "error exception",
    "failing": "error exception",
}

_WORDS = re.compile(r"[A-Za-z0-9_$.-]+")
# Words a phrase key may skip: "create the table" and "stop other requests" meet the keys "create table" and
# "stop requests".
_SKIPPABLE = frozenset({"a", "an", "the", "my", "our", "your", "its", "their", "this", "that", "these", "those",
                        "other", "all", "any", "some", "new", "of", "durable", "object", "objects", "do", "dos"})
_MAX_KEY_WORDS = 3


def _stem_key(key: str) -> str:
    return " ".join(stem_word(w) for w in key.split())


# The hand-kept table above and the agent vocabulary (vocabulary_agents.py) share no key; a test checks it.
VOCABULARY: dict[str, str] = {**SYNONYMS, **AGENT_VOCABULARY}

# Phrase keys match as typed first; failing that, by stem, so "starting up" meets the key "start up".
_BY_STEM: dict[str, str] = {}
for _key, _value in VOCABULARY.items():
    _BY_STEM.setdefault(_stem_key(_key), _value)


def _lookup(words: list[str]) -> str | None:
    key = " ".join(words)
    if key in VOCABULARY or len(words) == 1:  # single words match as typed: by stem, "names" or "errors" fire too often
        return VOCABULARY.get(key)
    return _BY_STEM.get(_stem_key(key))


def expansions_by_position(query: str) -> dict[int, list[str]]:
    """Expansion strings keyed by the character offset of the word (or of a phrase's first word) that triggers them.
    Phrases of up to three words match with articles and possessives between them skipped."""
    found = [(m.start(), m.group(0).lower().strip(".-")) for m in _WORDS.finditer(query)]
    found = [(start, w) for start, w in found if w]
    out: dict[int, list[str]] = {}
    for i, (start, w) in enumerate(found):
        hits: list[str] = []
        single = _lookup([w])
        if single:
            hits.append(single)
        words = [w]
        for _, nxt in found[i + 1:]:
            if len(words) == _MAX_KEY_WORDS:
                break
            if nxt in _SKIPPABLE:
                continue
            words.append(nxt)
            phrase = _lookup(words)
            if phrase and phrase not in hits:
                hits.append(phrase)
        if hits:
            out[start] = hits
    return out


def expand(query: str) -> list[str]:
    """Expansion terms for a query (each a short string to analyze like query text)."""
    return [e for extras in expansions_by_position(query).values() for e in extras]
