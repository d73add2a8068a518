// Durable Object classes that the runtime tests drive. Most tests run their code inside an object with
// runInDurableObject(); the classes only add what a test cannot do from outside (handlers, RPC methods).
import { DurableObject } from "cloudflare:workers";

export interface Env {
  LAB: DurableObjectNamespace<Lab>;
  NO_ALARM: DurableObjectNamespace<NoAlarmHandler>;
  CHAT: DurableObjectNamespace<ChatRoom>;
  KV_STORE: DurableObjectNamespace<KvStore>;
}

export interface AlarmRecord {
  scheduledTime?: number;
  retryCount: number | undefined;
  isRetry: boolean | undefined;
  during: number | null;
}

/** General-purpose object: RPC methods, an alarm() handler that logs its invocations. */
export class Lab extends DurableObject<Env> {
  memory = 0;

  async hello(who: string): Promise<string> {
    return `hello ${who}`;
  }

  whoami(): { name: string | undefined; id: string } {
    return { name: this.ctx.id.name, id: this.ctx.id.toString() };
  }

  boom(): never {
    throw new RangeError("boom from the object");
  }

  richValue(): { when: Date; map: Map<string, number>; bytes: Uint8Array; nothing: undefined } {
    return { when: new Date(0), map: new Map([["a", 1]]), bytes: new Uint8Array([1, 2]), nothing: undefined };
  }

  /** Read, await storage, write: the input gate keeps concurrent calls from interleaving. */
  async incrementStorageOnly(): Promise<number> {
    const n = ((await this.ctx.storage.get<number>("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return n;
  }

  /** Read, await a timer (non-storage I/O), write: other calls can run in between. */
  async incrementAcrossTimer(): Promise<number> {
    const n = ((await this.ctx.storage.get<number>("m")) ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await this.ctx.storage.put("m", n);
    return n;
  }

  async alarm(info?: AlarmInvocationInfo): Promise<void> {
    const kv = this.ctx.storage.kv;
    const log = (kv.get("alarmLog") as AlarmRecord[] | undefined) ?? [];
    const record: AlarmRecord = { retryCount: info?.retryCount, isRetry: info?.isRetry, during: await this.ctx.storage.getAlarm() };
    if (info?.scheduledTime !== undefined) record.scheduledTime = info.scheduledTime;
    log.push(record);
    kv.put("alarmLog", log);
    const rearmInMs = kv.get("rearmInMs") as number | undefined;
    if (rearmInMs !== undefined) {
      kv.delete("rearmInMs");
      await this.ctx.storage.setAlarm(Date.now() + rearmInMs);
      kv.put("getAlarmAfterRearm", await this.ctx.storage.getAlarm());
    }
    const fails = (kv.get("failTimes") as number | undefined) ?? 0;
    if (fails > 0) {
      kv.put("failTimes", fails - 1);
      throw new Error("alarm failed on purpose");
    }
  }
}

/** A class without an alarm() handler. */
export class NoAlarmHandler extends DurableObject<Env> {
  async arm(): Promise<string> {
    try {
      await this.ctx.storage.setAlarm(Date.now() + 60_000);
      return "no error";
    } catch (e) {
      return `${(e as Error).name}: ${(e as Error).message}`;
    }
  }
}

/** WebSocket hibernation: accepts sockets with tags from the query string, echoes messages with state. */
export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const n = ((ctx.storage.kv.get("constructed") as number | undefined) ?? 0) + 1;
    ctx.storage.kv.put("constructed", n);
  }

  async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade") !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const url = new URL(request.url);
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    this.ctx.acceptWebSocket(server, url.searchParams.getAll("tag"));
    server.serializeAttachment({ user: url.searchParams.get("user") });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Tries to hand a WebSocket back over RPC (not possible: WebSockets cannot be serialized). */
  upgradeOverRpc(): Response {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as { user: string | null } | null;
    const kv = this.ctx.storage.kv;
    kv.put("messages", ((kv.get("messages") as number | undefined) ?? 0) + 1);
    ws.send(
      JSON.stringify({
        echo: message,
        user: attachment?.user ?? null,
        tags: this.ctx.getTags(ws),
        constructed: kv.get("constructed"),
      }),
    );
  }

  async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
    const kv = this.ctx.storage.kv;
    kv.put("closed", { code, reason, wasClean, readyState: ws.readyState });
    if (kv.get("reciprocateClose")) {
      ws.close(code, `server:${reason}`);
    }
  }
}

/** Declared with the legacy KV backend ("storage": "legacy-kv" / new_classes). */
export class KvStore extends DurableObject<Env> {}

export default {
  async fetch(): Promise<Response> {
    return new Response("do-expert runtime corpus checks");
  },
} satisfies ExportedHandler<Env>;
