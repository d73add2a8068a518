// ctx.storage.sql: exec, cursors, transactions, databaseSize, reserved names.
import { describe, expect, it } from "vitest";
import { errorOf, inLab } from "./helpers";

function seed(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  sql.exec("INSERT INTO items(name) VALUES ('a'), ('b'), ('c')");
}

describe("sqlite-storage: cursors", () => {
  it("[sqlite-storage] exec() is synchronous and toArray() returns row objects keyed by column", async () => {
    const rows = await inLab((s) => {
      seed(s.storage.sql);
      return s.storage.sql.exec<{ id: number; name: string }>("SELECT id, name FROM items ORDER BY id").toArray();
    });
    expect(rows).toEqual([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
      { id: 3, name: "c" },
    ]);
  });

  it("[sqlite-storage] one() returns the single row", async () => {
    const row = await inLab((s) => {
      seed(s.storage.sql);
      return s.storage.sql.exec("SELECT name FROM items WHERE id = ?", 2).one();
    });
    expect(row).toEqual({ name: "b" });
  });

  it("[sqlite-storage] one() throws when the query returns no row", async () => {
    const err = await inLab((s) => {
      seed(s.storage.sql);
      return errorOf(() => s.storage.sql.exec("SELECT name FROM items WHERE id = 99").one());
    });
    expect(err).toBe("Error: Expected exactly one result from SQL query, but got no results.");
  });

  it("[sqlite-storage] one() throws when the query returns two or more rows", async () => {
    const err = await inLab((s) => {
      seed(s.storage.sql);
      return errorOf(() => s.storage.sql.exec("SELECT name FROM items").one());
    });
    expect(err).toBe("Error: Expected exactly one result from SQL query, but got multiple results.");
  });

  it("[sqlite-storage] raw() yields value arrays and shares the cursor position; columnNames lists the columns", async () => {
    const out = await inLab((s) => {
      seed(s.storage.sql);
      const cursor = s.storage.sql.exec("SELECT id, name FROM items ORDER BY id");
      const first = cursor.next();
      const second = cursor.raw().next();
      const rest = [...cursor.raw()];
      return { first, second, rest, columns: cursor.columnNames };
    });
    expect(out.first).toEqual({ done: false, value: { id: 1, name: "a" } });
    expect(out.second).toEqual({ done: false, value: [2, "b"] });
    expect(out.rest).toEqual([[3, "c"]]);
    expect(out.columns).toEqual(["id", "name"]);
  });

  it("[sqlite-storage] raw() has toArray() at runtime although @cloudflare/workers-types types it as a plain IterableIterator", async () => {
    const rows = await inLab((s) => {
      seed(s.storage.sql);
      const raw = s.storage.sql.exec("SELECT id FROM items ORDER BY id").raw() as unknown as { toArray(): unknown[] };
      return raw.toArray();
    });
    expect(rows).toEqual([[1], [2], [3]]);
  });

  it("[sqlite-storage] a cursor is iterable with for...of", async () => {
    const names = await inLab((s) => {
      seed(s.storage.sql);
      const seen: string[] = [];
      for (const row of s.storage.sql.exec<{ name: string }>("SELECT name FROM items ORDER BY id")) seen.push(row.name);
      return seen;
    });
    expect(names).toEqual(["a", "b", "c"]);
  });

  it("[sqlite-storage] duplicate column names: the object form keeps the last value, raw() keeps both", async () => {
    const out = await inLab((s) => {
      const cursor = s.storage.sql.exec("SELECT 1 AS a, 2 AS a");
      return { obj: s.storage.sql.exec("SELECT 1 AS a, 2 AS a").toArray(), raw: [...cursor.raw()], cols: cursor.columnNames };
    });
    expect(out.obj).toEqual([{ a: 2 }]);
    expect(out.raw).toEqual([[1, 2]]);
    expect(out.cols).toEqual(["a", "a"]);
  });

  it("[sqlite-storage] rowsWritten counts inserted rows and rowsRead grows as the cursor is consumed", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
      const ins = sql.exec("INSERT INTO t(v) VALUES ('x'), ('y'), ('z')");
      const sel = sql.exec("SELECT * FROM t");
      const readBefore = sel.rowsRead;
      sel.toArray();
      return { insRead: ins.rowsRead, insWritten: ins.rowsWritten, readBefore, readAfter: sel.rowsRead, selWritten: sel.rowsWritten };
    });
    expect(out.insWritten).toBe(3);
    expect(out.insRead).toBe(0);
    expect(out.readBefore).toBeLessThan(out.readAfter);
    expect(out.readAfter).toBe(3);
    expect(out.selWritten).toBe(0);
  });

  it("[sqlite-storage] each index update counts as an extra row written", async () => {
    const written = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
      sql.exec("CREATE INDEX t_v ON t(v)");
      return sql.exec("INSERT INTO t(v) VALUES ('q')").rowsWritten;
    });
    expect(written).toBe(2);
  });
});

