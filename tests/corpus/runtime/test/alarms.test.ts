// Alarms in workerd, driven through @cloudflare/vitest-plugin (compatibility date 2026-11-01).
// setAlarm() without an alarm() handler and retries are checked in test-node/miniflare.test.ts: the plugin wraps
// every class with an alarm() method and runDurableObjectAlarm() never retries.
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AlarmRecord } from "../src/index";
import { asyncErrorOf, fresh, inLab, lab, sleep } from "./helpers";

describe("alarms", () => {
  it("[alarms] getAlarm() is null when no alarm is set", async () => {
    expect(await inLab((s) => s.storage.getAlarm())).toBeNull();
  });

  it("[alarms] setAlarm() stores the time in epoch ms; a second setAlarm() replaces the first (one alarm per object)", async () => {
    const out = await inLab(async (s) => {
      const t1 = Date.now() + 60_000;
      const t2 = Date.now() + 120_000;
      await s.storage.setAlarm(t1);
      const first = await s.storage.getAlarm();
      await s.storage.setAlarm(new Date(t2));
      return { ok1: first === t1, ok2: (await s.storage.getAlarm()) === t2 };
    });
    expect(out).toEqual({ ok1: true, ok2: true });
  });

  it("[alarms] deleteAlarm() clears the alarm", async () => {
    const v = await inLab(async (s) => {
      await s.storage.setAlarm(Date.now() + 60_000);
      await s.storage.deleteAlarm();
      return s.storage.getAlarm();
    });
    expect(v).toBeNull();
  });

  it("[alarms] setAlarm() with a time <= 0 throws a TypeError", async () => {
    const err = await inLab((s) => asyncErrorOf(() => s.storage.setAlarm(0)));
    expect(err).toBe("TypeError: setAlarm() cannot be called with an alarm time <= 0");
  });

  it("[alarms] a due alarm fires on its own; alarm() gets {scheduledTime, retryCount: 0, isRetry: false} and getAlarm() is null inside it", async () => {
    const name = fresh("fire");
    // 1.5 s ahead, not 20 ms: on a loaded machine the setAlarm() call itself can arrive after so near a time, and
    // workerd then reported a scheduledTime a few ms later than the one given (seen once in four loaded runs).
    const at = Date.now() + 1_500;
    await inLab((s) => s.storage.setAlarm(at), name);
    // Poll by elapsed time, not by a count of sleeps: on a loaded machine the alarm may fire seconds late.
    let log: AlarmRecord[] | undefined;
    for (const until = Date.now() + 25_000; !log && Date.now() < until; ) {
      await sleep(100);
      log = await inLab((s) => s.storage.kv.get("alarmLog") as AlarmRecord[] | undefined, name);
    }
    // One field at a time, so a failure names the field and its value.
    expect(log).toHaveLength(1);
    const [record] = log!;
    expect({ field: "retryCount", value: record.retryCount }).toEqual({ field: "retryCount", value: 0 });
    expect({ field: "isRetry", value: record.isRetry }).toEqual({ field: "isRetry", value: false });
    expect({ field: "during", value: record.during }).toEqual({ field: "during", value: null });
    expect({ field: "scheduledTime", value: record.scheduledTime }).toEqual({ field: "scheduledTime", value: at });
    expect(await inLab((s) => s.storage.getAlarm(), name)).toBeNull();
  }, 40_000);

  it("[alarms] setAlarm() inside alarm() schedules the next run and getAlarm() then returns it", async () => {
    const name = fresh("rearm");
    await inLab(async (s) => {
      s.storage.kv.put("rearmInMs", 60_000);
      await s.storage.setAlarm(Date.now() + 60_000);
    }, name);
    expect(await runDurableObjectAlarm(lab(name))).toBe(true);
    const out = await inLab(async (s) => ({ after: s.storage.kv.get("getAlarmAfterRearm"), now: await s.storage.getAlarm() }), name);
    expect(typeof out.after).toBe("number");
    expect(out.now).toBe(out.after);
  });

  it("[alarms] deleteAll() also deletes the alarm at compatibility date >= 2026-02-24", async () => {
    const v = await inLab(async (s) => {
      await s.storage.setAlarm(Date.now() + 60_000);
      await s.storage.deleteAll();
      return s.storage.getAlarm();
    });
    expect(v).toBeNull();
  });
});

