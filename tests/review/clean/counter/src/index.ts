import { DurableObject } from "cloudflare:workers";

export interface Env {
  COUNTER: DurableObjectNamespace<Counter>;
}

/** One counter per name; the value lives in synchronous KV, so every call is atomic without locks. */
export class Counter extends DurableObject<Env> {
  increment(by = 1): number {
    const next = (this.ctx.storage.kv.get<number>("value") ?? 0) + by;
    this.ctx.storage.kv.put("value", next);
    return next;
  }

  get(): number {
    return this.ctx.storage.kv.get<number>("value") ?? 0;
  }

  async reset(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const name = url.searchParams.get("name");
    if (!name) return new Response("missing ?name=", { status: 400 });
    const counter = env.COUNTER.getByName(name);
    if (request.method === "POST") {
      return Response.json({ value: await counter.increment() });
    }
    return Response.json({ value: await counter.get() });
  },
} satisfies ExportedHandler<Env>;
