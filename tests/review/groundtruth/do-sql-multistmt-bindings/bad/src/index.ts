import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  run(): string {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS log (id TEXT PRIMARY KEY, body TEXT)");
    sql.exec("DELETE FROM log WHERE id = ?; INSERT INTO log (id, body) VALUES (?, ?)", "a", "a", "hello");
    return "ok";
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
