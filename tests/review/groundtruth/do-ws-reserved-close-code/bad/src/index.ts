import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  // Accepts one end of a socket pair and closes it with the given code.
  shut(code: number): string {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    if (code === 1004) pair[1].close(1004, "gone");
    else if (code === 999) pair[1].close(999, "gone");
    else if (code === 1005) pair[1].close(1005, "gone");
    else if (code === 1006) pair[1].close(1006, "gone");
    else if (code === 1015) pair[1].close(1015, "gone");
    else pair[1].close(5001, "gone");
    return "closed";
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    ws.send(message);
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }
}

// The Worker tries each code and answers 500 only when every close() threw (the body lists what each call said).
const CODES = [1004, 1005, 1006, 1015, 999, 5001];

export default {
  async fetch(request: Request, env: { OBJ: DurableObjectNamespace<Obj> }): Promise<Response> {
    const name = new URL(request.url).searchParams.get("name") ?? "probe";
    const outcomes: string[] = [];
    let failed = 0;
    for (const code of CODES) {
      try {
        outcomes.push(`${code}: ${await env.OBJ.getByName(name).shut(code)}`);
      } catch (err) {
        failed++;
        outcomes.push(`${code}: ${String(err)}`);
      }
    }
    return new Response(outcomes.join("\n"), { status: failed === CODES.length ? 500 : 200 });
  },
};
