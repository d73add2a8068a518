// Agents SDK (`agents` 0.32.0) and PartyServer classes in workerd, through @cloudflare/vitest-plugin.
// Every title names the reference it verifies: references/agents-sdk.md.
import { env } from "cloudflare:workers";
import { SELF, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { getAgentByName } from "agents";
import { getActor } from "@cloudflare/actors";
import { describe, expect, it } from "vitest";
import { Tally, type AlarmOverrideAgent, type NotesAgent, type PlainRoom, type Room } from "../src/agents";

const ns = env as unknown as {
  NotesAgent: DurableObjectNamespace<NotesAgent>;
  Room: DurableObjectNamespace<Room>;
  AlarmOverrideAgent: DurableObjectNamespace<AlarmOverrideAgent>;
  PlainRoom: DurableObjectNamespace<PlainRoom>;
};
let counter = 0;
const fresh = (prefix: string) => `${prefix}-${++counter}-${Date.now()}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function inAgent<R>(name: string, fn: (state: DurableObjectState, agent: NotesAgent) => R | Promise<R>): Promise<R> {
  return runInDurableObject(ns.NotesAgent.getByName(name), (agent: NotesAgent, state: DurableObjectState) => fn(state, agent));
}

const jobs = (s: DurableObjectState) =>
  s.storage.sql.exec<{ id: string; fn: string; time: number }>("SELECT id, fn, time FROM cf_agents_jobs ORDER BY time").toArray();

describe("agents-sdk: Agent is a Durable Object with SQL, state and a scheduler", () => {
  it("[agents-sdk] this.sql`...` binds interpolated values as parameters and returns an array of row objects", async () => {
    const stub = await getAgentByName(ns.NotesAgent, fresh("sql"));
    const rows = await stub.addNote("it's'); DROP TABLE notes; --", "ann");
    expect(rows).toEqual([{ id: 1, body: "it's'); DROP TABLE notes; --", author: "ann" }]);
  });

  it("[agents-sdk] getAgentByName() resolves after onStart() ran once; this.name is the name given", async () => {
    const name = fresh("start");
    const stub = await getAgentByName(ns.NotesAgent, name);
    await stub.addNote("a");
    expect(await stub.whoAmI()).toEqual({ name, started: 1 });
  });

  it("[agents-sdk] setState() persists in the cf_agents_state table and survives eviction; initialState seeds it", async () => {
    const name = fresh("state");
    const stub = await getAgentByName(ns.NotesAgent, name);
    expect(await inAgent(name, (_s, a) => a.state)).toEqual({ notes: 0, lastAuthor: null });
    await stub.addNote("a", "bob");
    await evictDurableObject(ns.NotesAgent.getByName(name));
    const out = await inAgent(name, (s, a) => ({
      state: a.state,
      table: s.storage.sql.exec("SELECT count(*) AS n FROM cf_agents_state").one().n as number,
    }));
    expect(out.state).toEqual({ notes: 1, lastAuthor: "bob" });
    expect(out.table).toBeGreaterThan(0);
  });

  it("[agents-sdk] schedule(seconds) returns a 'delayed' Schedule (time in epoch seconds), stores a cf_agents_jobs row and sets the object's alarm to it", async () => {
    const name = fresh("sched");
    const stub = await getAgentByName(ns.NotesAgent, name);
    const before = Math.floor(Date.now() / 1000);
    const s = await stub.remindIn(60, "hello");
    expect(s).toMatchObject({ callback: "onReminder", payload: { text: "hello" }, type: "delayed", delayInSeconds: 60 });
    expect(s.time).toBeGreaterThanOrEqual(before + 60);
    expect(s.time).toBeLessThanOrEqual(before + 62);
    const out = await inAgent(name, async (st) => ({ jobs: jobs(st), alarm: await st.storage.getAlarm() }));
    expect(out.jobs).toEqual([{ id: s.id, fn: "onReminder", time: out.alarm }]);
    expect(Math.floor(out.alarm! / 1000)).toBe(s.time);
  });

  it("[agents-sdk] schedule() takes over the single alarm slot: it replaces an alarm set with setAlarm(), and cancelling the last schedule deletes the alarm", async () => {
    const name = fresh("slot");
    const stub = await getAgentByName(ns.NotesAgent, name);
    const mine = Date.now() + 3_600_000;
    await inAgent(name, (st) => st.storage.setAlarm(mine));
    const s = await stub.remindIn(60, "x");
    const during = await inAgent(name, (st) => st.storage.getAlarm());
    expect(during).not.toBe(mine);
    expect(Math.floor(during! / 1000)).toBe(s.time);
    expect(await inAgent(name, (_st, a) => a.cancelSchedule(s.id))).toBe(true);
    expect(await inAgent(name, (st) => st.storage.getAlarm())).toBeNull();
  });

  it("[agents-sdk] cancelSchedule() returns true and removes the row, then false for an unknown id", async () => {
    const name = fresh("cancel");
    const stub = await getAgentByName(ns.NotesAgent, name);
    const s = await stub.remindIn(120, "x");
    const out = await inAgent(name, async (st, a) => ({
      first: await a.cancelSchedule(s.id),
      second: await a.cancelSchedule(s.id),
      left: jobs(st).length,
    }));
    expect(out).toEqual({ first: true, second: false, left: 0 });
  });

  it("[agents-sdk] scheduleEvery() is idempotent (same callback, interval and payload give the same id); one-shot schedule() is not", async () => {
    const name = fresh("every");
    const stub = await getAgentByName(ns.NotesAgent, name);
    const a = await stub.remindEvery(30);
    const b = await stub.remindEvery(30);
    const c = await stub.remindIn(30, "once");
    const d = await stub.remindIn(30, "once");
    expect(a.type).toBe("interval");
    expect(b.id).toBe(a.id);
    expect(d.id).not.toBe(c.id);
    expect(await inAgent(name, (st) => jobs(st).length)).toBe(3);
  });

  it("[agents-sdk] a due schedule runs its callback from the alarm and a one-shot row is then deleted", async () => {
    const name = fresh("due");
    const stub = await getAgentByName(ns.NotesAgent, name);
    await stub.remindIn(0, "due now");
    let done: { rows: number; jobs: number } | undefined;
    for (let i = 0; i < 50; i++) {
      await sleep(100);
      done = await inAgent(name, (st) => ({
        rows: st.storage.sql.exec("SELECT count(*) AS n FROM notes WHERE author = 'scheduler'").one().n as number,
        jobs: jobs(st).length,
      }));
      if (done.rows === 1 && done.jobs === 0) break;
    }
    expect(done).toEqual({ rows: 1, jobs: 0 });
    expect(await inAgent(name, (st) => st.storage.kv.get("onAlarmCalls"))).toBe(1);
  });

  it("[agents-sdk] overriding alarm() without super.alarm() stops the scheduler: the alarm fires but the due schedule never runs", async () => {
    const name = fresh("override");
    const stub = await getAgentByName(ns.AlarmOverrideAgent, name);
    await stub.remindNow();
    const read = () =>
      runInDurableObject(ns.AlarmOverrideAgent.getByName(name), (_a: AlarmOverrideAgent, st: DurableObjectState) => ({
        user: st.storage.kv.get("userAlarmRan") ?? false,
        reminder: st.storage.kv.get("reminderRan") ?? false,
        jobs: jobs(st).length,
      }));
    let out = await read();
    for (let i = 0; i < 50 && !out.user; i++) {
      await sleep(100);
      out = await read();
    }
    expect(out).toEqual({ user: true, reminder: false, jobs: 1 });
  });
});

describe("agents-sdk: routing and WebSockets", () => {
  it("[agents-sdk] routeAgentRequest() serves /agents/<kebab-case binding>/<name> from onRequest(); other paths return null", async () => {
    const name = fresh("route");
    const hit = await SELF.fetch(`http://example.com/agents/notes-agent/${name}/hello`);
    expect(hit.status).toBe(200);
    expect(await hit.json()).toEqual({ agent: name, path: `/agents/notes-agent/${name}/hello`, state: { notes: 0, lastAuthor: null } });
    const miss = await SELF.fetch(`http://example.com/elsewhere/${name}`);
    expect(miss.status).toBe(404);
    expect(await miss.text()).toBe("not an agent route");
  });

  it("[agents-sdk] a WebSocket client gets identity and state frames on connect, is accepted with the hibernation API, and onMessage() can reply", async () => {
    const name = fresh("ws");
    const res = await SELF.fetch(`http://example.com/agents/notes-agent/${name}`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: string[] = [];
    ws.addEventListener("message", (e) => {
      frames.push(String(e.data));
    });
    ws.accept();
    for (let i = 0; i < 50 && frames.length < 2; i++) await sleep(20);
    const types = frames.map((f) => (f.startsWith("{") ? JSON.parse(f).type : f));
    expect(types).toContain("cf_agent_identity");
    expect(types).toContain("cf_agent_state");
    const stateFrame = frames.map((f) => JSON.parse(f)).find((m) => m.type === "cf_agent_state");
    expect(stateFrame.state).toEqual({ notes: 0, lastAuthor: null });
    expect(await inAgent(name, (st) => st.getWebSockets().length)).toBe(1);
    ws.send("note:hi");
    for (let i = 0; i < 50 && !frames.includes("saved:1"); i++) await sleep(20);
    expect(frames).toContain("saved:1");
    ws.close(1000, "done");
  });
});

