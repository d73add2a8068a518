"""Agent vocabulary, second table: words from other platforms and everyday symptoms ("kafka", "jest", "show tables",
"double booking", "oom") mapped to the terms the references use. Written on 2026-11-30 section by section from the
references alone, by engineers who never saw a question set; each entry names the section whose text holds its
terms (tests/search/test_vocabulary.py checks that they are there). Measured on the dev and validation sets it moved
nothing (1,100 questions rarely use these words): it is there for the questions those sets do not ask. Two entries
that cost a dev question ("llm", "compat date") and one that means two things here ("enumerate") were left out.
"""

from __future__ import annotations

# key as an agent types it -> corpus terms; the comment names the section(s) that hold the terms
AGENT_VOCABULARY: dict[str, str] = {
    "on duplicate key": "UPSERT ON CONFLICT excluded",  # sql-statements#upsert-with-on-conflict-do-update
    # sql-statements#attach-detach-temp-objects-and-vacuum, facets-and-containers#ctxfacets-child-objects-with-their-own-database
    "multiple databases": "ATTACH main ctx.facets facet separate SQLite database",
    "shrink database": "VACUUM databaseSize",  # sql-statements#attach-detach-temp-objects-and-vacuum
    "show tables": "table_list pragma_table_list",  # sql-statements#schema-introspection-pragmas
    "describe table": "table_info table_xinfo",  # sql-statements#schema-introspection-pragmas
    "relevance": "bm25 rank",  # sql-statements#query-with-match-bm25-highlight-and-snippet
    "elasticsearch": "MATCH bm25 snippet",  # sql-statements#query-with-match-bm25-highlight-and-snippet
    "column exists": "pragma_table_info ADD COLUMN",  # sql-statements#create-table-if-not-exists-and-idempotent-ddl
    "datatype mismatch": "STRICT SQLITE_CONSTRAINT_DATATYPE",  # sql-statements#strict-tables
    "computed column": "GENERATED ALWAYS AS VIRTUAL STORED",  # sql-statements#generated-columns
    # sql-statements#delete-and-update-with-order-by-limit, alarms#the-alarmalarminfo-handler, rules#use-alarms-for-per-entity-scheduled-work
    "ttl": "DELETE ORDER BY LIMIT setAlarm alarm expires_at expiring",
    "autoincrement": "RETURNING",  # sql-statements#returning
    "sql injection": "bindings interpolation",  # sqlite-storage#sqlexec-and-bindings
    "prepared statement": "exec bindings placeholders",  # sqlite-storage#sqlexec-and-bindings
    "big integer": "int64 BigInt 2^53",  # sqlite-storage#integer-precision-int64
    "precision loss": "int64 BigInt CAST",  # sqlite-storage#integer-precision-int64
    "dirty read": "isolation uncommitted cursor",  # sqlite-storage#consume-cursors-before-the-next-await
    "database size": "databaseSize",  # sqlite-storage#databasesize
    # sqlite-storage#transactionsync, errors#begin-transaction-rejected
    "nested transaction": "transactionSync SAVEPOINT",
    "localstorage": "ctx.storage.kv synchronous",  # sqlite-storage#synchronous-kv-ctxstoragekv
    "paginate keys": "kv.list startAfter limit",  # sqlite-storage#kvlist-options
    "bulk get": "128 keys batches",  # sqlite-storage#128-key-batches
    # sqlite-storage#deleteall, rules#clean-up-with-deleteall-and-delete-the-alarm-with-it
    "delete everything": "deleteAll",
    "system tables": "_cf_KV sqlite_master",  # sqlite-storage#the-hidden-kv-table-_cf_kv
    "schemaless": "json_extract json_set json_patch",  # json-functions#which-json-functions-are-available
    "nosql": "json_extract json_set json_patch",  # json-functions#which-json-functions-are-available
    # json-functions#modifying-json-json_set-json_insert-json_replace-json_remove-json_patch
    "deep merge": "json_patch merge patch",
    "array push": "json_insert append",  # json-functions#appending-to-an-array-with-append-path
    # json-functions#building-json-json_array-json_object-and-the-group-aggregates
    "array_agg": "json_group_array json_group_object",
    "unnest": "json_each json_tree",  # json-functions#expanding-json-into-rows-json_each-and-json_tree
    "array contains": "json_each EXISTS",  # json-functions#expanding-json-into-rows-json_each-and-json_tree
    "invalid json": "malformed JSON json_valid",  # json-functions#malformed-json-and-bad-json-path-errors
    # json-functions#indexing-json-fields-with-generated-columns-or-expression-indexes
    "functional index": "expression index generated column",
    "referential integrity": "foreign key REFERENCES",  # foreign-keys#are-foreign-keys-enforced-in-durable-objects
    "deferrable": "defer_foreign_keys",  # foreign-keys#pragma-defer_foreign_keys-inside-transactionsync
    "disable constraints": "foreign_keys OFF",  # foreign-keys#pragma-foreign_keys-off-does-nothing-inside-a-transaction
    "alter column": "rebuild ALTER TABLE",  # foreign-keys#rebuilding-a-table-to-change-a-foreign-key
    # pitr#example-restore-to-a-point-in-time-via-an-admin-rpc-method
    "time travel": "bookmark getBookmarkForTime onNextSessionRestoreBookmark",
    # pitr#example-restore-to-a-point-in-time-via-an-admin-rpc-method
    "accidentally deleted": "getBookmarkForTime onNextSessionRestoreBookmark",
    "clone database": "snapshot fork",  # snapshots#what-the-api-is-meant-to-do
    "db browser": "Data Studio",  # observability#data-studio-view-and-edit-sqlite-tables-in-the-dashboard
    "memory leak": "Memory usage isolate",  # observability#metrics-tab-and-per-object-filter
    "prometheus": "GraphQL Analytics datasets",  # observability#graphql-analytics-datasets
    "live logs": "wrangler tail",  # observability#logs-tab-and-what-to-log-from-a-durable-object
    "sentry": "error groups",  # observability#error-groups
    "partition": "shard sharding",  # patterns#sharding, namespace-and-stubs#sharding-names-across-several-objects
    # patterns#shard-by-hash-into-n-shards, rules#dont-route-all-traffic-through-a-global-singleton
    "hotspot": "shard hash SHARDS singleton overloaded",
    "consistent hashing": "shardOf hash SHARDS",  # patterns#shard-by-hash-into-n-shards
    "resharding": "remaps directory object",  # patterns#shard-by-hash-into-n-shards
    "hierarchy": "parent children",  # patterns#parent-child-coordination
    "throttle": "rate limit limiter",  # patterns#rate-limiting
    "throttling": "rate limit limiter",  # patterns#rate-limiting
    "leaky bucket": "token bucket refill",  # patterns#token-bucket-in-sql
    "double booking": "transactionSync hold seats conflicts",  # patterns#booking-and-reservations
    "private message": "tags getWebSockets",  # patterns#per-user-delivery-with-tags
    "pub sub": "fan-out broadcast Promise.allSettled",  # patterns#fan-out-and-broadcast
    "task queue": "job queue enqueue run_at",  # patterns#job-queue-on-one-alarm
    # patterns#job-queue-on-one-alarm, alarms#run-many-jobs-from-one-alarm-with-a-schedule-table
    "multiple alarms": "single alarm run_at armForNext schedule table",
    # patterns#job-queue-on-one-alarm, alarms#retries-and-at-least-once-delivery, rules#make-alarm-handlers-idempotent
    "exactly once": "idempotent at-least-once",
    "saas": "multi-tenant tenant",  # patterns#multi-tenant-one-object-per-tenant
    "relocate": "jurisdiction moved locationHint",  # patterns#data-residency-with-jurisdictions
    # testing#which-package-cloudflarevitest-plugin-not-cloudflarevitest-pool-workers
    "jest": "vitest @cloudflare/vitest-plugin",
    # testing#which-package-cloudflarevitest-plugin-not-cloudflarevitest-pool-workers
    "mock fetch": "@msw/cloudflare outbound fetch mocking",
    "e2e": "integration exports.default.fetch",  # testing#integration-tests-with-exportsdefaultfetch
    "teardown": "reset afterEach",  # testing#storage-is-isolated-per-test-file-not-per-test
    "inspect storage": "runInDurableObject state.storage",  # testing#runindurableobject
    "fake timers": "runDurableObjectAlarm",  # testing#rundurableobjectalarm
    # testing#evictdurableobject-and-evictalldurableobjects
    "simulate hibernation": "evictDurableObject webSockets hibernate",
    "simulate crash": "abortAllDurableObjects",  # testing#evictdurableobject-and-evictalldurableobjects
    "chatbot": "AIChatAgent onChatMessage",  # agents-sdk#aichatagent-now-in-cloudflareai-chat
    "chat history": "AIChatAgent messages maxPersistedMessages",  # agents-sdk#aichatagent-now-in-cloudflareai-chat
    "react hook": "useAgent agents/react",  # agents-sdk#state-sync-to-clients-useagent-and-agentclient
    "cancel task": "cancelSchedule listSchedules",  # agents-sdk#schedule-scheduleevery-and-cancelschedule
    "stay awake": "keepAlive keepAliveWhile",  # agents-sdk#schedules-versus-raw-alarms-one-alarm-slot
    # agents-sdk#routing-routeagentrequest-and-getagentbyname
    "authenticate connections": "onBeforeConnect onBeforeRequest",
    # partyserver-and-actors#partyserver-server-is-a-durable-object-base-class, websockets#a-fetch-that-only-upgrades-the-websocket
    "socket.io": "partyserver Server rooms connections acceptWebSocket WebSocketPair",
    "user code": "Dynamic Workers LOADER facets",  # facets-and-containers#running-dynamic-code-with-facets
    # facets-and-containers#containers-every-instance-is-owned-by-a-durable-object
    "native binary": "Container ctx.container",
    # facets-and-containers#container-start-up-and-lifecycle-from-the-durable-object
    "readiness": "startAndWaitForPorts getTcpPort",
    # facets-and-containers#outbound-interception-through-ctxexports
    "firewall": "interceptOutboundHttp interceptAllOutboundHttp enableInternet",
    "allowed domains": "allowedHosts deniedHosts",  # facets-and-containers#outbound-interception-through-ctxexports
    "s3": "R2 blobs",  # choosing#signs-a-durable-object-design-is-fighting-the-platform
    "step functions": "Workflows step.do",  # choosing#workflows-instead-durable-multi-step-jobs
    "orchestration": "Workflows step.do",  # choosing#workflows-instead-durable-multi-step-jobs
    "global query": "D1 cross-entity reporting",  # choosing#d1-instead-one-shared-relational-database
    "kafka": "Queues sendBatch",  # choosing#queues-instead-fan-out-buffering-and-batching
    "sqs": "Queues send sendBatch",  # choosing#queues-instead-fan-out-buffering-and-batching
    # lifecycle-and-config#why-a-class-cannot-move-from-kv-backed-to-sqlite
    "migrate to sqlite": "storage_type_mismatch new_sqlite_classes",
    "remove class": "deleted_classes tombstone",  # lifecycle-and-config#delete-a-class-with-exports
    # lifecycle-and-config#transfer-a-class-between-workers-with-exports
    "move class": "expecting-transfer transferred_to",
    # lifecycle-and-config#compatibility-dates-that-change-durable-object-behaviour
    "compat flag": "compatibility_flags compatibility_date",
    # lifecycle-and-config#object-lifecycle-constructor-hibernation-eviction-shutdown, errors#what-a-client-sees-on-shutdown
    "destructor": "preShutdown eviction shutdown hook",
    # lifecycle-and-config#object-lifecycle-constructor-hibernation-eviction-shutdown, errors#durable-object-reset-because-its-code-was-updated
    "redeploy": "Deploying in-flight restarts code was updated reset",
    "uuid": "newUniqueId unguessable",  # namespace-and-stubs#newuniqueid, rules#use-deterministic-ids-with-getbyname
    "invalid id": "idFromString throws",  # namespace-and-stubs#idfromstring
    "cache stub": "fresh stub per request",  # namespace-and-stubs#creating-a-stub-does-not-create-or-wake-the-object
    "reuse stub": "broken discard getByName",  # namespace-and-stubs#stub-failure-create-a-new-stub-after-an-exception
    "sovereignty": "jurisdiction",  # namespace-and-stubs#jurisdictions-jurisdiction-sub-namespaces
    "fifo": "E-order",  # namespace-and-stubs#call-ordering-on-one-stub-e-order
    "pubsub": "broadcast getWebSockets",  # websockets#broadcasting-to-connected-clients
    "onmessage": "webSocketMessage",  # websockets#handler-methods-websocketmessage-websocketclose-websocketerror
    # websockets#heartbeats-without-waking-setwebsocketautoresponse
    "stale connections": "getWebSocketAutoResponseTimestamp dead",
    "connection count": "getWebSockets length",  # websockets#the-constructor-runs-again-on-every-wake
    "concurrent connections": "hibernatable sockets per object",  # websockets#message-size-and-other-limits
    "outbound websocket": "Outgoing WebSockets",  # websockets#outgoing-websockets-from-a-durable-object
    "settimeout": "setAlarm alarm",  # alarms#setalarm
    "expire": "alarm expires_at",  # alarms#the-alarmalarminfo-handler
    "dead letter": "retryCount dropped",  # alarms#retries-and-at-least-once-delivery
    "infinite loop": "tight loop stop condition",  # alarms#reschedule-only-while-work-remains
    # service-bindings#workerentrypoint-classes-and-named-entrypoints
    "microservice": "service binding WorkerEntrypoint",
    # service-bindings#rpc-requirements-compatibility-date-2024-04-03-or-the-rpc-flag
    "not function": "RPC compatibility_date public method",
    "large payload": "32 MiB ReadableStream",  # service-bindings#structured-clone-values-and-the-32-mib-limit
    "chain calls": "promise pipelining",  # service-bindings#promise-pipelining
    "different worker": "script_name",  # service-bindings#binding-a-class-in-another-worker-script_name
    "router": "routing RPC anti-pattern",  # service-bindings#rpc-vs-fetch-url-routing-inside-a-do-is-an-anti-pattern
    "missing await": "un-awaited await",  # service-bindings#always-await-rpc-calls
    # concurrency#single-threaded-execution-and-where-interleaving-happens, rules#rely-on-input-and-output-gates-instead-of-locks
    "thread safe": "single-threaded input gate output gate locks",
    "reentrant": "interleave input gate",  # concurrency#single-threaded-execution-and-where-interleaving-happens
    "double spend": "claim check-and-set",  # concurrency#race-conditions-across-non-storage-io
    "compare and swap": "check-and-set version",  # concurrency#fix-optimistic-check-and-set-with-a-version-column
    "critical section": "blockConcurrencyWhile",  # concurrency#semantics
    # concurrency#why-un-awaited-sqlexec-writes-are-safe, rules#always-await-rpc-calls
    "floating promise": "un-awaited output gate await waitUntil do-unawaited-rpc",
    # concurrency#writes-with-no-await-between-them-commit-atomically
    "batch writes": "coalescing implicit transaction",
    # concurrency#in-memory-caching-of-storage, rules#keep-durable-state-in-storage-not-in-class-fields-or-globals
    "global variable": "module-level variables globals class fields",
    "instance variables": "class fields",  # rules#keep-durable-state-in-storage-not-in-class-fields-or-globals
    "thread-safe": "input gate output gate locks",  # rules#rely-on-input-and-output-gates-instead-of-locks
    "destroy": "deleteAll",  # rules#clean-up-with-deleteall-and-delete-the-alarm-with-it
    "node.js": "nodejs_compat compatibility_flags",  # workers#compatibility_date-compatibility_flags-and-main
    "global env": "import env cloudflare:workers",  # workers#import-env-from-cloudflareworkers
    "state.storage": "ctx DurableObjectState",  # workers#the-do-class-extends-durableobjectenv-with-ctx-and-env
    "tracing": "traces head_sampling_rate",  # workers#observability-config-observability
    "opentelemetry": "traces destinations",  # workers#observability-config-observability
    "bulk insert": "batch inserts bound parameters",  # limits#sql-limits
    "long running": "wall time checkpoint",  # limits#wall-time
    "max connections": "Hibernatable WebSockets 32,768",  # limits#websocket-limits
    "large response": "32 MiB ReadableStream",  # limits#rpc-payload-size
    "oom": "128 MB memory limit",  # limits#other-limits-worth-knowing
    "429": "overloaded Too many requests",  # errors#overload-errors-durable-object-is-overloaded
    "throttled": "overloaded",  # errors#overload-errors-durable-object-is-overloaded
    "intermittent": "retryable transient",  # errors#retryable
    "dedupe": "idempotent request ID",  # errors#retryable
    "dead stub": "new stub permanently broken",  # errors#recreate-the-stub-after-an-exception
    "custom error": "remote typed result objects",  # errors#remote
    # errors#durable-object-connection-closed-because-the-object-was-reset
    "websocket dropped": "connection closed reset reconnect",
    # errors#durable-object-reset-because-its-code-was-updated
    "version skew": "backward compatible older Worker version",
    "switch to sqlite": "new_sqlite_classes converted",  # errors#sql-api-on-a-kv-backed-class
    "start transaction": "BEGIN TRANSACTION transactionSync",  # errors#begin-transaction-rejected
    "kill": "ctx.abort abort",  # errors#what-a-client-sees-on-shutdown
    "downtime": "deferred code_update_strategy",  # deployments#what-a-deploy-does-to-an-active-object
    "draining": "deferred max_delay hibernates",  # deployments#what-a-deploy-does-to-an-active-object
    "breaking change": "compatible RPC storage formats versions",  # deployments#what-a-deploy-does-to-an-active-object
    # deployments#gradual-deployments-with-durable-objects
    "blue green": "gradual deployment versions deploy percentage",
    "revert": "rolled back PITR",  # deployments#gradual-deployments-with-durable-objects
    "free tier": "Workers Free plan",  # pricing#compute-requests-and-duration
    "compute time": "duration GB-s",  # pricing#compute-requests-and-duration
    "save money": "hibernation pay less",  # pricing#what-keeps-an-object-billing-and-what-hibernation-saves
    "per message": "20:1 incoming messages",  # pricing#websockets-and-the-201-ratio
    "storage fees": "stored data GB-month",  # pricing#storage-billing-sqlite-rows-read-rows-written-stored-data
    # Added 2026-11-30 (session 5), from questions written by others that found nothing for these words ("as it
    # was an hour ago"; metrics for Grafana; "wake up at 9am")
    "ago": "getBookmarkForTime",  # pitr#getbookmarkfortime
    "grafana": "GraphQL Analytics datasets",  # observability#graphql-analytics-datasets
    "wake up at": "setAlarm alarm",  # alarms#setalarm
    "await fetch": "input gate interleave race",  # concurrency#race-conditions-across-non-storage-io
    "add column": "ALTER TABLE ADD COLUMN",  # sql-statements#create-table-if-not-exists-and-idempotent-ddl
    # websockets#per-connection-state-serializeattachment-and-deserializeattachment
    "across hibernation": "serializeAttachment deserializeAttachment",
    # websockets#per-connection-state-serializeattachment-and-deserializeattachment
    "survive hibernation": "serializeAttachment deserializeAttachment",
}
