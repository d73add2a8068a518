import { DurableObject } from "cloudflare:workers";

export interface Env {
  WAREHOUSE: DurableObjectNamespace<Warehouse>;
}

export type Line = { sku: string; qty: number };

/** Stock per warehouse. An order reserves every line or none: transactionSync rolls back on throw. */
export class Warehouse extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL CHECK (qty >= 0));
      CREATE TABLE IF NOT EXISTS reservations (
        order_id TEXT NOT NULL,
        sku TEXT NOT NULL REFERENCES stock (sku),
        qty INTEGER NOT NULL,
        PRIMARY KEY (order_id, sku)
      );
    `);
  }

  restock(lines: Line[]): void {
    this.ctx.storage.transactionSync(() => {
      for (const { sku, qty } of lines) {
        this.ctx.storage.sql.exec(
          "INSERT INTO stock (sku, qty) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET qty = qty + excluded.qty",
          sku,
          qty,
        );
      }
    });
  }

  reserve(orderId: string, lines: Line[]): boolean {
    try {
      this.ctx.storage.transactionSync(() => {
        for (const { sku, qty } of lines) {
          this.ctx.storage.sql.exec("UPDATE stock SET qty = qty - ? WHERE sku = ?", qty, sku);
          this.ctx.storage.sql.exec("INSERT INTO reservations (order_id, sku, qty) VALUES (?, ?, ?)", orderId, sku, qty);
        }
      });
      return true;
    } catch {
      return false;
    }
  }

  level(skus: string[]): Line[] {
    const marks = skus.map(() => "?").join(",");
    return this.ctx.storage.sql.exec<Line>(`SELECT sku, qty FROM stock WHERE sku IN (${marks})`, ...skus).toArray();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const warehouse = env.WAREHOUSE.get(env.WAREHOUSE.idFromName(url.searchParams.get("warehouse") ?? "main"));
    if (request.method === "POST") {
      const { orderId, lines } = await request.json<{ orderId: string; lines: Line[] }>();
      const ok = await warehouse.reserve(orderId, lines);
      return new Response(null, { status: ok ? 204 : 409 });
    }
    return Response.json(await warehouse.level(url.searchParams.getAll("sku")));
  },
} satisfies ExportedHandler<Env>;
