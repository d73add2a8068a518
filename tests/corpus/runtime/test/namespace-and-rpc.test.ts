// Namespaces, IDs, stubs (namespace-and-stubs) and RPC between Worker and object.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asyncErrorOf, errorOf, fresh } from "./helpers";

describe("namespace-and-stubs", () => {
  it("[namespace-and-stubs] getByName(name): ctx.id.name inside the object is that name; stub.name too", async () => {
    const name = fresh("alice");
    const stub = env.LAB.getByName(name);
    expect(stub.name).toBe(name);
    expect((await stub.whoami()).name).toBe(name);
  });

  it("[namespace-and-stubs] idFromName() is deterministic and matches getByName()", async () => {
    const a = env.LAB.idFromName("bob");
    const b = env.LAB.idFromName("bob");
    expect(a.toString()).toBe(b.toString());
    expect(a.equals(b)).toBe(true);
    expect(a.toString()).toMatch(/^[0-9a-f]{64}$/);
    expect(env.LAB.idFromName("bob2").toString()).not.toBe(a.toString());
    expect((await env.LAB.getByName("bob").whoami()).id).toBe(a.toString());
  });

  it("[namespace-and-stubs] get(idFromName(name)) also exposes ctx.id.name", async () => {
    const id = env.LAB.idFromName("carol");
    expect(id.name).toBe("carol");
    expect((await env.LAB.get(id).whoami()).name).toBe("carol");
  });

  it("[namespace-and-stubs] newUniqueId(): ctx.id.name is undefined; idFromString(id.toString()) finds the same object", async () => {
    const id = env.LAB.newUniqueId();
    const first = await env.LAB.get(id).whoami();
    const again = env.LAB.idFromString(id.toString());
    expect(first.name).toBeUndefined();
    expect(again.equals(id)).toBe(true);
    expect((await env.LAB.get(again).whoami()).id).toBe(first.id);
  });

  it("[namespace-and-stubs] idFromString() rejects malformed IDs and IDs of another namespace", () => {
    expect(errorOf(() => env.LAB.idFromString("abc"))).toBe("TypeError: Invalid Durable Object ID: must be 64 hex digits");
    expect(errorOf(() => env.CHAT.idFromString(env.LAB.idFromName("x").toString()))).toBe(
      "TypeError: Durable Object ID is not valid for this namespace.",
    );
  });

  it("[namespace-and-stubs] IDs differ per namespace for the same name", () => {
    expect(env.LAB.idFromName("same").toString()).not.toBe(env.CHAT.idFromName("same").toString());
  });
});

describe("service-bindings: RPC to a Durable Object", () => {
  it("[service-bindings] an RPC method call returns its value", async () => {
    expect(await env.LAB.getByName(fresh("rpc")).hello("x")).toBe("hello x");
  });

  it("[service-bindings] RPC results are structured clones: Date, Map and Uint8Array survive", async () => {
    const v = await env.LAB.getByName(fresh("rpc")).richValue();
    expect(v.when).toBeInstanceOf(Date);
    expect(v.map).toBeInstanceOf(Map);
    expect([...v.bytes]).toEqual([1, 2]);
  });

  it("[errors] an exception thrown in an RPC method reaches the caller with its type and message, marked remote", async () => {
    let caught: unknown;
    try {
      await env.LAB.getByName(fresh("rpc")).boom();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RangeError);
    expect((caught as Error).message).toBe("boom from the object");
    expect((caught as { remote?: boolean }).remote).toBe(true);
  });

  it("[service-bindings] calling a method that does not exist rejects", async () => {
    const stub = env.LAB.getByName(fresh("rpc")) as unknown as { nope(): Promise<unknown> };
    expect(await asyncErrorOf(() => stub.nope())).toMatch(/TypeError/);
  });
});
