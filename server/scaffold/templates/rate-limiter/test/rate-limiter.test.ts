import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type RateLimiter } from "../src/index";
import { fresh } from "./helpers";

const POLICY = { limit: 3, windowMs: 60_000 };

function limiter(): DurableObjectStub<RateLimiter> {
  return env.RATE_LIMITER.getByName(fresh("key"));
}

describe("sliding window", () => {
  it("allows up to the limit, then rejects with retry-after", async () => {
    const stub = limiter();
    expect(await stub.check(POLICY)).toEqual({ allowed: true, remaining: 2, retryAfterMs: 0 });
    await stub.check(POLICY);
    expect(await stub.check(POLICY)).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await stub.check(POLICY);
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(POLICY.windowMs);
    expect(await stub.stored()).toBe(3); // rejected hits are not recorded
  });

  it("never overshoots under concurrent requests", async () => {
    const stub = limiter();
    const verdicts = await Promise.all(Array.from({ length: 10 }, () => stub.check(POLICY)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(POLICY.limit);
  });

  it("forgets hits that slid out of the window", async () => {
    const stub = limiter();
    await runInDurableObject(stub, (_i: RateLimiter, state) => {
      const old = Date.now() - POLICY.windowMs - 1;
      for (let i = 0; i < POLICY.limit; i++) {
        state.storage.sql.exec("INSERT INTO hits (at, expires_at) VALUES (?, ?)", old, old + POLICY.windowMs);
      }
    });
    expect(await stub.check(POLICY)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("records its schema migration", async () => {
    const versions = await runInDurableObject(limiter(), (_i: RateLimiter, state) =>
      state.storage.sql.exec("SELECT version FROM _sql_schema_migrations").toArray(),
    );
    expect(versions).toEqual([{ version: 1 }]);
  });
});

describe("cleanup alarm", () => {
  it("is armed by the first hit and not moved by later ones", async () => {
    const stub = limiter();
    await stub.check(POLICY);
    const first = await runInDurableObject(stub, (_i: RateLimiter, state) => state.storage.getAlarm());
    expect(first).not.toBeNull();
    await stub.check(POLICY);
    expect(await runInDurableObject(stub, (_i: RateLimiter, state) => state.storage.getAlarm())).toBe(first);
  });

  it("keeps live hits and re-arms, deletes expired ones, then stops", async () => {
    const stub = limiter();
    await stub.check(POLICY);
    expect(await runDurableObjectAlarm(stub)).toBe(true); // early run: nothing expired yet
    expect(await stub.stored()).toBe(1);

    await runInDurableObject(stub, (_i: RateLimiter, state) => {
      state.storage.sql.exec("UPDATE hits SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.stored()).toBe(0);
    expect(await runDurableObjectAlarm(stub)).toBe(false); // nothing left, nothing re-armed
  });

  it("is idempotent: a repeated run changes nothing", async () => {
    const stub = limiter();
    await stub.check(POLICY);
    await runInDurableObject(stub, async (instance: RateLimiter, state) => {
      await instance.alarm();
      const afterFirst = { alarm: await state.storage.getAlarm(), rows: instance.stored() };
      await instance.alarm({ retryCount: 1, isRetry: true, scheduledTime: Date.now() });
      expect({ alarm: await state.storage.getAlarm(), rows: instance.stored() }).toEqual(afterFirst);
    });
  });
});

describe("HTTP API", () => {
  it("answers 429 with retry-after and rate limit headers", async () => {
    const key = fresh("http");
    const call = () => exports.default.fetch("https://example.com/api/thing", { headers: { "x-api-key": key } });
    let last: Response | undefined;
    for (let i = 0; i <= DEFAULT_POLICY.limit; i++) last = await call();
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    expect((await exports.default.fetch("https://example.com/api/thing")).status).toBe(401);
    expect((await exports.default.fetch("https://example.com/other")).status).toBe(404);
  });
});