describe("alarms: retries inside the vitest plugin (real time)", () => {
  async function waitForLog(name: string, n: number, ms: number): Promise<AlarmRecord[]> {
    let log: AlarmRecord[] = [];
    // Elapsed time, not a count of sleeps (each poll also costs time on a loaded machine).
    for (const until = Date.now() + ms; Date.now() < until && log.length < n; ) {
      await sleep(100);
      log = (await inLab((s) => s.storage.kv.get("alarmLog") as AlarmRecord[] | undefined, name)) ?? [];
    }
    return log;
  }

  it("[testing] a real alarm that throws is retried by the runtime about 2 s later with retryCount: 1", async () => {
    const name = fresh("retry");
    await inLab(async (s) => {
      s.storage.kv.put("failTimes", 1);
      await s.storage.setAlarm(Date.now() + 20);
    }, name);
    const log = await waitForLog(name, 2, 25_000);
    expect(log.map(({ retryCount, isRetry }) => ({ retryCount, isRetry }))).toEqual([
      { retryCount: 0, isRetry: false },
      { retryCount: 1, isRetry: true },
    ]);
  }, 40_000);

  it("[alarms] setAlarm() inside a handler that then throws replaces the pending retry", async () => {
    const name = fresh("replace");
    await inLab(async (s) => {
      s.storage.kv.put("failTimes", 1);
      s.storage.kv.put("rearmInMs", 600_000);
      await s.storage.setAlarm(Date.now() + 20);
    }, name);
    expect(await waitForLog(name, 1, 25_000)).toHaveLength(1);
    await sleep(3_000); // a retry would have run by now
    const out = await inLab(async (s) => ({
      runs: (s.storage.kv.get("alarmLog") as AlarmRecord[]).length,
      rearmed: s.storage.kv.get("getAlarmAfterRearm"),
      alarm: await s.storage.getAlarm(),
    }), name);
    expect(out.runs).toBe(1);
    expect(out.alarm).toBe(out.rearmed);
  }, 40_000);
});

describe("testing: runDurableObjectAlarm()", () => {
  it("[testing] runDurableObjectAlarm() returns false when no alarm is scheduled", async () => {
    expect(await runDurableObjectAlarm(lab(fresh("none")))).toBe(false);
  });

  it("[testing] runDurableObjectAlarm() runs the alarm now, returns true and removes it", async () => {
    const name = fresh("run");
    await inLab((s) => s.storage.setAlarm(Date.now() + 3_600_000), name);
    expect(await runDurableObjectAlarm(lab(name))).toBe(true);
    const out = await inLab(async (s) => ({ log: s.storage.kv.get("alarmLog") as AlarmRecord[], alarm: await s.storage.getAlarm() }), name);
    expect(out.log).toHaveLength(1);
    expect(out.alarm).toBeNull();
  });

  it("[testing] runDurableObjectAlarm() calls alarm() WITHOUT alarmInfo (retryCount/isRetry are undefined)", async () => {
    const name = fresh("info");
    await inLab((s) => s.storage.setAlarm(Date.now() + 3_600_000), name);
    await runDurableObjectAlarm(lab(name));
    const log = await inLab((s) => s.storage.kv.get("alarmLog") as AlarmRecord[], name);
    expect(log).toEqual([{ retryCount: undefined, isRetry: undefined, during: null }]);
  });

  it("[testing] an alarm() that throws under runDurableObjectAlarm() rejects the call and is not retried", async () => {
    const name = fresh("throw");
    await inLab(async (s) => {
      s.storage.kv.put("failTimes", 1);
      await s.storage.setAlarm(Date.now() + 3_600_000);
    }, name);
    const err = await asyncErrorOf(() => runDurableObjectAlarm(lab(name)));
    expect(err).toBe("Error: alarm failed on purpose");
    expect(await inLab((s) => s.storage.getAlarm(), name)).toBeNull();
  });
});
