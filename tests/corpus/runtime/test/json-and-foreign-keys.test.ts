// JSON functions (json-functions) and foreign-key enforcement (foreign-keys).
import { describe, expect, it } from "vitest";
import { errorOf, fresh, inLab } from "./helpers";

describe("json-functions", () => {
  it("[json-functions] json_extract, -> (JSON text) and ->> (SQL value) work", async () => {
    const row = await inLab((s) =>
      s.storage.sql
        .exec(
          "SELECT json_extract(?1, '$.a.b[1]') AS e, ?1 -> '$.a' AS arrow, ?1 ->> '$.a.b[0]' AS arrow2, json_type(?1, '$.a') AS t, json_valid(?1) AS ok",
          '{"a":{"b":[1,2]}}',
        )
        .one(),
    );
    expect(row).toEqual({ e: 2, arrow: '{"b":[1,2]}', arrow2: 1, t: "object", ok: 1 });
  });

  it("[json-functions] json_each and json_group_array work; $[#] appends to an array", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      return {
        each: sql.exec<{ value: number }>("SELECT value FROM json_each('[3,1,2]') ORDER BY value").toArray().map((r) => r.value),
        group: sql.exec("SELECT json_group_array(value) AS g FROM json_each('[1,2]')").one(),
        appended: sql.exec("SELECT json_set('[1,2]', '$[#]', 3) AS a").one(),
      };
    });
    expect(out).toEqual({ each: [1, 2, 3], group: { g: "[1,2]" }, appended: { a: "[1,2,3]" } });
  });

  it("[json-functions] JSONB functions and json_group_object are allowed; jsonb() returns a BLOB", async () => {
    const row = await inLab((s) => {
      s.storage.sql.exec("CREATE TABLE kv(k TEXT, v TEXT)");
      s.storage.sql.exec("INSERT INTO kv VALUES ('x', 'one'), ('y', 'two')");
      return s.storage.sql
        .exec(
          "SELECT typeof(jsonb('[1]')) AS t, json(jsonb('{\"a\":1}')) AS rt, jsonb_extract(jsonb('{\"a\":[5]}'), '$.a[0]') AS x, (SELECT json_group_object(k, v) FROM kv) AS obj",
        )
        .one();
    });
    expect(row).toEqual({ t: "blob", rt: '{"a":1}', x: 5, obj: '{"x":"one","y":"two"}' });
  });

  it("[json-functions] malformed JSON raises 'malformed JSON'", async () => {
    const err = await inLab((s) => errorOf(() => s.storage.sql.exec("SELECT json_extract('{bad', '$.a')")));
    expect(err).toBe("Error: malformed JSON: SQLITE_ERROR");
  });

  it("[json-functions] a path not starting with $ throws 'bad JSON path'; json_error_position() is not authorized", async () => {
    const out = await inLab((s) => [
      errorOf(() => s.storage.sql.exec("SELECT json_extract('{}', 'a')")),
      errorOf(() => s.storage.sql.exec("SELECT json_error_position('{')")),
    ]);
    expect(out[0]).toBe("Error: bad JSON path: 'a': SQLITE_ERROR");
    expect(out[1]).toMatch(/^Error: not authorized to use function: json_error_position/);
  });

  it("[json-functions] JS numbers bind as REAL: json_object('n', ?) with 5 gives {\"n\":5.0}; CAST(? AS INTEGER) gives 5", async () => {
    const row = await inLab((s) =>
      s.storage.sql.exec("SELECT typeof(?1) AS t, json_object('n', ?1) AS j, json_object('n', CAST(?1 AS INTEGER)) AS i", 5).one(),
    );
    expect(row).toEqual({ t: "real", j: '{"n":5.0}', i: '{"n":5}' });
  });

  it("[json-functions] JSON5 input is accepted by json(); json_valid() needs flags for it; json_quote() makes a JSON string", async () => {
    const row = await inLab((s) =>
      s.storage.sql
        .exec("SELECT json('{a:1, /*c*/ b:[1,2,],}') AS j, json_valid('{a:1}') AS strict, json_valid('{a:1}', 2) AS five, json_quote('[1, 2]') AS q")
        .one(),
    );
    expect(row).toEqual({ j: '{"a":1,"b":[1,2]}', strict: 0, five: 1, q: '"[1, 2]"' });
  });

  it("[json-functions] an index on a JSON expression (generated column) is used", async () => {
    const plan = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE events(body TEXT, kind TEXT GENERATED ALWAYS AS (body ->> '$.kind') VIRTUAL)");
      sql.exec("CREATE INDEX events_kind ON events(kind)");
      sql.exec("INSERT INTO events(body) VALUES (?)", JSON.stringify({ kind: "click" }));
      return {
        rows: sql.exec("SELECT kind FROM events WHERE kind = 'click'").toArray(),
        plan: sql.exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT * FROM events WHERE kind = 'click'").toArray().map((r) => r.detail).join(" "),
      };
    });
    expect(plan.rows).toEqual([{ kind: "click" }]);
    expect(plan.plan).toContain("events_kind");
  });
});

