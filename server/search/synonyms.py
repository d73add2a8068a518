"""Durable Objects vocabulary: the everyday words agents use, mapped to the words the corpus uses.

Agents ask "how do I run a cron job in a DO" or "will my object sleep"; the reference says ``alarm()`` and
"hibernation". Expansions are added to the query with a lower weight than the user's own words, so they help a
section that uses the platform's term without outranking one that uses the user's term.
"""

from __future__ import annotations

import re

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
    "shutdown": "eviction reset",
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
    "disk": "storage SQLITE_FULL",
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
    "singleton": "global singleton shard",
    "global": "singleton shard",
    "scale": "shard sharding throughput",
    "scaling": "shard sharding throughput",
    "throughput": "requests per second shard",
    "rps": "requests per second throughput",
    "region": "locationHint jurisdiction",
    "location": "locationHint",
    "gdpr": "jurisdiction eu",
    "eu": "jurisdiction",
    "residency": "jurisdiction",
    "call": "rpc stub",
    "method": "rpc stub",
    "methods": "rpc stub",
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
    # errors
    "error": "error exception",
    "retry": "retryable retries backoff",
    "retries": "retryable backoff",
    "overloaded": "overloaded",
    "fails": "error exception",
    "failing": "error exception",
}

_WORDS = re.compile(r"[A-Za-z0-9_$.-]+")


def expansions_by_position(query: str) -> dict[int, list[str]]:
    """Expansion strings keyed by the character offset of the word (or of a pair's first word) that triggers them."""
    found = [(m.start(), m.group(0).lower().strip(".-")) for m in _WORDS.finditer(query)]
    out: dict[int, list[str]] = {}
    for i, (start, w) in enumerate(found):
        if w in SYNONYMS:
            out.setdefault(start, []).append(SYNONYMS[w])
        if i + 1 < len(found):
            pair = f"{w} {found[i + 1][1]}"
            if pair in SYNONYMS:
                out.setdefault(start, []).append(SYNONYMS[pair])
    return out


def expand(query: str) -> list[str]:
    """Expansion terms for a query (each a short string to analyze like query text)."""
    return [e for extras in expansions_by_position(query).values() for e in extras]
