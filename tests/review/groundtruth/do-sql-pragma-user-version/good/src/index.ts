import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  run(): number {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS _sql_schema_migrations (id INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    return sql.exec<{ v: number }>("SELECT COALESCE(MAX(id), 0) AS v FROM _sql_schema_migrations").one().v;
  }
}

// The Worker calls the object once and reports what happened: 200 "ok" or 500 with the runtime's error text.
export default {
  async fetch(request: Request, env: { OBJ: DurableObjectNamespace<Obj> }): Promise<Response> {
    try {
      const stub = env.OBJ.getByName(new URL(request.url).searchParams.get("name") ?? "probe");
      return new Response(String(await stub.run()));
    } catch (err) {
      return new Response(String(err), { status: 500 });
    }
  },
};
