import { DurableObject } from "cloudflare:workers";

export interface Env {
  LIMITER: DurableObjectNamespace<RateLimiter>;
  UPSTREAM: Fetcher;
}

const CAPACITY = 20;
const REFILL_PER_SECOND = 5;

type Bucket = { tokens: number; updatedAt: number };

/** Token bucket per client key. State is tiny, so sync KV is enough; an alarm clears idle buckets. */
export class RateLimiter extends DurableObject<Env> {
  take(cost = 1): { allowed: boolean; retryAfterMs: number } {
    const now = Date.now();
    const bucket = this.ctx.storage.kv.get<Bucket>("bucket") ?? { tokens: CAPACITY, updatedAt: now };
    const refilled = Math.min(CAPACITY, bucket.tokens + ((now - bucket.updatedAt) / 1000) * REFILL_PER_SECOND);
    const allowed = refilled >= cost;
    const tokens = allowed ? refilled - cost : refilled;
    this.ctx.storage.kv.put("bucket", { tokens, updatedAt: now });
    void this.ctx.storage.setAlarm(now + 10 * 60_000);
    return { allowed, retryAfterMs: allowed ? 0 : Math.ceil(((cost - tokens) / REFILL_PER_SECOND) * 1000) };
  }

  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const key = request.headers.get("cf-connecting-ip") ?? "unknown";
    const { allowed, retryAfterMs } = await env.LIMITER.getByName(key).take();
    if (!allowed) {
      return new Response("rate limited", { status: 429, headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) } });
    }
    return env.UPSTREAM.fetch(request);
  },
} satisfies ExportedHandler<Env>;
