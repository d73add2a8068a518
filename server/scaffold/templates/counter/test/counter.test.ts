import { env, exports } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Counter } from "../src/index";
import { fresh } from "./helpers";

// Storage is shared by the tests of one file, so every test uses its own object: fresh() names.

describe("Counter over RPC", () => {
  it("increments, reads and lists counters", async () => {
    const stub = env.COUNTER.getByName(fresh("rpc"));
    expect(await stub.increment("a")).toBe(1);
    expect(await stub.increment("a", 5)).toBe(6);
    expect(await stub.increment("b")).toBe(1);
    expect(await stub.get("a")).toBe(6);
    expect(await stub.get("missing")).toBe(0);
    expect(await stub.list()).toEqual([
      { name: "a", value: 6 },
      { name: "b", value: 1 },
    ]);
  });

  it("loses no update under concurrent calls", async () => {
    const stub = env.COUNTER.getByName(fresh("concurrent"));
    await Promise.all(Array.from({ length: 50 }, () => stub.increment("hits")));
    expect(await stub.get("hits")).toBe(50);
  });

  it("resets a counter", async () => {
    const stub = env.COUNTER.getByName(fresh("reset"));
    await stub.increment("a", 3);
    expect(await stub.reset("a")).toBe(true);
    expect(await stub.reset("a")).toBe(false);
    expect(await stub.get("a")).toBe(0);
  });
});

describe("Counter storage", () => {
  it("records the applied schema migration", async () => {
    const stub = env.COUNTER.getByName(fresh("migrations"));
    const rows = await runInDurableObject(stub, (_instance: Counter, state) =>
      state.storage.sql.exec("SELECT version, name FROM _sql_schema_migrations").toArray(),
    );
    expect(rows).toEqual([{ version: 1, name: "create counters" }]);
  });

  it("keeps its value across eviction, and migrations do not run twice", async () => {
    const stub = env.COUNTER.getByName(fresh("evict"));
    await stub.increment("a", 7);
    await evictDurableObject(stub);
    expect(await stub.get("a")).toBe(7);
    const applied = await runInDurableObject(stub, (_instance: Counter, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM _sql_schema_migrations").one().n,
    );
    expect(applied).toBe(1);
  });
});

describe("HTTP API", () => {
  it("increments and reads through the Worker", async () => {
    let res = await exports.default.fetch("https://example.com/counters/web/visits?by=2", { method: "POST" });
    expect(await res.json()).toEqual({ name: "visits", value: 2 });
    res = await exports.default.fetch("https://example.com/counters/web/visits");
    expect(await res.json()).toEqual({ name: "visits", value: 2 });
  });

  it("answers 404, 400 and 405", async () => {
    expect((await exports.default.fetch("https://example.com/nope")).status).toBe(404);
    expect((await exports.default.fetch("https://example.com/counters/web/x?by=abc", { method: "POST" })).status).toBe(400);
    expect((await exports.default.fetch("https://example.com/counters/web/x", { method: "PUT" })).status).toBe(405);
  });
});
