import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { BATCH, type JobQueue } from "../src/index";
import { fresh } from "./helpers";

const HOUR = 3_600_000;

function queue(): DurableObjectStub<JobQueue> {
  return env.JOB_QUEUE.getByName(fresh("queue"));
}

/** Make every pending job due now (tests schedule far ahead so real alarms stay out of the way). */
function makeDue(stub: DurableObjectStub<JobQueue>): Promise<void> {
  return runInDurableObject(stub, (_i: JobQueue, state) => {
    state.storage.sql.exec("UPDATE jobs SET run_at = ? WHERE status = 'pending'", Date.now() - 1);
  });
}

function alarmOf(stub: DurableObjectStub<JobQueue>): Promise<number | null> {
  return runInDurableObject(stub, (_i: JobQueue, state) => state.storage.getAlarm());
}

describe("schedule", () => {
  it("points the single alarm at the earliest job", async () => {
    const stub = queue();
    await stub.enqueue("note", { text: "later" }, { delayMs: 2 * HOUR });
    const later = await alarmOf(stub);
    await stub.enqueue("note", { text: "sooner" }, { delayMs: HOUR });
    const sooner = await alarmOf(stub);
    expect(sooner).toBeLessThan(later!);
    await stub.enqueue("note", { text: "latest" }, { delayMs: 3 * HOUR });
    expect(await alarmOf(stub)).toBe(sooner); // a later job does not move the alarm
  });

  it("runs due jobs, leaves future ones, and sleeps when the queue is empty", async () => {
    const stub = queue();
    const id = await stub.enqueue("note", { text: "hello" }, { delayMs: HOUR });
    await makeDue(stub);
    await stub.enqueue("note", { text: "tomorrow" }, { delayMs: 24 * HOUR });

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const notes = await runInDurableObject(stub, (_i: JobQueue, state) =>
      state.storage.sql.exec("SELECT job_id, text FROM notes").toArray(),
    );
    expect(notes).toEqual([{ job_id: id, text: "hello" }]);
    expect(await stub.stats()).toMatchObject({ pending: 1, completed: 1 });
    expect(await alarmOf(stub)).not.toBeNull(); // re-armed for "tomorrow"

    await makeDue(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await alarmOf(stub)).toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });
});

describe("retries", () => {
  it("backs off a failing job, then keeps it as dead, and can retry it", async () => {
    const stub = queue();
    const id = await stub.enqueue("note", { wrong: true }, { delayMs: HOUR, maxAttempts: 2 });
    await makeDue(stub);
    const before = Date.now();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    let [job] = await stub.jobs();
    expect(job).toMatchObject({ id, status: "pending", attempts: 1, lastError: "TypeError: note needs { text: string }" });
    expect(job.runAt).toBeGreaterThanOrEqual(before + 1_000); // exponential backoff
    expect(await alarmOf(stub)).not.toBeNull();

    await makeDue(stub);
    await runDurableObjectAlarm(stub);
    [job] = await stub.jobs();
    expect(job).toMatchObject({ status: "dead", attempts: 2 });
    expect(await stub.stats()).toMatchObject({ pending: 0, dead: 1 });
    expect(await alarmOf(stub)).toBeNull(); // dead jobs do not keep the object awake

    expect(await stub.retryDead(id)).toBe(true);
    expect((await stub.jobs())[0]).toMatchObject({ status: "pending", attempts: 0 });
  });

  it("shrinks the batch when the runtime retries the alarm (alarmInfo.retryCount)", async () => {
    const stub = queue();
    for (let i = 0; i < BATCH; i++) await stub.enqueue("note", { text: `n${i}` }, { delayMs: HOUR });
    await makeDue(stub);
    await runInDurableObject(stub, async (instance: JobQueue) => {
      await instance.alarm({ retryCount: 2, isRetry: true, scheduledTime: Date.now() });
    });
    expect(await stub.stats()).toMatchObject({ completed: BATCH >> 2, lastAlarm: { retryCount: 2 } });
  });

  it("runs on its own when due, with the runtime's alarmInfo", async () => {
    const stub = queue();
    await stub.enqueue("note", { text: "now" });
    await vi.waitFor(
      async () => {
        expect(await stub.stats()).toMatchObject({ pending: 0, completed: 1, lastAlarm: { retryCount: 0 } });
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});

describe("storage and HTTP", () => {
  it("records its schema migration", async () => {
    const rows = await runInDurableObject(queue(), (_i: JobQueue, state) =>
      state.storage.sql.exec("SELECT version FROM _sql_schema_migrations").toArray(),
    );
    expect(rows).toEqual([{ version: 1 }]);
  });

  it("accepts known kinds and refuses unknown ones", async () => {
    const url = `https://example.com/queues/${fresh("http")}`;
    const post = (body: unknown) => exports.default.fetch(`${url}/jobs`, { method: "POST", body: JSON.stringify(body) });
    const ok = await post({ kind: "note", payload: { text: "x" }, delayMs: HOUR });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toHaveProperty("id");
    const bad = await post({ kind: "nope" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "kind must be one of: note, webhook" });
    expect(await (await exports.default.fetch(`${url}/stats`)).json()).toMatchObject({ pending: 1 });
  });
});
