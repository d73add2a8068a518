import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  async run(): Promise<string> {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS t (n INTEGER)");
    try {
      this.ctx.storage.transactionSync(async () => {
        sql.exec("INSERT INTO t (n) VALUES (1)");
        await this.ctx.storage.put("x", 1);
        throw new Error("roll back");
      });
    } catch {
      // expected: the failure should roll the insert back
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    const n = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM t").one().n;
    if (n !== 0) throw new Error(`transaction did not roll back: ${n} row(s) committed`);
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
