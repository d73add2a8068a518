// Synchronous KV (ctx.storage.kv) and asynchronous KV (ctx.storage.get/put/list) on a SQLite-backed object.
import { describe, expect, it } from "vitest";
import { errorOf, inLab } from "./helpers";

const KEYS = ["b", "a", "B", "\u00e9", "z", "aa", "A"];

function fill(kv: SyncKvStorage): void {
  for (const k of KEYS) kv.put(`o:${k}`, k);
}

function keys(it: Iterable<[string, unknown]>): string[] {
  return [...it].map(([k]) => k);
}

describe("sqlite-storage: synchronous KV", () => {
  it("[sqlite-storage] kv.get returns undefined for a missing key; kv.put stores structured-clone values", async () => {
    const out = await inLab((s) => {
      const kv = s.storage.kv;
      kv.put("when", new Date(5));
      kv.put("map", new Map([["x", 1]]));
      const when = kv.get("when");
      const map = kv.get("map");
      return { missing: kv.get("nope"), when: when instanceof Date && when.getTime(), map: map instanceof Map && [...map] };
    });
    expect(out).toEqual({ missing: undefined, when: 5, map: [["x", 1]] });
  });

  it("[sqlite-storage] kv.delete returns true when the key existed and false otherwise", async () => {
    const out = await inLab((s) => {
      s.storage.kv.put("k", 1);
      return [s.storage.kv.delete("k"), s.storage.kv.delete("k"), s.storage.kv.get("k")];
    });
    expect(out).toEqual([true, false, undefined]);
  });

  it("[sqlite-storage] kv.list returns entries in ascending UTF-8 byte order of keys", async () => {
    const out = await inLab((s) => {
      fill(s.storage.kv);
      return keys(s.storage.kv.list({ prefix: "o:" }));
    });
    expect(out).toEqual(["o:A", "o:B", "o:a", "o:aa", "o:b", "o:z", "o:\u00e9"]);
  });

  it("[sqlite-storage] kv.list: start is inclusive, end exclusive, startAfter exclusive, limit caps the count", async () => {
    const out = await inLab((s) => {
      fill(s.storage.kv);
      const kv = s.storage.kv;
      return {
        range: keys(kv.list({ start: "o:a", end: "o:z" })),
        after: keys(kv.list({ startAfter: "o:a", end: "o:b" })),
        limited: keys(kv.list({ prefix: "o:", limit: 2 })),
      };
    });
    expect(out).toEqual({ range: ["o:a", "o:aa", "o:b"], after: ["o:aa"], limited: ["o:A", "o:B"] });
  });

  it("[sqlite-storage] kv.list reverse: descending order, same start/end meaning, limit counts from the end", async () => {
    const out = await inLab((s) => {
      fill(s.storage.kv);
      return {
        range: keys(s.storage.kv.list({ start: "o:a", end: "o:z", reverse: true })),
        last3: keys(s.storage.kv.list({ prefix: "o:", reverse: true, limit: 3 })),
      };
    });
    expect(out).toEqual({ range: ["o:b", "o:aa", "o:a"], last3: ["o:\u00e9", "o:z", "o:b"] });
  });

  it("[sqlite-storage] kv.list rejects start together with startAfter", async () => {
    const err = await inLab((s) => errorOf(() => [...s.storage.kv.list({ start: "a", startAfter: "a" })]));
    expect(err).toBe("TypeError: list() cannot be called with both start and startAfter values.");
  });
});

describe("sqlite-storage: asynchronous KV", () => {
  it("[sqlite-storage] async list() returns a Map in the same ascending order; sync and async KV share the data", async () => {
    const out = await inLab(async (s) => {
      fill(s.storage.kv);
      const map = await s.storage.list({ prefix: "o:" });
      await s.storage.put("async-key", 1);
      return { order: [...map.keys()], sync: s.storage.kv.get("async-key"), viaAsync: await s.storage.get("o:z") };
    });
    expect(out).toEqual({ order: ["o:A", "o:B", "o:a", "o:aa", "o:b", "o:z", "o:\u00e9"], sync: 1, viaAsync: "z" });
  });

  it("[sqlite-storage] get(keys[]) returns a Map that omits missing keys, in key order", async () => {
    const entries = await inLab(async (s) => {
      fill(s.storage.kv);
      return [...(await s.storage.get(["o:a", "missing", "o:B"])).entries()];
    });
    expect(entries).toEqual([
      ["o:B", "B"],
      ["o:a", "a"],
    ]);
  });

  it("[sqlite-storage] put(entries) and delete(keys[]) work in bulk; delete(keys[]) returns the count deleted", async () => {
    const out = await inLab(async (s) => {
      await s.storage.put({ x: 1, y: 2, z: 3 });
      const deleted = await s.storage.delete(["x", "y", "missing"]);
      return { deleted, left: [...(await s.storage.list()).keys()] };
    });
    expect(out).toEqual({ deleted: 2, left: ["z"] });
  });
});
