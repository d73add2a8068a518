import { DurableObject } from "cloudflare:workers";

export interface Env {
  WALLETS: DurableObjectNamespace<Wallet>;
  PSP_URL: string;
}

/** A wallet that charges an external provider. The provider call happens before any state is read, and the
 * balance update is one atomic SQL statement guarded by an idempotency key, so retries and concurrent top-ups
 * cannot lose money. */
export class Wallet extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS ledger (
      idempotency_key TEXT PRIMARY KEY,
      amount INTEGER NOT NULL,
      at INTEGER NOT NULL
    )`);
  }

  async topUp(idempotencyKey: string, amount: number): Promise<number> {
    const res = await fetch(this.env.PSP_URL, {
      method: "POST",
      headers: { "idempotency-key": idempotencyKey },
      body: JSON.stringify({ amount }),
    });
    if (!res.ok) throw new Error(`charge failed: ${res.status}`);
    this.ctx.storage.sql.exec(
      "INSERT INTO ledger (idempotency_key, amount, at) VALUES (?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
      idempotencyKey,
      amount,
      Date.now(),
    );
    return this.balance();
  }

  balance(): number {
    return this.ctx.storage.sql.exec<{ b: number }>("SELECT COALESCE(SUM(amount), 0) AS b FROM ledger").one().b;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const account = request.headers.get("x-account");
    const key = request.headers.get("idempotency-key");
    if (!account || !key) return new Response("account and idempotency key required", { status: 400 });
    const wallet = env.WALLETS.getByName(account);
    const { amount } = await request.json<{ amount: number }>();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return Response.json({ balance: await wallet.topUp(key, amount) });
      } catch (err) {
        const e = err as { retryable?: boolean; overloaded?: boolean };
        if (!e.retryable || e.overloaded) throw err;
      }
    }
    return new Response("try again later", { status: 503 });
  },
} satisfies ExportedHandler<Env>;
