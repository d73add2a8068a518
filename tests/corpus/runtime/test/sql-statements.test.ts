// Which SQL statements, PRAGMAs, functions and virtual tables the DO SQLite authorizer allows.
import { describe, expect, it } from "vitest";
import { errorOf, inLab } from "./helpers";

const NOT_AUTHORIZED = "Error: not authorized: SQLITE_AUTH";

describe("sql-statements: PRAGMA", () => {
  it("[sql-statements] PRAGMA user_version is not supported, neither read nor write", async () => {
    const errs = await inLab((s) => [
      errorOf(() => s.storage.sql.exec("PRAGMA user_version").toArray()),
      errorOf(() => s.storage.sql.exec("PRAGMA user_version = 1").toArray()),
    ]);
    expect(errs).toEqual([NOT_AUTHORIZED, NOT_AUTHORIZED]);
  });

  it("[sql-statements] a one-row _user_version table stands in for PRAGMA user_version (the review fix's SQL)", async () => {
    // exactly the statements do-sql-pragma-user-version's fix writes (tests/review checks they match)
    const READ = "CREATE TABLE IF NOT EXISTS _user_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); SELECT COALESCE(MAX(version), 0) AS user_version FROM _user_version";
    const WRITE = "CREATE TABLE IF NOT EXISTS _user_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL); INSERT INTO _user_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version";
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      const fresh = sql.exec<{ user_version: number }>(READ).one().user_version;
      sql.exec(WRITE, 3);
      sql.exec(WRITE, 4);
      const after = sql.exec<{ user_version: number }>(READ).one().user_version;
      const rows = sql.exec<{ n: number }>("SELECT count(*) AS n FROM _user_version").one().n;
      return { fresh, after, rows };
    });
    expect(out).toEqual({ fresh: 0, after: 4, rows: 1 });
  });

  it("[sql-statements] schema-inspection PRAGMAs are allowed: table_list, table_info, table_xinfo, index_list, index_info, index_xinfo, foreign_key_list", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE p(id INTEGER PRIMARY KEY)");
      sql.exec("CREATE TABLE c(id INTEGER PRIMARY KEY, pid INTEGER REFERENCES p(id), name TEXT)");
      sql.exec("CREATE INDEX c_name ON c(name)");
      return {
        tables: sql.exec<{ name: string }>("PRAGMA table_list").toArray().map((r) => r.name),
        info: sql.exec<{ name: string }>("PRAGMA table_info(c)").toArray().map((r) => r.name),
        xinfo: sql.exec("PRAGMA table_xinfo(c)").toArray().length,
        indexes: sql.exec<{ name: string }>("PRAGMA index_list(c)").toArray().map((r) => r.name),
        indexInfo: sql.exec<{ name: string }>("PRAGMA index_info(c_name)").toArray().map((r) => r.name),
        indexXinfo: sql.exec("PRAGMA index_xinfo(c_name)").toArray().length,
        fks: sql.exec<{ table: string }>("PRAGMA foreign_key_list(c)").toArray().map((r) => r.table),
      };
    });
    expect(out.tables).toEqual(expect.arrayContaining(["p", "c"]));
    expect(out.info).toEqual(["id", "pid", "name"]);
    expect(out.xinfo).toBe(3);
    expect(out.indexes).toEqual(["c_name"]);
    expect(out.indexInfo).toEqual(["name"]);
    expect(out.indexXinfo).toBeGreaterThan(0);
    expect(out.fks).toEqual(["p"]);
  });

  it("[sql-statements] quick_check, foreign_key_check, optimize, ANALYZE, data_version, page_size and foreign_keys (read) are allowed", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE TABLE t(v)");
      return {
        quick: sql.exec("PRAGMA quick_check").toArray(),
        fkCheck: sql.exec("PRAGMA foreign_key_check").toArray(),
        optimize: errorOf(() => sql.exec("PRAGMA optimize").toArray()),
        analyze: errorOf(() => sql.exec("ANALYZE").toArray()),
        dataVersion: typeof sql.exec<{ data_version: number }>("PRAGMA data_version").one().data_version,
        pageSize: sql.exec("PRAGMA page_size").one(),
        foreignKeys: sql.exec("PRAGMA foreign_keys").one(),
      };
    });
    expect(out).toEqual({
      quick: [{ quick_check: "ok" }],
      fkCheck: [],
      optimize: "no error",
      analyze: "no error",
      dataVersion: "number",
      pageSize: { page_size: 4096 },
      foreignKeys: { foreign_keys: 1 },
    });
  });

  it("[sql-statements] other PRAGMAs are not authorized: journal_mode, integrity_check, page_count, page_size=, hard_heap_limit", async () => {
    const errs = await inLab((s) =>
      ["PRAGMA journal_mode", "PRAGMA integrity_check", "PRAGMA page_count", "PRAGMA page_size = 8192", "PRAGMA hard_heap_limit"].map((q) =>
        errorOf(() => s.storage.sql.exec(q).toArray()),
      ),
    );
    expect(errs).toEqual(Array(5).fill(NOT_AUTHORIZED));
  });
});

