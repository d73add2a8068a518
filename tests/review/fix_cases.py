"""Before/after pairs for every fix kind, shared by the fix tests and the toolchain (tsc) test.

Each case is real code that type-checks against @cloudflare/workers-types (with the ``Env`` below) before and
after: ``after`` is exactly what applying the finding's edits gives.
"""

from __future__ import annotations

from dataclasses import dataclass

ENV_DTS = """interface Env {
  COUNTER: DurableObjectNamespace<import("./index").Counter>;
}
"""
IMPORT = 'import { DurableObject } from "cloudflare:workers";\n'
# the SQL that replaces PRAGMA user_version, spelled out (the runtime test in tests/corpus runs the same text)
PRAGMA_TABLE = ("CREATE TABLE IF NOT EXISTS _user_version (id INTEGER PRIMARY KEY CHECK (id = 1), "
                "version INTEGER NOT NULL)")
PRAGMA_READ = PRAGMA_TABLE + "; SELECT COALESCE(MAX(version), 0) AS user_version FROM _user_version"
PRAGMA_WRITE = PRAGMA_TABLE + ("; INSERT INTO _user_version (id, version) VALUES (1, ?) "
                               "ON CONFLICT (id) DO UPDATE SET version = excluded.version")


@dataclass(frozen=True)
class FixCase:
    id: str
    rule: str
    safety: str
    before: str
    after: str
    path: str = "src/index.ts"


