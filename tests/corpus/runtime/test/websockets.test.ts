// WebSocket hibernation API (ChatRoom class), compatibility date 2026-11-01.
import { env } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom } from "../src/index";
import { errorOf, fresh, sleep } from "./helpers";

interface Client {
  ws: WebSocket;
  messages: string[];
  closed: { code: number; reason: string; wasClean: boolean } | null;
  next(): Promise<string>;
}

async function connect(room: string, query = ""): Promise<Client> {
  const res = await env.CHAT.getByName(room).fetch(`http://chat/?${query}`, { headers: { Upgrade: "websocket" } });
  expect(res.status).toBe(101);
  const ws = res.webSocket!;
  ws.accept();
  const client: Client = {
    ws,
    messages: [],
    closed: null,
    async next() {
      const seen = client.messages.length;
      for (let i = 0; i < 100 && client.messages.length === seen; i++) await sleep(20);
      if (client.messages.length === seen) throw new Error("no message within 2 s");
      return client.messages[seen];
    },
  };
  ws.addEventListener("message", (e) => {
    client.messages.push(String(e.data));
  });
  ws.addEventListener("close", (e) => {
    client.closed = { code: e.code, reason: e.reason, wasClean: e.wasClean };
  });
  return client;
}

function inRoom<R>(room: string, fn: (state: DurableObjectState) => R | Promise<R>): Promise<R> {
  return runInDurableObject(env.CHAT.getByName(room), (_i: ChatRoom, state: DurableObjectState) => fn(state));
}

describe("websockets: hibernation API", () => {
  it("[websockets] acceptWebSocket() with tags: getWebSockets() and getWebSockets(tag) find the socket, getTags() returns its tags", async () => {
    const room = fresh("room");
    await connect(room, "user=ann&tag=red&tag=blue");
    await connect(room, "user=bob&tag=green");
    const out = await inRoom(room, (s) => ({
      all: s.getWebSockets().length,
      red: s.getWebSockets("red").length,
      none: s.getWebSockets("purple").length,
      tags: s.getWebSockets("green").map((w) => s.getTags(w)),
    }));
    expect(out).toEqual({ all: 2, red: 1, none: 0, tags: [["green"]] });
  });

  it("[websockets] webSocketMessage() receives client messages and can reply with ws.send()", async () => {
    const room = fresh("room");
    const c = await connect(room, "user=ann&tag=red");
    c.ws.send("hi");
    expect(JSON.parse(await c.next())).toEqual({ echo: "hi", user: "ann", tags: ["red"], constructed: 1 });
  });

  it("[websockets] serializeAttachment() survives eviction; the constructor runs again on wake", async () => {
    const room = fresh("room");
    const c = await connect(room, "user=zoe&tag=t1");
    c.ws.send("before");
    expect(JSON.parse(await c.next()).constructed).toBe(1);
    await evictDurableObject(env.CHAT.getByName(room));
    c.ws.send("after");
    expect(JSON.parse(await c.next())).toEqual({ echo: "after", user: "zoe", tags: ["t1"], constructed: 2 });
  });

  it("[websockets] setWebSocketAutoResponse() answers matching messages without calling webSocketMessage()", async () => {
    const room = fresh("room");
    const c = await connect(room, "user=ann");
    const set = await inRoom(room, (s) => {
      s.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
      return s.getWebSocketAutoResponse()?.request;
    });
    expect(set).toBe("ping");
    c.ws.send("ping");
    expect(await c.next()).toBe("pong");
    const out = await inRoom(room, (s) => ({
      handlerCalls: s.storage.kv.get("messages") ?? 0,
      stamped: s.getWebSocketAutoResponseTimestamp(s.getWebSockets()[0]) instanceof Date,
    }));
    expect(out).toEqual({ handlerCalls: 0, stamped: true });
  });

  it("[websockets] setHibernatableWebSocketEventTimeout(): the getter returns the value; 0 clears it to null", async () => {
    const out = await inRoom(fresh("room"), (s) => {
      const none = s.getHibernatableWebSocketEventTimeout();
      s.setHibernatableWebSocketEventTimeout(5_000);
      const set = s.getHibernatableWebSocketEventTimeout();
      s.setHibernatableWebSocketEventTimeout(0);
      return { none, set, cleared: s.getHibernatableWebSocketEventTimeout() };
    });
    expect(out).toEqual({ none: null, set: 5_000, cleared: null });
  });

  it("[websockets] webSocketClose() receives the client's code and reason; locally readyState is still CLOSING inside it; the socket leaves getWebSockets()", async () => {
    const room = fresh("room");
    const c = await connect(room, "user=ann");
    c.ws.close(4001, "bye");
    let out: { closed: unknown; open: number } | undefined;
    for (let i = 0; i < 50; i++) {
      await sleep(20);
      out = await inRoom(room, (s) => ({ closed: s.storage.kv.get("closed"), open: s.getWebSockets().length }));
      if (out.closed) break;
    }
    expect(out).toEqual({ closed: { code: 4001, reason: "bye", wasClean: true, readyState: WebSocket.READY_STATE_CLOSING }, open: 0 });
  });

  it("[websockets] ws.close() inside webSocketClose() still reaches the client at compatibility date >= 2026-04-07", async () => {
    const room = fresh("room");
    await inRoom(room, (s) => s.storage.kv.put("reciprocateClose", true));
    const c = await connect(room, "user=ann");
    c.ws.close(4002, "done");
    for (let i = 0; i < 100 && !c.closed; i++) await sleep(20);
    expect(c.closed).toMatchObject({ code: 4002, reason: "server:done" });
  });

  it("[websockets] local workerd: without ws.close() in webSocketClose() the client gets no Close reply (auto-reply not observed locally)", async () => {
    const room = fresh("room");
    const c = await connect(room, "user=ann");
    c.ws.close(4003, "quiet");
    await sleep(1_000);
    expect(c.closed).toBeNull();
    expect(c.ws.readyState).toBe(WebSocket.CLOSING);
  });
});

