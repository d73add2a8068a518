import { DurableObject } from "cloudflare:workers";

export interface Env {
  ROOMS: DurableObjectNamespace<ChatRoom>;
}

type Attachment = { name: string; joinedAt: number };

/** A chat room with hibernatable WebSockets; history in SQLite, per-socket identity in attachments. */
export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a websocket", { status: 426 });
    }
    const name = new URL(request.url).searchParams.get("name") ?? "anonymous";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [name]);
    server.serializeAttachment({ name, joinedAt: Date.now() } satisfies Attachment);
    for (const row of this.ctx.storage.sql.exec("SELECT name, body FROM messages ORDER BY id DESC LIMIT 50")) {
      server.send(JSON.stringify(row));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    const { name } = ws.deserializeAttachment() as Attachment;
    this.ctx.storage.sql.exec("INSERT INTO messages (name, body, at) VALUES (?, ?, ?)", name, message, Date.now());
    const payload = JSON.stringify({ name, body: message });
    for (const peer of this.ctx.getWebSockets()) {
      peer.send(payload);
    }
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    ws.close(1011, "error");
  }

  history(limit: number): { name: string; body: string }[] {
    return this.ctx.storage.sql
      .exec<{ name: string; body: string }>("SELECT name, body FROM messages ORDER BY id DESC LIMIT ?", limit)
      .toArray();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/rooms\/([\w-]+)(\/history)?$/);
    if (!match) return new Response("not found", { status: 404 });
    const room = env.ROOMS.getByName(match[1]);
    if (match[2]) return Response.json(await room.history(100));
    return room.fetch(request);
  },
} satisfies ExportedHandler<Env>;