describe("sqlite-storage: exec() with several statements and bindings", () => {
  it("[sqlite-storage] one exec() runs several statements; the cursor is for the last one", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      const rows = sql.exec("CREATE TABLE t(v); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); SELECT count(*) AS n FROM t").toArray();
      return rows;
    });
    expect(out).toEqual([{ n: 2 }]);
  });

  it("[sqlite-storage] bindings apply only to the last statement; parameters in an earlier one throw", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(v)");
      const ok = sql.exec("INSERT INTO t VALUES (1); SELECT ? AS x", 5).toArray();
      const err = errorOf(() => sql.exec("INSERT INTO t VALUES (?); SELECT 1", 7));
      return { ok, err };
    });
    expect(out.ok).toEqual([{ x: 5 }]);
    expect(out.err).toBe(
      "Error: When executing multiple SQL statements in a single call, only the last statement can have parameters.",
    );
  });

  it("[sqlite-storage] a wrong number of bindings throws", async () => {
    const out = await inLab((s) => [
      errorOf(() => s.storage.sql.exec("SELECT ?", 1, 2)),
      errorOf(() => s.storage.sql.exec("SELECT ?, ?", 1)),
    ]);
    expect(out).toEqual([
      "Error: Wrong number of parameter bindings for SQL query.",
      "Error: Wrong number of parameter bindings for SQL query.",
    ]);
  });
});

describe("sqlite-storage: values", () => {
  it("[sqlite-storage] integers come back as JS numbers, so values above 2^53 lose precision", async () => {
    const big = await inLab((s) => s.storage.sql.exec<{ big: number }>("SELECT 9007199254740993 AS big").one().big);
    expect(typeof big).toBe("number");
    expect(big).toBe(9007199254740992);
  });

  it("[sqlite-storage] binding a BigInt throws a TypeError", async () => {
    const err = await inLab((s) => errorOf(() => s.storage.sql.exec("SELECT ? AS v", 1n as unknown as number)));
    expect(err).toBe("TypeError: Cannot convert a BigInt value to a number");
  });

  it("[sqlite-storage] BLOBs bind from Uint8Array and come back as ArrayBuffer; null and undefined bind as NULL", async () => {
    const out = await inLab((s) => {
      const row = s.storage.sql.exec("SELECT ? AS b, ? AS n, ? AS u", new Uint8Array([1, 2, 3]), null, undefined as unknown as null).one();
      return { isBuffer: row.b instanceof ArrayBuffer, bytes: [...new Uint8Array(row.b as ArrayBuffer)], n: row.n, u: row.u };
    });
    expect(out).toEqual({ isBuffer: true, bytes: [1, 2, 3], n: null, u: null });
  });

  it("[sqlite-storage] booleans and objects are bound as their string form (convert them yourself)", async () => {
    const out = await inLab((s) =>
      s.storage.sql.exec("SELECT ? AS b, typeof(?) AS t, ? AS o", true as unknown as number, false as unknown as number, { a: 1 } as unknown as string).one(),
    );
    expect(out).toEqual({ b: "true", t: "text", o: "[object Object]" });
  });
});