CASES = [
    FixCase("bindings-array-literal", "do-sql-bindings-array", "safe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  add(id: string, body: string) {\n"
            "    this.ctx.storage.sql.exec(\"INSERT INTO notes (id, body) VALUES (?, ?)\", [id, body]);\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  add(id: string, body: string) {\n"
            "    this.ctx.storage.sql.exec(\"INSERT INTO notes (id, body) VALUES (?, ?)\", id, body);\n  }\n}\n"),
    FixCase("bindings-array-const", "do-sql-bindings-array", "safe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  add(id: string, body: string) {\n"
            "    const values = [id, body];\n"
            "    this.ctx.storage.sql.exec(\"INSERT INTO notes (id, body) VALUES (?, ?)\", values);\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  add(id: string, body: string) {\n"
            "    const values = [id, body];\n"
            "    this.ctx.storage.sql.exec(\"INSERT INTO notes (id, body) VALUES (?, ?)\", ...values);\n  }\n}\n"),
    FixCase("create-if-not-exists", "do-sql-create-not-idempotent", "safe",
            IMPORT + "const INDEX = `create unique index  by_body ON notes(body)`;\n"
            "export class Counter extends DurableObject<Env> {\n  constructor(ctx: DurableObjectState, env: Env) {\n"
            "    super(ctx, env);\n    ctx.storage.sql.exec(\"CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT)\");\n"
            "    ctx.storage.sql.exec(INDEX);\n  }\n}\n",
            IMPORT + "const INDEX = `create unique index  IF NOT EXISTS by_body ON notes(body)`;\n"
            "export class Counter extends DurableObject<Env> {\n  constructor(ctx: DurableObjectState, env: Env) {\n"
            "    super(ctx, env);\n    ctx.storage.sql.exec(\"CREATE TABLE IF NOT EXISTS notes (id TEXT PRIMARY KEY, body TEXT)\");\n"
            "    ctx.storage.sql.exec(INDEX);\n  }\n}\n"),
    FixCase("transaction-sync", "do-sql-transaction-stmt", "safe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  move(a: string, b: string, n: number) {\n"
            "    const sql = this.ctx.storage.sql;\n    this.ctx.storage.sql.exec(\"BEGIN TRANSACTION\");\n"
            "    sql.exec(\"UPDATE acct SET bal = bal - ? WHERE id = ?\", n, a);\n    if (n > 0) {\n"
            "      sql.exec(\"UPDATE acct SET bal = bal + ? WHERE id = ?\", n, b);\n    }\n"
            "    this.ctx.storage.sql.exec(\"COMMIT\");\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  move(a: string, b: string, n: number) {\n"
            "    const sql = this.ctx.storage.sql;\n    this.ctx.storage.transactionSync(() => {\n"
            "      sql.exec(\"UPDATE acct SET bal = bal - ? WHERE id = ?\", n, a);\n      if (n > 0) {\n"
            "        sql.exec(\"UPDATE acct SET bal = bal + ? WHERE id = ?\", n, b);\n      }\n    });\n  }\n}\n"),
    FixCase("transaction-sync-const", "do-sql-transaction-stmt", "safe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  move(a: string, n: number): void {\n"
            "    const sql = this.ctx.storage.sql;\n    sql.exec(\"BEGIN\");\n"
            "    sql.exec(\"UPDATE acct SET bal = bal - ? WHERE id = ?\", n, a);\n    sql.exec(\"COMMIT\");\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  move(a: string, n: number): void {\n"
            "    const sql = this.ctx.storage.sql;\n    this.ctx.storage.transactionSync(() => {\n"
            "      sql.exec(\"UPDATE acct SET bal = bal - ? WHERE id = ?\", n, a);\n    });\n  }\n}\n"),
    FixCase("class-export", "do-class-not-exported", "safe",
            IMPORT + "class Counter extends DurableObject<Env> {\n  async ping(): Promise<string> {\n    return \"pong\";\n  }\n}\n\n"
            "export default {\n  async fetch(): Promise<Response> {\n    return new Response(\"ok\");\n  },\n};\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async ping(): Promise<string> {\n    return \"pong\";\n  }\n}\n\n"
            "export default {\n  async fetch(): Promise<Response> {\n    return new Response(\"ok\");\n  },\n};\n"),
    FixCase("await-rpc", "do-unawaited-rpc", "unsafe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async increment(): Promise<number> {\n"
            "    return 1;\n  }\n}\nexport default {\n  async fetch(req: Request, env: Env): Promise<Response> {\n"
            "    const stub = env.COUNTER.getByName(new URL(req.url).pathname);\n    stub.increment();\n"
            "    return new Response(\"ok\");\n  },\n};\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async increment(): Promise<number> {\n"
            "    return 1;\n  }\n}\nexport default {\n  async fetch(req: Request, env: Env): Promise<Response> {\n"
            "    const stub = env.COUNTER.getByName(new URL(req.url).pathname);\n    await stub.increment();\n"
            "    return new Response(\"ok\");\n  },\n};\n"),
    FixCase("alarm-stub", "do-setalarm-no-handler", "unsafe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async schedule(at: number) {\n"
            "    await this.ctx.storage.setAlarm(at);\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async schedule(at: number) {\n"
            "    await this.ctx.storage.setAlarm(at);\n  }\n\n  async alarm(): Promise<void> {\n"
            "    // TODO: do the work scheduled with setAlarm(); call setAlarm() again here if more remains\n  }\n}\n"),
    FixCase("websocket-stub", "do-ws-missing-handler", "unsafe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async fetch(req: Request): Promise<Response> {\n"
            "    const [client, server] = Object.values(new WebSocketPair());\n    this.ctx.acceptWebSocket(server);\n"
            "    return new Response(null, { status: 101, webSocket: client });\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  async fetch(req: Request): Promise<Response> {\n"
            "    const [client, server] = Object.values(new WebSocketPair());\n    this.ctx.acceptWebSocket(server);\n"
            "    return new Response(null, { status: 101, webSocket: client });\n  }\n\n"
            "  async webSocketMessage(_ws: WebSocket, _message: string | ArrayBuffer): Promise<void> {\n"
            "    // TODO: handle one message from a hibernatable WebSocket (reply with _ws.send(...))\n  }\n}\n"),
    FixCase("legacy-implements", "do-legacy-class-shape", "unsafe",
            "export class Counter implements DurableObject {\n"
            "  constructor(private state: DurableObjectState, private env: Env) {}\n\n"
            "  async fetch(req: Request): Promise<Response> {\n"
            "    return new Response(String((await this.state.storage.get<number>(\"n\")) ?? 0));\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n"
            "  constructor(private state: DurableObjectState, env: Env) {\n    super(state, env);\n  }\n\n"
            "  async fetch(req: Request): Promise<Response> {\n"
            "    return new Response(String((await this.state.storage.get<number>(\"n\")) ?? 0));\n  }\n}\n"),
    FixCase("legacy-constructor", "do-legacy-class-shape", "unsafe",
            "export class Counter {\n  state: DurableObjectState;\n  constructor(state: DurableObjectState, env: Env) {\n"
            "    this.state = state;\n  }\n\n  async fetch(req: Request): Promise<Response> {\n"
            "    return new Response(req.url);\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  state: DurableObjectState;\n"
            "  constructor(state: DurableObjectState, env: Env) {\n    super(state, env);\n"
            "    this.state = state;\n  }\n\n  async fetch(req: Request): Promise<Response> {\n"
            "    return new Response(req.url);\n  }\n}\n"),
    FixCase("pragma-user-version-read", "do-sql-pragma-user-version", "unsafe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  version(): number {\n"
            "    return this.ctx.storage.sql.exec<{ user_version: number }>(\"PRAGMA user_version\").one().user_version;\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  version(): number {\n"
            "    return this.ctx.storage.sql.exec<{ user_version: number }>(\"" + PRAGMA_READ + "\").one().user_version;\n  }\n}\n"),
    FixCase("pragma-user-version-write", "do-sql-pragma-user-version", "unsafe",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  setVersion(n: number): void {\n"
            "    const sql = this.ctx.storage.sql;\n    sql.exec(`PRAGMA user_version = ${n}`);\n"
            "    sql.exec('pragma main.user_version = 0;');\n  }\n}\n",
            IMPORT + "export class Counter extends DurableObject<Env> {\n  setVersion(n: number): void {\n"
            "    const sql = this.ctx.storage.sql;\n    sql.exec(`" + PRAGMA_WRITE + "`, n);\n"
            "    sql.exec('" + PRAGMA_WRITE + "', 0);\n  }\n}\n"),
]

WRANGLER = """{
  "name": "fixes",
  "main": "src/index.ts",
  "compatibility_date": "2026-01-01",
  "durable_objects": { "bindings": [{ "name": "COUNTER", "class_name": "Counter" }] },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Counter"] }]
}
"""
