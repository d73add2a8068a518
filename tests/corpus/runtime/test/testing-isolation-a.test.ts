// What @cloudflare/vitest-plugin does with storage and instances (testing). Paired with testing-isolation-b.
import { env } from "cloudflare:workers";
import { evictDurableObject, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Lab } from "../src/index";

describe("testing: isolation and helpers (file A)", () => {
  it("[testing] tests in one file share Durable Object storage: this test writes...", async () => {
    await runInDurableObject(env.LAB.getByName("shared"), (_i: Lab, s: DurableObjectState) => s.storage.kv.put("from", "A"));
  });

  it("[testing] ...and the next test in the same file still sees the write", async () => {
    const v = await runInDurableObject(env.LAB.getByName("shared"), (_i: Lab, s: DurableObjectState) => s.storage.kv.get("from"));
    expect(v).toBe("A");
  });

  it("[testing] listDurableObjectIds() lists the objects this file created", async () => {
    await env.LAB.getByName("listed").hello("x");
    const ids = (await listDurableObjectIds(env.LAB)).map((id) => id.toString());
    expect(ids).toContain(env.LAB.idFromName("listed").toString());
    expect(ids).toContain(env.LAB.idFromName("shared").toString());
  });

  it("[testing] runInDurableObject() passes the live instance: class fields are visible and writable", async () => {
    const stub = env.LAB.getByName("fields");
    await runInDurableObject(stub, (i: Lab) => {
      i.memory = 42;
    });
    expect(await runInDurableObject(stub, (i: Lab) => i.memory)).toBe(42);
  });

  it("[testing] evictDurableObject() drops in-memory fields and keeps storage", async () => {
    const stub = env.LAB.getByName("evict");
    await runInDurableObject(stub, (i: Lab, s: DurableObjectState) => {
      i.memory = 7;
      s.storage.kv.put("kept", true);
    });
    await evictDurableObject(stub);
    const out = await runInDurableObject(stub, (i: Lab, s: DurableObjectState) => ({ memory: i.memory, kept: s.storage.kv.get("kept") }));
    expect(out).toEqual({ memory: 0, kept: true });
  });
});