describe("sqlite-storage: transactions", () => {
  it("[sqlite-storage] transactionSync() returns the callback's value", async () => {
    const v = await inLab((s) =>
      s.storage.transactionSync(() => {
        s.storage.sql.exec("CREATE TABLE t(v)");
        s.storage.sql.exec("INSERT INTO t VALUES (1), (2)");
        return s.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM t").one().n;
      }),
    );
    expect(v).toBe(2);
  });

  it("[sqlite-storage] transactionSync() rolls back SQL and KV writes when the callback throws", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(v)");
      const err = errorOf(() =>
        s.storage.transactionSync(() => {
          sql.exec("INSERT INTO t VALUES (1)");
          s.storage.kv.put("inside", true);
          throw new Error("stop");
        }),
      );
      return { err, n: sql.exec<{ n: number }>("SELECT count(*) AS n FROM t").one().n, kv: s.storage.kv.get("inside") };
    });
    expect(out).toEqual({ err: "Error: stop", n: 0, kv: undefined });
  });

  it("[sqlite-storage] transactionSync() calls can nest", async () => {
    const v = await inLab((s) => s.storage.transactionSync(() => s.storage.transactionSync(() => 5)));
    expect(v).toBe(5);
  });

  it("[sqlite-storage] an async callback to transactionSync() is not rejected: it returns a Promise, writes after the await are kept and a late throw rolls nothing back", async () => {
    const out = await inLab(async (s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE q(v)");
      const p = s.storage.transactionSync((async () => {
        sql.exec("INSERT INTO q VALUES (1)");
        await new Promise((r) => setTimeout(r, 10));
        sql.exec("INSERT INTO q VALUES (2)");
        throw new Error("too late");
      }) as unknown as () => number) as unknown as Promise<unknown>;
      const isPromise = p instanceof Promise;
      let err = "no error";
      try {
        await p;
      } catch (e) {
        err = (e as Error).message;
      }
      return { isPromise, err, rows: sql.exec("SELECT v FROM q ORDER BY v").toArray() };
    });
    expect(out).toEqual({ isPromise: true, err: "too late", rows: [{ v: 1 }, { v: 2 }] });
  });

  it("[sqlite-storage] a cursor has no snapshot isolation: rows written after it was opened show up when it is read later", async () => {
    const out = await inLab(async (s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE c(v)");
      sql.exec("INSERT INTO c VALUES (1), (2)");
      const cursor = sql.exec<{ v: number }>("SELECT v FROM c");
      const first = cursor.next().value;
      await s.storage.sync();
      sql.exec("INSERT INTO c VALUES (3)");
      return { first, rest: cursor.toArray() };
    });
    expect(out).toEqual({ first: { v: 1 }, rest: [{ v: 2 }, { v: 3 }] });
  });

  it("[sqlite-storage] transaction() on SQLite: sql.exec inside joins it and a throw rolls it back", async () => {
    const out = await inLab(async (s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(v)");
      let err = "no error";
      try {
        await s.storage.transaction(async () => {
          sql.exec("INSERT INTO t VALUES (1)");
          await s.storage.put("k", 1);
          throw new Error("abort");
        });
      } catch (e) {
        err = (e as Error).message;
      }
      return { err, n: sql.exec<{ n: number }>("SELECT count(*) AS n FROM t").one().n, k: await s.storage.get("k") };
    });
    expect(out).toEqual({ err: "abort", n: 0, k: undefined });
  });

  it("[sqlite-storage] txn.rollback() in transaction() discards the writes without throwing", async () => {
    const out = await inLab(async (s) => {
      s.storage.sql.exec("CREATE TABLE t(v)");
      await s.storage.transaction(async (txn) => {
        s.storage.sql.exec("INSERT INTO t VALUES (1)");
        txn.rollback();
      });
      return s.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM t").one().n;
    });
    expect(out).toBe(0);
  });

  it("[sqlite-storage] BEGIN, COMMIT, ROLLBACK and SAVEPOINT are rejected with a pointer to transaction()/transactionSync()", async () => {
    const errs = await inLab((s) =>
      ["BEGIN TRANSACTION", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT sp1", "RELEASE sp1"].map((q) => errorOf(() => s.storage.sql.exec(q))),
    );
    for (const e of errs) {
      expect(e).toContain(
        "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements.",
      );
    }
  });
});