describe("partyserver-and-actors: partyserver", () => {
  it("[partyserver-and-actors] partyserver Server has the same this.sql template; routePartykitRequest() serves /parties/<kebab-case binding>/<name>", async () => {
    const room = fresh("room");
    const first = await SELF.fetch(`http://example.com/parties/room/${room}`);
    const second = await SELF.fetch(`http://example.com/parties/room/${room}`);
    expect(await first.json()).toEqual({ room, total: 1 });
    expect(await second.json()).toEqual({ room, total: 2 });
  });

  it("[partyserver-and-actors] Server sockets hibernate only with static options = { hibernate: true }; the default (false) accepts them in memory", async () => {
    const open = async (path: string) => {
      const res = await SELF.fetch(`http://example.com${path}`, { headers: { Upgrade: "websocket" } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      const got: string[] = [];
      ws.addEventListener("message", (e) => {
        got.push(String(e.data));
      });
      ws.accept();
      ws.send("ping");
      for (let i = 0; i < 50 && got.length === 0; i++) await sleep(20);
      return { ws, got };
    };
    const a = fresh("hib");
    const b = fresh("plain");
    const hib = await open(`/parties/room/${a}`);
    const plain = await open(`/parties/plain-room/${b}`);
    expect(hib.got).toEqual(["echo:ping"]);
    expect(plain.got).toEqual(["echo:ping"]);
    const count = (stub: DurableObjectStub<Room> | DurableObjectStub<PlainRoom>) =>
      runInDurableObject(stub, (_i: unknown, st: DurableObjectState) => st.getWebSockets().length);
    expect(await count(ns.Room.getByName(a))).toBe(1);
    expect(await count(ns.PlainRoom.getByName(b))).toBe(0);
    hib.ws.close(1000, "done");
    plain.ws.close(1000, "done");
  });
});

describe("partyserver-and-actors: actors", () => {
  it("[partyserver-and-actors] an Actor reached with getActor() runs onInit() migrations, binds this.sql values, and keeps alarms.schedule() tasks in _actor_alarms on the object's alarm", async () => {
    const name = fresh("cart");
    const stub = getActor(Tally, name);
    const res = await stub.fetch(`http://example.com/?sku=it's`);
    expect(await res.json()).toEqual({ name, items: [{ sku: "it's", qty: 1 }], task: "delayed" });
    const again = await (await stub.fetch(`http://example.com/?sku=it's`)).json();
    expect(again).toMatchObject({ items: [{ sku: "it's", qty: 2 }] });
    const out = await runInDurableObject(stub, async (_a: Tally, st: DurableObjectState) => ({
      rows: st.storage.sql.exec<{ time: number }>("SELECT time FROM _actor_alarms ORDER BY time").toArray(),
      alarm: await st.storage.getAlarm(),
    }));
    expect(out.rows.length).toBe(2);
    expect(out.alarm).not.toBeNull();
  });
});
