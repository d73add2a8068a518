// Schema migrations for SQLite-backed Durable Objects. Every object has its own database, so every object
// migrates itself: the constructor calls `migrate()` inside blockConcurrencyWhile(), before any request or alarm
// runs. Applied versions are rows in `_sql_schema_migrations` (DO SQLite refuses `PRAGMA user_version`).
// Only append: never edit, renumber or delete a migration that has shipped.

export interface Migration {
  version: number;
  name: string;
  /** One or more statements; they run in one transaction together with the version row. */
  sql: string;
}

/** Apply the pending migrations in order and return how many ran. */
export function migrate(storage: DurableObjectStorage, migrations: readonly Migration[]): number {
  const sql = storage.sql;
  sql.exec(`CREATE TABLE IF NOT EXISTS _sql_schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM _sql_schema_migrations").one().v ?? 0;
  let applied = 0;
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    // A failing statement rolls back this migration and its version row together; the error then fails the
    // constructor, so no request runs against a half-migrated schema.
    storage.transactionSync(() => {
      sql.exec(m.sql);
      sql.exec(
        "INSERT INTO _sql_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
        m.version,
        m.name,
        Date.now(),
      );
    });
    applied += 1;
  }
  return applied;
}
