// Rate limiting with one Durable Object per subject (API key). The check counts and records a hit in synchronous
// SQL with no await in between, so concurrent requests to one subject are serialized and can never overshoot.
import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create hits",
    sql: `
      CREATE TABLE IF NOT EXISTS hits (
        id INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS hits_expires_at ON hits (expires_at);
    `,
  },
];

export interface Policy {
  /** Requests allowed per window. */
  limit: number;
  /** Window length in milliseconds. */
  windowMs: number;
}

export interface Verdict {
  allowed: boolean;
  remaining: number;
  /** 0 when allowed; otherwise when the oldest hit leaves the window. */
  retryAfterMs: number;
}

export const DEFAULT_POLICY: Policy = { limit: 60, windowMs: 60_000 };

export class RateLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Count this request against the policy; record it only when allowed. */
  async check(policy: Policy = DEFAULT_POLICY): Promise<Verdict> {
    validate(policy);
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    const windowStart = now - policy.windowMs;
    const { used, oldest } = sql
      .exec<{ used: number; oldest: number | null }>("SELECT count(*) AS used, min(at) AS oldest FROM hits WHERE at > ?", windowStart)
      .one();
    if (used >= policy.limit) {
      return { allowed: false, remaining: 0, retryAfterMs: Math.max(1, (oldest ?? now) + policy.windowMs - now) };
    }
    sql.exec("INSERT INTO hits (at, expires_at) VALUES (?, ?)", now, now + policy.windowMs);
    // Arm the cleanup once; later hits leave an armed alarm alone instead of pushing it out on every request.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + policy.windowMs);
    return { allowed: true, remaining: policy.limit - used - 1, retryAfterMs: 0 };
  }

  /** Hits currently stored (for dashboards and tests). */
  stored(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM hits").one().n;
  }

  /**
   * Delete hits that left their window, then re-arm for the next expiry only if hits remain. Idempotent: it may
   * run more than once (alarms are at-least-once) or early (runDurableObjectAlarm ignores the scheduled time).
   */
  async alarm(info?: AlarmInvocationInfo): Promise<void> {
    if ((info?.retryCount ?? 0) > 0) console.warn(`rate limiter cleanup retry ${info?.retryCount}`);
    const sql = this.ctx.storage.sql;
    sql.exec("DELETE FROM hits WHERE expires_at <= ?", Date.now());
    const next = sql.exec<{ t: number | null }>("SELECT min(expires_at) AS t FROM hits").one().t;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }
}

function validate(policy: Policy): void {
  if (!Number.isInteger(policy.limit) || policy.limit < 1 || policy.limit > 100_000) {
    throw new RangeError("limit must be an integer from 1 to 100000");
  }
  if (!Number.isInteger(policy.windowMs) || policy.windowMs < 1_000 || policy.windowMs > 86_400_000) {
    throw new RangeError("windowMs must be an integer from 1000 to 86400000");
  }
}

export default {
  // Every request under /api/ is limited per x-api-key; replace the "ok" response with your application.
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/api/")) return new Response("not found", { status: 404 });
    const key = request.headers.get("x-api-key");
    if (!key || key.length > 128) return new Response("x-api-key header required", { status: 401 });
    const verdict = await env.RATE_LIMITER.getByName(key).check(DEFAULT_POLICY);
    const headers = {
      "x-ratelimit-limit": String(DEFAULT_POLICY.limit),
      "x-ratelimit-remaining": String(verdict.remaining),
    };
    if (!verdict.allowed) {
      return new Response("too many requests", {
        status: 429,
        headers: { ...headers, "retry-after": String(Math.ceil(verdict.retryAfterMs / 1000)) },
      });
    }
    return new Response("ok", { headers });
  },
} satisfies ExportedHandler<Env>;
