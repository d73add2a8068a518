import { DurableObject } from "cloudflare:workers";

export interface Env {
  PRESENCE: DurableObjectNamespace<Presence>;
}

/** Who is online in a document. Each socket is tagged with its user id, so lookups need no in-memory map and
 * survive hibernation; pings are answered by the runtime without waking the object. */
export class Presence extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  async fetch(request: Request): Promise<Response> {
    const user = new URL(request.url).searchParams.get("user");
    if (!user || request.headers.get("Upgrade") !== "websocket") {
      return new Response("websocket upgrade with ?user= required", { status: 400 });
    }
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [`user:${user}`]);
    this.broadcast({ type: "join", user });
    return new Response(null, { status: 101, webSocket: client });
  }

  online(): string[] {
    const users = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      for (const tag of this.ctx.getTags(ws)) users.add(tag.slice("user:".length));
    }
    return [...users];
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const [tag] = this.ctx.getTags(ws);
    if (typeof message === "string") this.broadcast({ type: "cursor", user: tag.slice(5), data: message }, ws);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const [tag] = this.ctx.getTags(ws);
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
    this.broadcast({ type: "leave", user: tag.slice(5) }, ws);
  }

  private broadcast(event: Record<string, unknown>, except?: WebSocket): void {
    const data = JSON.stringify(event);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws !== except) ws.send(data);
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const doc = new URL(request.url).searchParams.get("doc");
    if (!doc) return new Response("?doc= required", { status: 400 });
    return env.PRESENCE.getByName(doc).fetch(request);
  },
} satisfies ExportedHandler<Env>;
