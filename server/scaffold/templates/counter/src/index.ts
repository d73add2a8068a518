// A group of named counters in one SQLite-backed Durable Object. Callers pick the group with getByName(group), so
// load spreads over as many objects as there are groups.
import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create counters",
    sql: `CREATE TABLE IF NOT EXISTS counters (
      name TEXT PRIMARY KEY,
      value INTEGER NOT NULL DEFAULT 0,
      updated_at INTEGER NOT NULL
    )`,
  },
];

export interface CounterValue {
  name: string;
  value: number;
}

export class Counter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Runs before any request: no call can see the schema half-built.
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Add `by` (default 1) and return the new value. One statement, so concurrent calls never lose an update. */
  increment(name: string, by = 1): number {
    if (!Number.isSafeInteger(by)) throw new RangeError("by must be an integer");
    return this.ctx.storage.sql
      .exec<{ value: number }>(
        `INSERT INTO counters (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET value = value + excluded.value, updated_at = excluded.updated_at
         RETURNING value`,
        name,
        by,
        Date.now(),
      )
      .one().value;
  }

  get(name: string): number {
    const row = this.ctx.storage.sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = ?", name).toArray()[0];
    return row?.value ?? 0;
  }

  list(): CounterValue[] {
    return this.ctx.storage.sql.exec<{ name: string; value: number }>("SELECT name, value FROM counters ORDER BY name").toArray();
  }

  reset(name: string): boolean {
    return this.ctx.storage.sql.exec("DELETE FROM counters WHERE name = ? RETURNING name", name).toArray().length > 0;
  }
}

const ROUTE = /^\/counters\/([\w.-]{1,100})\/([\w.-]{1,100})$/;

export default {
  // GET /counters/<group>/<name> reads, POST increments (optional ?by=N), DELETE resets.
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = ROUTE.exec(url.pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, group, name] = match;
    const stub = env.COUNTER.getByName(group);
    switch (request.method) {
      case "GET":
        return Response.json({ name, value: await stub.get(name) });
      case "POST": {
        const by = Number(url.searchParams.get("by") ?? "1");
        if (!Number.isSafeInteger(by)) return new Response("by must be an integer", { status: 400 });
        return Response.json({ name, value: await stub.increment(name, by) });
      }
      case "DELETE":
        return Response.json({ name, deleted: await stub.reset(name) });
      default:
        return new Response("method not allowed", { status: 405, headers: { allow: "GET, POST, DELETE" } });
    }
  },
} satisfies ExportedHandler<Env>;
