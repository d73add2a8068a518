import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    ws.send(message);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.ctx.storage.kv.put("closed", code);
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
}

// The Worker opens a socket to the object, closes it, and reports whether the close handshake completed.
export default {
  async fetch(request: Request, env: { OBJ: DurableObjectNamespace<Obj> }): Promise<Response> {
    const res = await env.OBJ.getByName(new URL(request.url).searchParams.get("name") ?? "probe").fetch("http://do/", { headers: { Upgrade: "websocket" } });
    const ws = res.webSocket;
    if (!ws) return new Response("no websocket", { status: 500 });
    ws.accept();
    const closed = new Promise<string>((resolve) => ws.addEventListener("close", (e) => resolve(`close ${e.code}`)));
    ws.close(1000, "bye");
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("no close frame within 3 s"), 3000));
    const outcome = await Promise.race([closed, timeout]);
    return new Response(outcome, { status: outcome === "close 1000" ? 200 : 500 });
  },
};
