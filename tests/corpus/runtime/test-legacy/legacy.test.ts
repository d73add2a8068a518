// Project "legacy": wrangler.legacy.jsonc declares the classes with `migrations` (new_sqlite_classes) and uses
// compatibility date 2026-01-15.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom, KvStore, Lab } from "../src/index";

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("legacy config and older compatibility date", () => {
  it("[lifecycle-and-config] classes declared with migrations new_sqlite_classes get the SQL API", async () => {
    const out = await runInDurableObject(env.LAB.getByName("legacy-sql"), (_i: Lab, s: DurableObjectState) => {
      s.storage.sql.exec("CREATE TABLE t(v)");
      return { size: s.storage.sql.databaseSize, n: s.storage.sql.exec("SELECT count(*) AS n FROM t").one().n };
    });
    expect(out.size).toBeGreaterThan(0);
    expect(out.n).toBe(0);
  });

  it("[alarms] before compatibility date 2026-02-24, deleteAll() keeps the alarm (call deleteAlarm() too)", async () => {
    const out = await runInDurableObject(env.LAB.getByName("legacy-alarm"), async (_i: Lab, s: DurableObjectState) => {
      const t = Date.now() + 60_000;
      await s.storage.setAlarm(t);
      s.storage.kv.put("k", 1);
      await s.storage.deleteAll();
      const kept = (await s.storage.getAlarm()) === t;
      await s.storage.deleteAlarm();
      return { kept, kv: s.storage.kv.get("k"), after: await s.storage.getAlarm() };
    });
    expect(out).toEqual({ kept: true, kv: undefined, after: null });
  });

  it("[websockets] before 2026-04-07, ws.close(code, reason) in webSocketClose() completes the close for the client", async () => {
    const stub = env.CHAT.getByName("legacy-ws");
    await runInDurableObject(stub, (_i: ChatRoom, s: DurableObjectState) => s.storage.kv.put("reciprocateClose", true));
    const res = await stub.fetch("http://chat/?user=ann", { headers: { Upgrade: "websocket" } });
    const ws = res.webSocket!;
    ws.accept();
    let closed: { code: number; reason: string } | null = null;
    ws.addEventListener("close", (e) => {
      closed = { code: e.code, reason: e.reason };
    });
    ws.close(4005, "leaving");
    for (let i = 0; i < 100 && !closed; i++) await sleep(20);
    expect(closed).toEqual({ code: 4005, reason: "server:leaving" });
  });

  it("[lifecycle-and-config] a class created with migrations new_classes is KV-backed: no SQL API", async () => {
    const err = await runInDurableObject(env.KV_STORE.getByName("legacy-kv"), (_i: KvStore, s: DurableObjectState) => {
      try {
        s.storage.sql.exec("SELECT 1");
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(err).toMatch(/^SQL is not enabled for this Durable Object class\./);
  });
});