describe("foreign-keys", () => {
  function schema(sql: SqlStorage): void {
    sql.exec("CREATE TABLE authors(id INTEGER PRIMARY KEY)");
    sql.exec("CREATE TABLE books(id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors(id) ON DELETE CASCADE)");
  }

  it("[foreign-keys] foreign keys are enforced by default (PRAGMA foreign_keys = 1)", async () => {
    const out = await inLab((s) => {
      schema(s.storage.sql);
      return {
        pragma: s.storage.sql.exec("PRAGMA foreign_keys").one(),
        err: errorOf(() => s.storage.sql.exec("INSERT INTO books VALUES (1, 42)")),
      };
    });
    expect(out.pragma).toEqual({ foreign_keys: 1 });
    expect(out.err).toBe("Error: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)");
  });

  it("[foreign-keys] ON DELETE CASCADE removes child rows", async () => {
    const n = await inLab((s) => {
      const sql = s.storage.sql;
      schema(sql);
      sql.exec("INSERT INTO authors VALUES (1)");
      sql.exec("INSERT INTO books VALUES (10, 1), (11, 1)");
      sql.exec("DELETE FROM authors WHERE id = 1");
      return sql.exec<{ n: number }>("SELECT count(*) AS n FROM books").one().n;
    });
    expect(n).toBe(0);
  });

  it("[foreign-keys] PRAGMA defer_foreign_keys inside transactionSync() allows a child before its parent", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      schema(sql);
      const n = s.storage.transactionSync(() => {
        sql.exec("PRAGMA defer_foreign_keys = ON");
        sql.exec("INSERT INTO books VALUES (1, 7)");
        sql.exec("INSERT INTO authors VALUES (7)");
        return sql.exec<{ n: number }>("SELECT count(*) AS n FROM books").one().n;
      });
      return { n, check: sql.exec("PRAGMA foreign_key_check").toArray() };
    });
    expect(out).toEqual({ n: 1, check: [] });
  });

  it("[foreign-keys] PRAGMA foreign_keys = OFF is ignored inside transactionSync() and after a write in the same request", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      schema(sql);
      const afterWrite = errorOf(() => {
        sql.exec("PRAGMA foreign_keys = OFF");
        sql.exec("INSERT INTO books VALUES (2, 43)");
      });
      const sameCall = errorOf(() => sql.exec("PRAGMA foreign_keys = OFF; INSERT INTO books VALUES (3, 44)"));
      const inTx = errorOf(() =>
        s.storage.transactionSync(() => {
          sql.exec("PRAGMA foreign_keys = OFF");
          sql.exec("INSERT INTO books VALUES (4, 45)");
        }),
      );
      return { afterWrite, sameCall, inTx, still: sql.exec("PRAGMA foreign_keys").one() };
    });
    const fkError = "Error: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)";
    expect(out).toEqual({ afterWrite: fkError, sameCall: fkError, inTx: fkError, still: { foreign_keys: 1 } });
  });

  it("[foreign-keys] PRAGMA foreign_keys = OFF takes effect before any write in a request and stays off for the instance", async () => {
    const name = fresh("fkoff");
    await inLab((s) => schema(s.storage.sql), name);
    const off = await inLab((s) => {
      s.storage.sql.exec("PRAGMA foreign_keys = OFF");
      return s.storage.sql.exec("PRAGMA foreign_keys").one();
    }, name);
    const later = await inLab((s) => {
      const read = s.storage.sql.exec("PRAGMA foreign_keys").one();
      s.storage.sql.exec("INSERT INTO books VALUES (1, 999)");
      return { read, orphans: s.storage.sql.exec("PRAGMA foreign_key_check").toArray().length };
    }, name);
    const back = await inLab((s) => {
      s.storage.sql.exec("PRAGMA foreign_keys = ON");
      return s.storage.sql.exec("PRAGMA foreign_keys").one();
    }, name);
    expect({ off, later, back }).toEqual({
      off: { foreign_keys: 0 },
      later: { read: { foreign_keys: 0 }, orphans: 1 },
      back: { foreign_keys: 1 },
    });
  });
});
