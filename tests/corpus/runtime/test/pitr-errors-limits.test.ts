// PITR in local workerd (pitr), object resets (errors), more limits (limits), names and jurisdictions
// (namespace-and-stubs), ctx.exports (lifecycle-and-config).
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ChatRoom, Lab } from "../src/index";
import { asyncErrorOf, errorOf, fresh, inLab } from "./helpers";

const NO_PITR = "Error: This Durable Object's storage back-end does not implement point-in-time recovery.";

describe("pitr: local behaviour", () => {
  it("[pitr] getCurrentBookmark() resolves to an all-zero placeholder locally", async () => {
    const b = await inLab((s) => s.storage.getCurrentBookmark());
    expect(b).toBe("00000000-00000000-00000000-00000000000000000000000000000000");
  });

  it("[pitr] getBookmarkForTime() and onNextSessionRestoreBookmark() reject locally", async () => {
    const out = await inLab(async (s) => [
      await asyncErrorOf(() => s.storage.getBookmarkForTime(Date.now() - 1_000)),
      await asyncErrorOf(() => s.storage.onNextSessionRestoreBookmark("00000000-00000000-00000000-00000000000000000000000000000000")),
    ]);
    expect(out).toEqual([NO_PITR, NO_PITR]);
  });
});

describe("errors: resets", () => {
  it("[errors] ctx.abort() resets the object: the caller gets the error, the next call reaches a new instance", async () => {
    const name = fresh("abort");
    await runInDurableObject(env.LAB.getByName(name), (i: Lab) => {
      i.memory = 5;
    });
    const err = await asyncErrorOf(() =>
      runInDurableObject(env.LAB.getByName(name), (_i: Lab, s: DurableObjectState) => {
        s.abort("reset on purpose");
      }),
    );
    expect(err).toBe("Error: reset on purpose");
    expect(await runInDurableObject(env.LAB.getByName(name), (i: Lab) => i.memory)).toBe(0);
  });

  it("[errors] a throw inside blockConcurrencyWhile() resets the object; a new stub reaches a fresh instance", async () => {
    const name = fresh("bcw");
    await runInDurableObject(env.LAB.getByName(name), (i: Lab) => {
      i.memory = 9;
    });
    const err = await asyncErrorOf(() =>
      runInDurableObject(env.LAB.getByName(name), (_i: Lab, s: DurableObjectState) =>
        s.blockConcurrencyWhile(async () => {
          throw new Error("init failed");
        }),
      ),
    );
    expect(err).toBe("Error: init failed");
    expect(await runInDurableObject(env.LAB.getByName(name), (i: Lab) => i.memory)).toBe(0);
  });
});

describe("limits: more", () => {
  it("[limits] a SQL statement may be at most 100,000 bytes", async () => {
    const out = await inLab((s) => {
      const pad = (n: number) => "SELECT 1" + " ".repeat(n - 8);
      return [errorOf(() => s.storage.sql.exec(pad(100_000))), errorOf(() => s.storage.sql.exec(pad(100_001)))];
    });
    expect(out).toEqual(["no error", "Error: statement too long: SQLITE_TOOBIG"]);
  });

  it("[limits] SQL expression depth is limited to 100", async () => {
    const out = await inLab((s) => [
      errorOf(() => s.storage.sql.exec(`SELECT ${Array(100).fill("1").join("+")}`)),
      errorOf(() => s.storage.sql.exec(`SELECT ${Array(101).fill("1").join("+")}`)),
    ]);
    expect(out).toEqual(["no error", "Error: Expression tree is too large (maximum depth 100): SQLITE_ERROR"]);
  });

  it("[limits] local workerd does not enforce the 128-key limit of multi-key get/put/delete", async () => {
    const out = await inLab(async (s) => {
      const entries: Record<string, number> = {};
      for (let i = 0; i < 129; i++) entries[`k${i}`] = i;
      await s.storage.put(entries);
      const keys = Object.keys(entries);
      return { got: (await s.storage.get(keys)).size, deleted: await s.storage.delete(keys) };
    });
    expect(out).toEqual({ got: 129, deleted: 129 });
  });

  it("[limits] WebSocket auto-response request and response are at most 2,048 bytes each", async () => {
    const out = await runInDurableObject(env.CHAT.getByName(fresh("room")), (_i: ChatRoom, s: DurableObjectState) => [
      errorOf(() => s.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2049), "y"))),
      errorOf(() => s.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x", "y".repeat(2049)))),
      errorOf(() => s.setWebSocketAutoResponse(new WebSocketRequestResponsePair("x".repeat(2048), "y".repeat(2048)))),
    ]);
    expect(out).toEqual([
      "RangeError: Request cannot be larger than 2048 bytes. A request of size 2049 was provided.",
      "RangeError: Response cannot be larger than 2048 bytes. A response of size 2049 was provided.",
      "no error",
    ]);
  });

  it("[limits] setHibernatableWebSocketEventTimeout() accepts at most 604,800,000 ms (7 days)", async () => {
    const out = await runInDurableObject(env.CHAT.getByName(fresh("room")), (_i: ChatRoom, s: DurableObjectState) => [
      errorOf(() => s.setHibernatableWebSocketEventTimeout(604_800_001)),
      errorOf(() => s.setHibernatableWebSocketEventTimeout(604_800_000)),
    ]);
    expect(out).toEqual(["Error: Event timeout should not exceed 604800000 ms.", "no error"]);
  });
});

describe("namespace-and-stubs: names and jurisdictions in local workerd", () => {
  it("[namespace-and-stubs] ctx.id.name is dropped for names longer than 1,024 bytes", async () => {
    expect((await env.LAB.getByName("n".repeat(1024)).whoami()).name).toHaveLength(1024);
    expect((await env.LAB.getByName("n".repeat(1025)).whoami()).name).toBeUndefined();
  });

  it("[namespace-and-stubs] an instance started through idFromString() has no ctx.id.name, even for a name-derived ID", async () => {
    const hex = env.LAB.idFromName(fresh("by-string")).toString();
    expect((await env.LAB.get(env.LAB.idFromString(hex)).whoami()).name).toBeUndefined();
  });

  it("[namespace-and-stubs] an instance already started by name keeps ctx.id.name when later reached through idFromString()", async () => {
    const name = fresh("live");
    await env.LAB.getByName(name).hello("wake");
    const hex = env.LAB.idFromName(name).toString();
    expect((await env.LAB.get(env.LAB.idFromString(hex)).whoami()).name).toBe(name);
  });

  it("[namespace-and-stubs] jurisdiction() is not implemented in local workerd (throws)", () => {
    expect(errorOf(() => env.LAB.jurisdiction("eu").idFromName("x"))).toBe(
      "Error: Jurisdiction restrictions are not implemented in workerd.",
    );
  });
});

describe("lifecycle-and-config: ctx.exports", () => {
  it("[lifecycle-and-config] ctx.exports exposes the Worker's exported classes and default handler", async () => {
    const keys = await inLab((s) => Object.keys((s as unknown as { exports: Record<string, unknown> }).exports));
    expect(keys).toEqual(expect.arrayContaining(["default", "Lab", "ChatRoom", "NoAlarmHandler"]));
  });
});
