// A class declared with "storage": "legacy-kv" in `exports` (KvStore): what local workerd allows on the KV backend.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { KvStore } from "../src/index";
import { asyncErrorOf, errorOf, fresh } from "./helpers";

function inKvStore<R>(fn: (state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(env.KV_STORE.getByName(fresh("kv")), (_i: KvStore, state: DurableObjectState) => fn(state));
}

describe("KV-backed (legacy) class", () => {
  it("[errors] ctx.storage.sql on a KV-backed class throws 'SQL is not enabled for this Durable Object class.' locally", async () => {
    const out = await inKvStore((s) => [errorOf(() => s.storage.sql.exec("SELECT 1")), errorOf(() => s.storage.sql.databaseSize)]);
    for (const e of out) expect(e).toMatch(/^Error: SQL is not enabled for this Durable Object class\./);
  });

  it("[sqlite-storage] ctx.storage.kv (synchronous KV) exists only on SQLite-backed classes", async () => {
    const err = await inKvStore((s) => errorOf(() => s.storage.kv.get("a")));
    expect(err).toMatch(/^Error: The storage\.kv \(synchronous KV\) API is only available for SQLite-backed Durable Objects/);
  });

  it("[lifecycle-and-config] `exports` with \"storage\": \"legacy-kv\" makes a KV-backed class in local tests; the async KV API works", async () => {
    const v = await inKvStore(async (s) => {
      await s.storage.put("a", 1);
      return s.storage.get("a");
    });
    expect(v).toBe(1);
  });

  it("[limits] local workerd does not enforce the KV-backed 128 KiB value / 2 KiB key limits", async () => {
    const out = await inKvStore(async (s) => [
      await asyncErrorOf(() => s.storage.put("v", "x".repeat(140_000))),
      await asyncErrorOf(() => s.storage.put("k".repeat(2_049), 1)),
    ]);
    expect(out).toEqual(["no error", "no error"]);
  });

  it("[errors] locally transactionSync() and getCurrentBookmark() do not throw on a KV-backed class", async () => {
    const out = await inKvStore(async (s) => ({
      tx: errorOf(() => s.storage.transactionSync(() => 1)),
      pitr: await asyncErrorOf(() => s.storage.getCurrentBookmark()),
    }));
    expect(out).toEqual({ tx: "no error", pitr: "no error" });
  });
});

describe("errors: stubs after an exception", () => {
  it("[errors] after an RPC method throws an ordinary exception, the same stub still works for the next call", async () => {
    const stub = env.LAB.getByName(fresh("after-throw"));
    expect(await asyncErrorOf(() => stub.boom())).toBe("RangeError: boom from the object");
    expect(await stub.hello("again")).toBe("hello again");
  });
});