describe("sqlite-storage: size and reserved names", () => {
  it("[sqlite-storage] databaseSize is a byte count that grows with data", async () => {
    const out = await inLab((s) => {
      const before = s.storage.sql.databaseSize;
      s.storage.sql.exec("CREATE TABLE t(v TEXT)");
      s.storage.sql.exec("INSERT INTO t VALUES (?)", "x".repeat(200_000));
      return { before, after: s.storage.sql.databaseSize };
    });
    expect(out.before % 4096).toBe(0);
    expect(out.after).toBeGreaterThan(out.before + 150_000);
  });

  it("[sqlite-storage] deleting rows lowers databaseSize at once (freed pages are not counted)", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(v TEXT)");
      for (let i = 0; i < 1000; i++) sql.exec("INSERT INTO t VALUES (?)", "x".repeat(800));
      const full = sql.databaseSize;
      sql.exec("DELETE FROM t");
      return { full, emptied: sql.databaseSize };
    });
    expect(out.full).toBeGreaterThan(800_000);
    expect(out.emptied).toBeLessThan(20_000);
  });

  it("[sqlite-storage] table names starting with _cf_ are reserved (not authorized, any case)", async () => {
    const errs = await inLab((s) => [
      errorOf(() => s.storage.sql.exec("CREATE TABLE _cf_mine(a)")),
      errorOf(() => s.storage.sql.exec("CREATE TABLE _CF_Mine(a)")),
    ]);
    expect(errs).toEqual(["Error: not authorized: SQLITE_AUTH", "Error: not authorized: SQLITE_AUTH"]);
  });

  it("[sqlite-storage] KV data lives in the hidden table _cf_KV: listed by PRAGMA table_list and sqlite_master, unreadable from SQL", async () => {
    const out = await inLab((s) => {
      s.storage.kv.put("k", 1);
      const tables = s.storage.sql.exec<{ name: string }>("PRAGMA table_list").toArray().map((r) => r.name);
      const master = s.storage.sql.exec("SELECT name, type FROM sqlite_master").toArray();
      return { tables, master, err: errorOf(() => s.storage.sql.exec("SELECT * FROM _cf_KV")) };
    });
    expect(out.tables).toContain("_cf_KV");
    expect(out.master).toEqual([{ name: "_cf_KV", type: "table" }]);
    expect(out.err).toBe("Error: access to _cf_KV.key is prohibited: SQLITE_AUTH");
  });

  it("[sqlite-storage] deleteAll() wipes SQL tables and KV data atomically", async () => {
    const out = await inLab(async (s) => {
      s.storage.sql.exec("CREATE TABLE t(v)");
      s.storage.sql.exec("INSERT INTO t VALUES (1)");
      s.storage.kv.put("a", 1);
      await s.storage.put("b", 2);
      await s.storage.deleteAll();
      return {
        tables: s.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master").toArray(),
        kv: [...s.storage.kv.list()].length,
        asyncKv: (await s.storage.list()).size,
        size: s.storage.sql.databaseSize,
      };
    });
    expect(out).toEqual({ tables: [], kv: 0, asyncKv: 0, size: 4096 });
  });
});
