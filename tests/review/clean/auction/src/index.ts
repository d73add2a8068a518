import { DurableObject } from "cloudflare:workers";

export interface Env {
  AUCTIONS: DurableObjectNamespace<Auction>;
}

type Bid = { bidder: string; amount: number; at: number };
type Viewer = { bidder: string };

/** A timed auction: bids over WebSockets, the closing time is an alarm, and the winner is computed once. */
export class Auction extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS bids (id INTEGER PRIMARY KEY AUTOINCREMENT, bidder TEXT NOT NULL, amount INTEGER NOT NULL, at INTEGER NOT NULL)",
    );
  }

  async open(endsAt: number): Promise<void> {
    if (this.ctx.storage.kv.get("endsAt") !== undefined) return;
    this.ctx.storage.kv.put("endsAt", endsAt);
    await this.ctx.storage.setAlarm(endsAt);
  }

  async fetch(request: Request): Promise<Response> {
    const bidder = new URL(request.url).searchParams.get("bidder") ?? "viewer";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ bidder } satisfies Viewer);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || this.ctx.storage.kv.get("winner") !== undefined) return;
    const { bidder } = ws.deserializeAttachment() as Viewer;
    const amount = Number(message);
    const best = this.ctx.storage.sql.exec<{ m: number | null }>("SELECT MAX(amount) AS m FROM bids").one().m ?? 0;
    if (!Number.isFinite(amount) || amount <= best) {
      ws.send(JSON.stringify({ error: "bid too low", best }));
      return;
    }
    this.ctx.storage.sql.exec("INSERT INTO bids (bidder, amount, at) VALUES (?, ?, ?)", bidder, amount, Date.now());
    this.broadcast({ type: "bid", bidder, amount });
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // Optional from compatibility date 2026-04-07 by the docs, but workerd 1.20261102 (wrangler dev) still leaves
    // the client without a close frame unless the handler closes: closing is harmless either way.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  async alarm(): Promise<void> {
    if (this.ctx.storage.kv.get("winner") !== undefined) return;
    const rows = this.ctx.storage.sql.exec<Bid>("SELECT bidder, amount, at FROM bids ORDER BY amount DESC LIMIT 1").toArray();
    const winner = rows[0] ?? null;
    this.ctx.storage.kv.put("winner", winner);
    this.broadcast({ type: "closed", winner });
  }

  private broadcast(event: unknown): void {
    const data = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) ws.send(data);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const lot = url.searchParams.get("lot");
    if (!lot) return new Response("?lot= required", { status: 400 });
    const auction = env.AUCTIONS.getByName(lot);
    if (request.method === "POST") {
      await auction.open(Date.now() + 24 * 3_600_000);
      return new Response(null, { status: 204 });
    }
    return auction.fetch(request);
  },
} satisfies ExportedHandler<Env>;
