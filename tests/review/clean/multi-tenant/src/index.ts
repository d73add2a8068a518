import { DurableObject } from "cloudflare:workers";

export interface Env {
  TENANTS: DurableObjectNamespace<TenantStore>;
}

const TABLE = "records";

type RecordRow = { id: string; kind: string; data: string; updated_at: number };

/** One object per tenant: each tenant's data is isolated in its own SQLite database. */
export class TenantStore extends DurableObject<Env> {
  private readonly sql = this.ctx.storage.sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL,
      data TEXT NOT NULL CHECK (json_valid(data)),
      updated_at INTEGER NOT NULL
    )`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS ${TABLE}_by_kind ON ${TABLE} (kind, updated_at)`);
  }

  put(id: string, kind: string, data: unknown): void {
    this.sql.exec(
      `INSERT INTO ${TABLE} (id, kind, data, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, data = excluded.data, updated_at = excluded.updated_at`,
      id,
      kind,
      JSON.stringify(data),
      Date.now(),
    );
  }

  get(id: string): unknown {
    const rows = this.sql.exec<RecordRow>(`SELECT * FROM ${TABLE} WHERE id = ?`, id).toArray();
    return rows.length ? JSON.parse(rows[0].data) : null;
  }

  list(kind: string, after = 0, limit = 50): RecordRow[] {
    return this.sql
      .exec<RecordRow>(`SELECT * FROM ${TABLE} WHERE kind = ? AND updated_at > ? ORDER BY updated_at LIMIT ?`, kind, after, limit)
      .toArray();
  }

  field(id: string, path: string): unknown {
    return this.sql.exec(`SELECT json_extract(data, ?) AS v FROM ${TABLE} WHERE id = ?`, path, id).one().v;
  }

  async purge(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

function tenantOf(request: Request): string | null {
  const host = new URL(request.url).hostname;
  const [sub] = host.split(".");
  return sub && sub !== "www" ? sub : null;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const tenant = tenantOf(request);
    if (!tenant) return new Response("unknown tenant", { status: 404 });
    const store = env.TENANTS.getByName(tenant);
    const id = new URL(request.url).searchParams.get("id");
    if (!id) return Response.json(await store.list("note"));
    if (request.method === "PUT") {
      await store.put(id, "note", await request.json());
      return new Response(null, { status: 204 });
    }
    return Response.json(await store.get(id));
  },
} satisfies ExportedHandler<Env>;
