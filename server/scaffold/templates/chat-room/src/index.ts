// A chat room per Durable Object, built on the WebSocket Hibernation API: the object may be evicted between
// messages while every client stays connected, so all per-socket state lives in attachments and SQL, never in
// class fields.
import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  CHAT_ROOM: DurableObjectNamespace<ChatRoom>;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create messages",
    sql: `CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user TEXT NOT NULL,
      body TEXT NOT NULL,
      sent_at INTEGER NOT NULL
    )`,
  },
];

/** Kept on each socket with serializeAttachment(); survives hibernation (at most 16 KiB). */
interface Session {
  user: string;
  joinedAt: number;
}

export interface ChatMessage {
  id: number;
  user: string;
  body: string;
  sentAt: number;
}

/** What clients send: a chat line, or a direct message to every socket of one user. */
type Incoming = { type: "say"; body: string } | { type: "dm"; to: string; body: string };

export type Outgoing =
  | { type: "history"; messages: ChatMessage[] }
  | { type: "message"; message: ChatMessage }
  | { type: "dm"; from: string; body: string }
  | { type: "presence"; online: string[] }
  | { type: "error"; error: string };

const HISTORY_ON_JOIN = 50;
const HISTORY_KEEP = 1_000;
const MAX_BODY = 4_000;
const USER_RE = /^[\w.-]{1,32}$/;

export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
    // Answered by the runtime itself, even while the object hibernates.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** The only HTTP entry point: upgrade to a WebSocket. Everything else is RPC. */
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const user = new URL(request.url).searchParams.get("user") ?? "";
    if (!USER_RE.test(user)) return new Response("user must match [A-Za-z0-9_.-]{1,32}", { status: 400 });

    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [`user:${user}`]);
    server.serializeAttachment({ user, joinedAt: Date.now() } satisfies Session);
    this.send(server, { type: "history", messages: this.history(HISTORY_ON_JOIN) });
    this.broadcast({ type: "presence", online: this.online() });
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const session = ws.deserializeAttachment() as Session;
    const incoming = parse(raw);
    if (typeof incoming === "string") {
      this.send(ws, { type: "error", error: incoming });
      return;
    }
    if (incoming.type === "dm") {
      const targets = this.ctx.getWebSockets(`user:${incoming.to}`);
      if (targets.length === 0) this.send(ws, { type: "error", error: `${incoming.to} is not online` });
      for (const target of targets) this.send(target, { type: "dm", from: session.user, body: incoming.body });
      return;
    }
    this.broadcast({ type: "message", message: this.post(session.user, incoming.body) });
  }

  async webSocketClose(ws: WebSocket, _code: number, _reason: string, _wasClean: boolean): Promise<void> {
    // Since compatibility date 2026-04-07 the runtime answers the close frame itself; just update presence.
    this.broadcast({ type: "presence", online: this.online(ws) });
  }

  async webSocketError(ws: WebSocket, _error: unknown): Promise<void> {
    this.broadcast({ type: "presence", online: this.online(ws) });
  }

  /** Store a message (also usable over RPC, e.g. for system notices) and return it. */
  post(user: string, body: string): ChatMessage {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ id: number; sent_at: number }>(
        "INSERT INTO messages (user, body, sent_at) VALUES (?, ?, ?) RETURNING id, sent_at",
        user,
        body,
        Date.now(),
      )
      .one();
    // Bound the table: a busy room must not grow without limit (storage is billed per object).
    sql.exec("DELETE FROM messages WHERE id <= ?", row.id - HISTORY_KEEP);
    return { id: row.id, user, body, sentAt: row.sent_at };
  }

  /** The most recent messages, oldest first. */
  history(limit = HISTORY_ON_JOIN): ChatMessage[] {
    const rows = this.ctx.storage.sql
      .exec<{ id: number; user: string; body: string; sent_at: number }>(
        "SELECT id, user, body, sent_at FROM messages ORDER BY id DESC LIMIT ?",
        Math.max(1, Math.min(limit, HISTORY_KEEP)),
      )
      .toArray();
    return rows.reverse().map((r) => ({ id: r.id, user: r.user, body: r.body, sentAt: r.sent_at }));
  }

  /** Users with at least one open socket, derived from the sockets themselves. */
  online(leaving?: WebSocket): string[] {
    const users = this.ctx
      .getWebSockets()
      .filter((ws) => ws !== leaving && ws.readyState === WebSocket.OPEN)
      .map((ws) => (ws.deserializeAttachment() as Session).user);
    return [...new Set(users)].sort();
  }

  private send(ws: WebSocket, event: Outgoing): void {
    try {
      ws.send(JSON.stringify(event));
    } catch {
      // The socket is closing; webSocketClose() updates presence.
    }
  }

  private broadcast(event: Outgoing): void {
    for (const ws of this.ctx.getWebSockets()) this.send(ws, event);
  }
}

function parse(raw: string | ArrayBuffer): Incoming | string {
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
  } catch {
    return "messages must be JSON";
  }
  const msg = value as Partial<{ type: string; body: unknown; to: unknown }>;
  if (typeof msg.body !== "string" || msg.body.length === 0 || msg.body.length > MAX_BODY) {
    return `body must be a string of 1-${MAX_BODY} characters`;
  }
  if (msg.type === "say") return { type: "say", body: msg.body };
  if (msg.type === "dm" && typeof msg.to === "string") return { type: "dm", to: msg.to, body: msg.body };
  return "type must be 'say' or 'dm' (with 'to')";
}

const ROUTE = /^\/rooms\/([\w.-]{1,64})(\/ws|\/history)$/;

export default {
  // GET /rooms/<room>/ws?user=<name> opens a socket; GET /rooms/<room>/history returns recent messages.
  async fetch(request: Request, env: Env): Promise<Response> {
    const match = ROUTE.exec(new URL(request.url).pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, room, action] = match;
    const stub = env.CHAT_ROOM.getByName(room);
    if (action === "/ws") return stub.fetch(request);
    return Response.json(await stub.history());
  },
} satisfies ExportedHandler<Env>;
