import { DurableObject } from "cloudflare:workers";

export interface Env {
  SESSIONS: DurableObjectNamespace<Session>;
}

const TTL_MS = 30 * 60_000;

type SessionData = { userId: string; roles: string[] };

/** A login session that expires after 30 idle minutes. Each touch pushes the alarm out; the alarm wipes the
 * object (deleteAll also clears the alarm with this compatibility date). */
export class Session extends DurableObject<Env> {
  async start(data: SessionData): Promise<void> {
    await this.ctx.storage.put("data", data);
    await this.ctx.storage.setAlarm(Date.now() + TTL_MS);
  }

  async read(): Promise<SessionData | null> {
    const data = (await this.ctx.storage.get<SessionData>("data")) ?? null;
    if (data) await this.ctx.storage.setAlarm(Date.now() + TTL_MS);
    return data;
  }

  async end(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async alarm(): Promise<void> {
    await this.end();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const sid = request.headers.get("cookie")?.match(/sid=([\w-]+)/)?.[1];
    if (!sid) return new Response("no session", { status: 401 });
    const session = env.SESSIONS.getByName(sid);
    const data = await session.read();
    return data ? Response.json(data) : new Response("expired", { status: 401 });
  },
} satisfies ExportedHandler<Env>;