describe("websockets: limits and errors", () => {
  it("[websockets] getTags() throws for a socket that was not accepted with acceptWebSocket()", async () => {
    const err = await inRoom(fresh("room"), (s) => errorOf(() => s.getTags(new WebSocketPair()[1])));
    expect(err).toBe("Error: you must call 'acceptWebSocket()' before attempting to access the tags of a WebSocket.");
  });

  it("[websockets] at most 10 tags per socket, each at most 256 characters", async () => {
    const out = await inRoom(fresh("room"), (s) => ({
      eleven: errorOf(() => s.acceptWebSocket(new WebSocketPair()[1], Array.from({ length: 11 }, (_, i) => `t${i}`))),
      ten: errorOf(() => s.acceptWebSocket(new WebSocketPair()[1], Array.from({ length: 10 }, (_, i) => `t${i}`))),
      long: errorOf(() => s.acceptWebSocket(new WebSocketPair()[1], ["x".repeat(257)])),
      max: errorOf(() => s.acceptWebSocket(new WebSocketPair()[1], ["x".repeat(256)])),
    }));
    expect(out.eleven).toBe("Error: a Hibernatable WebSocket cannot have more than 10 tags");
    expect(out.ten).toBe("no error");
    expect(out.long).toContain("is longer than the max tag length (256 characters).");
    expect(out.max).toBe("no error");
  });

  it("[websockets] serializeAttachment() accepts up to 16,384 serialized bytes and throws above", async () => {
    const room = fresh("room");
    await connect(room, "user=ann");
    const out = await inRoom(room, (s) => {
      const ws = s.getWebSockets()[0];
      return { ok: errorOf(() => ws.serializeAttachment("x".repeat(16_000))), big: errorOf(() => ws.serializeAttachment("x".repeat(20_000))) };
    });
    expect(out.ok).toBe("no error");
    expect(out.big).toContain("A WebSocket 'attachment' cannot be larger than 16384 bytes.");
  });

  it("[websockets] ws.close() with the reserved codes 1005/1006 throws InvalidAccessError", async () => {
    const room = fresh("room");
    await connect(room, "user=ann");
    const err = await inRoom(room, (s) => errorOf(() => s.getWebSockets()[0].close(1005, "x")));
    expect(err).toBe("InvalidAccessError: Invalid WebSocket close code: 1005.");
  });

  it("[websockets] deserializeAttachment() is null when nothing was stored; getWebSocketAutoResponse() is null when unset", async () => {
    const out = await inRoom(fresh("room"), (s) => {
      const server = new WebSocketPair()[1];
      s.acceptWebSocket(server);
      return { attachment: server.deserializeAttachment(), auto: s.getWebSocketAutoResponse() };
    });
    expect(out).toEqual({ attachment: null, auto: null });
  });

  it("[websockets] a WebSocket cannot be returned over RPC (DataCloneError); the upgrade must go through fetch()", async () => {
    const stub = env.CHAT.getByName(fresh("room")) as unknown as { upgradeOverRpc(): Promise<Response> };
    let err = "no error";
    try {
      await stub.upgradeOverRpc();
    } catch (e) {
      err = `${(e as Error).name}: ${(e as Error).message}`;
    }
    expect(err).toMatch(/^DataCloneError: Could not serialize object of type "WebSocket"/);
  });
});
