// SQL and storage limits (limits), class declaration via `exports` (lifecycle-and-config), input gates
// (concurrency).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, fresh, inLab } from "./helpers";

describe("limits: SQL", () => {
  it("[limits] at most 100 bound parameters per query", async () => {
    const out = await inLab((s) => {
      const q = (n: number) => `SELECT ${Array(n).fill("?").join(", ")}`;
      return {
        hundred: [...s.storage.sql.exec(q(100), ...Array(100).fill(1)).raw()][0].length,
        more: errorOf(() => s.storage.sql.exec(q(101), ...Array(101).fill(1))),
      };
    });
    expect(out.hundred).toBe(100);
    expect(out.more).toMatch(/^Error: too many SQL variables/);
  });

  it("[limits] at most 100 columns per table", async () => {
    const out = await inLab((s) => {
      const cols = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`).join(", ");
      return {
        hundred: errorOf(() => s.storage.sql.exec(`CREATE TABLE w100(${cols(100)})`)),
        more: errorOf(() => s.storage.sql.exec(`CREATE TABLE w101(${cols(101)})`)),
      };
    });
    expect(out).toEqual({ hundred: "no error", more: "Error: too many columns on w101: SQLITE_ERROR" });
  });

  it("[limits] LIKE/GLOB patterns are limited to 50 bytes", async () => {
    const out = await inLab((s) => ({
      fifty: errorOf(() => s.storage.sql.exec("SELECT 'a' LIKE ?", "a" + "%".repeat(49)).toArray()),
      more: errorOf(() => s.storage.sql.exec("SELECT 'a' LIKE ?", "%".repeat(51)).toArray()),
    }));
    expect(out).toEqual({ fifty: "no error", more: "Error: LIKE or GLOB pattern too complex: SQLITE_ERROR" });
  });

  it("[limits] local workerd allows more SQL function arguments than the documented 32 (limit is 127 locally)", async () => {
    const out = await inLab((s) => ({
      thirtyThree: errorOf(() => s.storage.sql.exec(`SELECT max(${Array(33).fill("1").join(",")})`).toArray()),
      over127: errorOf(() => s.storage.sql.exec(`SELECT max(${Array(128).fill("1").join(",")})`).toArray()),
    }));
    expect(out.thirtyThree).toBe("no error");
    expect(out.over127).toBe("Error: too many arguments on function max at offset 7: SQLITE_ERROR");
  });

  it("[limits] local workerd stores a 3 MB string in a row although production documents 2 MB per string/row", async () => {
    const n = await inLab((s) => {
      s.storage.sql.exec("CREATE TABLE big(v TEXT)");
      s.storage.sql.exec("INSERT INTO big VALUES (?)", "x".repeat(3_000_000));
      return s.storage.sql.exec<{ n: number }>("SELECT length(v) AS n FROM big").one().n;
    });
    expect(n).toBe(3_000_000);
  });
});

describe("limits: KV on a SQLite-backed object", () => {
  it("[limits] the KV-backed limits (2 KiB keys, 128 KiB values) do not apply: a 5 KB key and a 300 KB value work", async () => {
    const out = await inLab(async (s) => {
      s.storage.kv.put("k".repeat(5_000), 1);
      await s.storage.put("v", "x".repeat(300_000));
      return { key: s.storage.kv.get("k".repeat(5_000)), len: ((await s.storage.get<string>("v")) ?? "").length };
    });
    expect(out).toEqual({ key: 1, len: 300_000 });
  });

  it("[limits] local workerd accepts a 3 MB KV value although production documents 2 MB for key plus value", async () => {
    const len = await inLab((s) => {
      s.storage.kv.put("big", "x".repeat(3_000_000));
      return (s.storage.kv.get("big") as string).length;
    });
    expect(len).toBe(3_000_000);
  });
});

describe("lifecycle-and-config: declarative exports", () => {
  it("[lifecycle-and-config] classes declared in `exports` with storage 'sqlite' get the SQL API (no X_DO_EXPORTS needed)", async () => {
    const out = await inLab((s) => {
      s.storage.sql.exec("CREATE TABLE t(v)");
      return { size: s.storage.sql.databaseSize, tables: s.storage.sql.exec("SELECT name FROM sqlite_master").toArray() };
    });
    expect(out.size).toBeGreaterThan(0);
    expect(out.tables).toEqual([{ name: "t" }]);
  });
});

describe("concurrency: input gates", () => {
  it("[concurrency] concurrent calls that only await storage do not interleave (input gate): no lost updates", async () => {
    const stub = env.LAB.getByName(fresh("gate"));
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.incrementStorageOnly()));
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("[concurrency] awaiting non-storage I/O (a timer) between read and write lets calls interleave: updates are lost", async () => {
    const stub = env.LAB.getByName(fresh("race"));
    const results = await Promise.all(Array.from({ length: 10 }, () => stub.incrementAcrossTimer()));
    expect(Math.max(...results)).toBeLessThan(10);
  });

  it("[concurrency] writes with no await between them are atomic: a throw after them in transactionSync leaves nothing", async () => {
    const out = await inLab((s) => {
      s.storage.sql.exec("CREATE TABLE acct(id INTEGER PRIMARY KEY, bal INTEGER)");
      s.storage.sql.exec("INSERT INTO acct VALUES (1, 100), (2, 0)");
      const err = errorOf(() =>
        s.storage.transactionSync(() => {
          s.storage.sql.exec("UPDATE acct SET bal = bal - 50 WHERE id = 1");
          s.storage.sql.exec("UPDATE acct SET bal = bal + 50 WHERE id = 2");
          throw new Error("crash mid-transfer");
        }),
      );
      return { err, rows: s.storage.sql.exec("SELECT bal FROM acct ORDER BY id").toArray() };
    });
    expect(out).toEqual({ err: "Error: crash mid-transfer", rows: [{ bal: 100 }, { bal: 0 }] });
  });
});
