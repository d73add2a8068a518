import { DurableObject } from "cloudflare:workers";

export interface Env {
  COUNTERS: DurableObjectNamespace<Counters>;
}

type Row = { key: string; value: number };

/** Many named counters per tenant in one SQLite table. Writes are not awaited: the output gate covers them. */
export class Counters extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS counters (
      key TEXT PRIMARY KEY,
      value INTEGER NOT NULL DEFAULT 0
    )`);
  }

  add(key: string, by: number): number {
    return this.sql
      .exec<{ value: number }>(
        "INSERT INTO counters (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value",
        key,
        by,
      )
      .one().value;
  }

  top(limit: number): Row[] {
    return this.sql.exec<Row>("SELECT key, value FROM counters ORDER BY value DESC LIMIT ?", limit).toArray();
  }

  remove(keys: string[]): void {
    if (keys.length === 0) return;
    const placeholders = keys.map(() => "?").join(", ");
    this.sql.exec(`DELETE FROM counters WHERE key IN (${placeholders})`, ...keys);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const tenant = url.searchParams.get("tenant") ?? "public";
    const stub = env.COUNTERS.getByName(tenant);
    const key = url.searchParams.get("key");
    if (key) return Response.json({ value: await stub.add(key, 1) });
    return Response.json(await stub.top(10));
  },
} satisfies ExportedHandler<Env>;
