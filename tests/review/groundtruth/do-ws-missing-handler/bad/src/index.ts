import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
}

// The Worker opens a socket to the object, sends one message and reports whether the object answered.
export default {
  async fetch(request: Request, env: { OBJ: DurableObjectNamespace<Obj> }): Promise<Response> {
    const stub = env.OBJ.getByName(new URL(request.url).searchParams.get("name") ?? "probe");
    const ws = (await stub.fetch("http://do/", { headers: { Upgrade: "websocket" } })).webSocket;
    if (!ws) return new Response("no websocket", { status: 500 });
    ws.accept();
    const answered = new Promise<string>((resolve) => ws.addEventListener("message", (e) => resolve(String(e.data))));
    ws.send("hello");
    const timeout = new Promise<string>((resolve) => setTimeout(() => resolve("no answer within 3 s"), 3000));
    const outcome = await Promise.race([answered, timeout]);
    return new Response(outcome, { status: outcome === "echo: hello" ? 200 : 500 });
  },
};
