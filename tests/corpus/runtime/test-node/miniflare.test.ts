// Project "miniflare" (runs in Node): starts workerd through Miniflare with plain JS workers, to check behaviour
// that @cloudflare/vitest-plugin hides. The plugin wraps every Durable Object class with an alarm() method (so
// setAlarm() never fails there) and runDurableObjectAlarm() calls alarm() directly (no alarmInfo, no retries).
import { describe, expect, it } from "vitest";
import { useMiniflare } from "./harness";

const WORKER = `
import { DurableObject } from "cloudflare:workers";

export class NoAlarm extends DurableObject {
  async arm() {
    try { await this.ctx.storage.setAlarm(Date.now() + 60000); return "no error"; }
    catch (e) { return e.name + ": " + e.message; }
  }
}

export class WithAlarm extends DurableObject {
  async alarm(info) {
    const kv = this.ctx.storage.kv;
    const log = kv.get("log") ?? [];
    log.push({ retryCount: info?.retryCount, isRetry: info?.isRetry, at: Date.now() });
    kv.put("log", log);
    const fails = kv.get("fails") ?? 0;
    if (fails > 0) { kv.put("fails", fails - 1); throw new Error("fail on purpose"); }
    const abortMode = kv.get("abortMode");
    if (abortMode) {
      kv.delete("abortMode");
      await this.ctx.storage.sync();
      this.ctx.abort("abort in alarm", abortMode === "noRetry" ? { retryAlarm: false } : undefined);
    }
  }
  async abortNextRun(mode) {
    this.ctx.storage.kv.put("abortMode", mode);
    this.ctx.storage.kv.put("log", []);
    await this.ctx.storage.setAlarm(Date.now() + 10);
  }
  async failNextRuns(times) {
    this.ctx.storage.kv.put("fails", times);
    this.ctx.storage.kv.put("log", []);
    await this.ctx.storage.setAlarm(Date.now() + 10);
  }
  log() { return this.ctx.storage.kv.get("log"); }
  async deleteAllKeepsAlarm() {
    const t = Date.now() + 60000;
    await this.ctx.storage.setAlarm(t);
    this.ctx.storage.kv.put("k", 1);
    await this.ctx.storage.deleteAll();
    return { alarmKept: (await this.ctx.storage.getAlarm()) === t, kv: this.ctx.storage.kv.get("k") ?? null };
  }
}

export default { async fetch() { return new Response("ok"); } };
`;


interface WithAlarmStub {
  failNextRuns(times: number): Promise<void>;
  abortNextRun(mode: "retry" | "noRetry"): Promise<void>;
  log(): Promise<{ retryCount: number; isRetry: boolean; at: number }[] | undefined>;
  deleteAllKeepsAlarm(): Promise<{ alarmKept: boolean; kv: unknown }>;
}

const mf = useMiniflare(WORKER, {
  durableObjects: {
    NO_ALARM: { className: "NoAlarm", useSQLite: true },
    WITH_ALARM: { className: "WithAlarm", useSQLite: true },
  },
}, [
  ["current", "2026-11-01"],
  ["before-gate", "2026-02-23"],
  ["at-gate", "2026-02-24"],
  ["opt-out", "2026-11-01", ["delete_all_preserves_alarm"]],
]);

async function withAlarm(workerName: string, objectName: string): Promise<WithAlarmStub> {
  const ns = await mf().getDurableObjectNamespace("WITH_ALARM", workerName);
  return ns.getByName(objectName) as unknown as WithAlarmStub;
}

describe("alarms in plain workerd (Miniflare)", () => {
  it("[alarms] setAlarm() in a class without an alarm() handler throws a TypeError", async () => {
    const ns = await mf().getDurableObjectNamespace("NO_ALARM", "current");
    const stub = ns.getByName("x") as unknown as { arm(): Promise<string> };
    expect(await stub.arm()).toBe("TypeError: Your Durable Object class must have an alarm() handler in order to call setAlarm()");
  });

  it("[alarms] a throwing alarm() is retried with isRetry: true and retryCount: 1 after a backoff of about 2 s", async () => {
    const stub = await withAlarm("current", "retry");
    await stub.failNextRuns(1);
    let log: Awaited<ReturnType<WithAlarmStub["log"]>> = [];
    for (const until = Date.now() + 30_000; Date.now() < until && (log?.length ?? 0) < 2; ) {
      await new Promise((r) => setTimeout(r, 100));
      log = await stub.log();
    }
    expect(log?.map(({ retryCount, isRetry }) => ({ retryCount, isRetry }))).toEqual([
      { retryCount: 0, isRetry: false },
      { retryCount: 1, isRetry: true },
    ]);
    const gap = log![1].at - log![0].at;
    expect(gap).toBeGreaterThanOrEqual(1_500);
    expect(gap).toBeLessThan(6_000);
  });

  it("[alarms] deleteAll() deletes the alarm from compatibility date 2026-02-24 and keeps it before", async () => {
    expect(await (await withAlarm("before-gate", "d")).deleteAllKeepsAlarm()).toEqual({ alarmKept: true, kv: null });
    expect(await (await withAlarm("at-gate", "d")).deleteAllKeepsAlarm()).toEqual({ alarmKept: false, kv: null });
    expect(await (await withAlarm("current", "d")).deleteAllKeepsAlarm()).toEqual({ alarmKept: false, kv: null });
  });

  it("[alarms] the delete_all_preserves_alarm flag keeps the old deleteAll() behaviour at a newer date", async () => {
    expect(await (await withAlarm("opt-out", "d")).deleteAllKeepsAlarm()).toEqual({ alarmKept: true, kv: null });
  });

  it("[alarms] ctx.abort() inside alarm() retries the alarm by default; { retryAlarm: false } prevents the retry", async () => {
    await (await withAlarm("current", "abort-retry")).abortNextRun("retry");
    await (await withAlarm("current", "abort-no-retry")).abortNextRun("noRetry");
    // The aborted instance breaks stubs that were connected to it: take a new stub for every call.
    const logOf = async (name: string) => {
      try {
        return await (await withAlarm("current", name)).log();
      } catch {
        return undefined;
      }
    };
    let a: Awaited<ReturnType<WithAlarmStub["log"]>> = [];
    for (const until = Date.now() + 30_000; Date.now() < until && (a?.length ?? 0) < 2; ) {
      await new Promise((r) => setTimeout(r, 100));
      a = await logOf("abort-retry");
    }
    const b = await logOf("abort-no-retry");
    expect(a?.map((r) => r.isRetry)).toEqual([false, true]);
    expect(b?.map((r) => r.isRetry)).toEqual([false]);
  });
});