describe("sql-statements: restricted statements and functions", () => {
  it("[sql-statements] ATTACH is not authorized", async () => {
    const err = await inLab((s) => errorOf(() => s.storage.sql.exec("ATTACH DATABASE 'other.db' AS other")));
    expect(err).toBe(NOT_AUTHORIZED);
  });

  it("[sql-statements] TEMP tables are not authorized", async () => {
    const err = await inLab((s) => errorOf(() => s.storage.sql.exec("CREATE TEMP TABLE scratch(a)")));
    expect(err).toBe(NOT_AUTHORIZED);
  });

  it("[sql-statements] VACUUM fails: every exec() already runs inside a transaction", async () => {
    const err = await inLab((s) => errorOf(() => s.storage.sql.exec("VACUUM")));
    expect(err).toBe("Error: cannot VACUUM from within a transaction: SQLITE_ERROR");
  });

  it("[sql-statements] sqlite_version() is denied; sqlite_master / sqlite_schema are readable", async () => {
    const out = await inLab((s) => {
      s.storage.sql.exec("CREATE TABLE t(v)");
      return {
        err: errorOf(() => s.storage.sql.exec("SELECT sqlite_version()")),
        master: s.storage.sql.exec("SELECT name FROM sqlite_master").toArray(),
        schema: s.storage.sql.exec("SELECT name FROM sqlite_schema").toArray(),
      };
    });
    expect(out.err).toBe("Error: not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR");
    expect(out.master).toEqual([{ name: "t" }]);
    expect(out.schema).toEqual([{ name: "t" }]);
  });

  it("[sql-statements] a compound SELECT may have at most 5 terms", async () => {
    const out = await inLab((s) => {
      const terms = (n: number) => Array.from({ length: n }, (_, i) => `SELECT ${i}`).join(" UNION ALL ");
      return {
        five: s.storage.sql.exec(terms(5)).toArray().length,
        six: errorOf(() => s.storage.sql.exec(terms(6))),
        values: s.storage.sql.exec("VALUES (1), (2), (3), (4), (5), (6), (7)").toArray().length,
      };
    });
    expect(out.five).toBe(5);
    expect(out.six).toBe("Error: too many terms in compound SELECT: SQLITE_ERROR");
    expect(out.values).toBe(7);
  });

  it("[sql-statements] math functions are available", async () => {
    const row = await inLab((s) => s.storage.sql.exec("SELECT sqrt(16) AS s, pi() AS p, ln(1) AS l, floor(2.7) AS f").one());
    expect(row).toEqual({ s: 4, p: Math.PI, l: 0, f: 2 });
  });
});

describe("sql-statements: virtual tables", () => {
  it("[sql-statements] FTS5 works: MATCH, ORDER BY rank, bm25(), highlight(), porter tokenizer", async () => {
    const rows = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE VIRTUAL TABLE notes_fts USING fts5(title, body, tokenize = porter)");
      sql.exec("INSERT INTO notes_fts VALUES ('Durable Objects', 'alarms are running fast'), ('other', 'nothing here')");
      return sql
        .exec("SELECT title, bm25(notes_fts) < 0 AS scored, highlight(notes_fts, 1, '[', ']') AS hl FROM notes_fts WHERE notes_fts MATCH 'alarm' ORDER BY rank")
        .toArray();
    });
    expect(rows).toEqual([{ title: "Durable Objects", scored: 1, hl: "[alarms] are running fast" }]);
  });

  it("[sql-statements] fts5vocab and rtree virtual tables are allowed; other modules (dbstat) are not", async () => {
    const out = await inLab((s) => {
      const sql = s.storage.sql;
      sql.exec("CREATE VIRTUAL TABLE f USING fts5(body)");
      sql.exec("INSERT INTO f VALUES ('alpha beta')");
      sql.exec("CREATE VIRTUAL TABLE f_vocab USING fts5vocab(f, row)");
      sql.exec("CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)");
      sql.exec("INSERT INTO boxes VALUES (1, 0, 10)");
      return {
        terms: sql.exec<{ term: string }>("SELECT term FROM f_vocab ORDER BY term").toArray().map((r) => r.term),
        hits: sql.exec("SELECT id FROM boxes WHERE x0 <= 5 AND x1 >= 5").toArray(),
        check: sql.exec("SELECT rtreecheck('boxes') AS c").one(),
        dbstat: errorOf(() => sql.exec("CREATE VIRTUAL TABLE d USING dbstat")),
      };
    });
    expect(out).toEqual({ terms: ["alpha", "beta"], hits: [{ id: 1 }], check: { c: "ok" }, dbstat: NOT_AUTHORIZED });
  });

  it("[sql-statements] FTS5 inserts count toward rowsWritten (locally one per inserted row; shadow-table writes are not added)", async () => {
    const written = await inLab((s) => {
      s.storage.sql.exec("CREATE VIRTUAL TABLE f USING fts5(body)");
      return [
        s.storage.sql.exec("INSERT INTO f VALUES ('one two three')").rowsWritten,
        s.storage.sql.exec("INSERT INTO f VALUES ('four'), ('five six')").rowsWritten,
      ];
    });
    expect(written).toEqual([1, 2]);
  });
});
