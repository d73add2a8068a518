import { env, exports } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom, Outgoing } from "../src/index";
import { fresh, nextMessage } from "./helpers";

/** Open a socket through the Worker, as a browser would, and read the history frame it gets first. */
async function join(room: string, user: string): Promise<{ ws: WebSocket; first: Outgoing }> {
  const res = await exports.default.fetch(`https://example.com/rooms/${room}/ws?user=${user}`, {
    headers: { Upgrade: "websocket" },
  });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  const first = nextMessage(ws);
  ws.accept();
  return { ws, first: JSON.parse(await first) as Outgoing };
}

/** Read frames until one of the given type arrives (presence updates interleave with chat). */
async function next(ws: WebSocket, type: Outgoing["type"]): Promise<Outgoing> {
  for (;;) {
    const event = JSON.parse(await nextMessage(ws)) as Outgoing;
    if (event.type === type) return event;
  }
}

describe("chat room", () => {
  it("delivers messages to everyone and stores them in SQL", async () => {
    const room = fresh("room");
    const ana = await join(room, "ana");
    expect(ana.first).toEqual({ type: "history", messages: [] });
    const ben = await join(room, "ben");

    const heard = next(ben.ws, "message");
    ana.ws.send(JSON.stringify({ type: "say", body: "hello" }));
    const event = await heard;
    expect(event).toMatchObject({ type: "message", message: { user: "ana", body: "hello" } });

    const stub = env.CHAT_ROOM.getByName(room);
    const rows = await runInDurableObject(stub, (_i: ChatRoom, state) =>
      state.storage.sql.exec("SELECT user, body FROM messages").toArray(),
    );
    expect(rows).toEqual([{ user: "ana", body: "hello" }]);
    expect(await stub.history()).toHaveLength(1);
    ana.ws.close(1000, "bye");
    ben.ws.close(1000, "bye");
  });

  it("sends recent history to a new socket", async () => {
    const room = fresh("room");
    const stub = env.CHAT_ROOM.getByName(room);
    await stub.post("system", "welcome");
    const cat = await join(room, "cat");
    expect(cat.first).toMatchObject({ type: "history", messages: [{ user: "system", body: "welcome" }] });
    cat.ws.close(1000, "bye");
  });

  it("routes direct messages by tag to every socket of one user", async () => {
    const room = fresh("room");
    const ana = await join(room, "ana");
    const ben1 = await join(room, "ben");
    const ben2 = await join(room, "ben");
    const got1 = next(ben1.ws, "dm");
    const got2 = next(ben2.ws, "dm");
    ana.ws.send(JSON.stringify({ type: "dm", to: "ben", body: "psst" }));
    expect(await got1).toEqual({ type: "dm", from: "ana", body: "psst" });
    expect(await got2).toEqual({ type: "dm", from: "ana", body: "psst" });
    for (const s of [ana, ben1, ben2]) s.ws.close(1000, "bye");
  });

  it("answers ping with pong without running the handler", async () => {
    const room = fresh("room");
    const dan = await join(room, "dan");
    await next(dan.ws, "presence"); // sent right after the history frame
    const reply = nextMessage(dan.ws);
    dan.ws.send("ping");
    expect(await reply).toBe("pong");
    const rows = await runInDurableObject(env.CHAT_ROOM.getByName(room), (_i: ChatRoom, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n,
    );
    expect(rows).toBe(0);
    dan.ws.close(1000, "bye");
  });

  it("keeps sessions across hibernation (eviction with sockets open)", async () => {
    const room = fresh("room");
    const eve = await join(room, "eve");
    const stub = env.CHAT_ROOM.getByName(room);
    await evictDurableObject(stub, { webSockets: "hibernate" });

    const heard = next(eve.ws, "message");
    eve.ws.send(JSON.stringify({ type: "say", body: "still here" })); // wakes the object; constructor runs again
    expect(await heard).toMatchObject({ message: { user: "eve", body: "still here" } });
    expect(await stub.online()).toEqual(["eve"]);
    eve.ws.close(1000, "bye");
  });

  it("rejects bad frames and bad requests", async () => {
    const room = fresh("room");
    const fay = await join(room, "fay");
    const reply = next(fay.ws, "error");
    fay.ws.send("not json");
    expect(await reply).toEqual({ type: "error", error: "messages must be JSON" });
    fay.ws.close(1000, "bye");

    const noUpgrade = await exports.default.fetch(`https://example.com/rooms/${room}/ws?user=fay`);
    expect(noUpgrade.status).toBe(426);
    const badUser = await exports.default.fetch(`https://example.com/rooms/${room}/ws?user=a%20b`, {
      headers: { Upgrade: "websocket" },
    });
    expect(badUser.status).toBe(400);
    expect((await exports.default.fetch("https://example.com/elsewhere")).status).toBe(404);
  });
});
