import { DurableObject } from "cloudflare:workers";

export interface Env {
  CALENDAR: DurableObjectNamespace<Calendar>;
}

const MIGRATIONS = [
  `CREATE TABLE bookings (
     id TEXT PRIMARY KEY,
     slot INTEGER NOT NULL UNIQUE,
     guest TEXT NOT NULL,
     created_at INTEGER NOT NULL
   )`,
  "CREATE INDEX bookings_by_guest ON bookings (guest)",
];

export class BookingError extends Error {}

/** One calendar per resource (room, doctor, court); a slot can be booked once. */
export class Calendar extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => this.migrate());
  }

  private migrate(): void {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS _sql_schema_migrations (id INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    const applied = sql.exec<{ v: number }>("SELECT COALESCE(MAX(id), 0) AS v FROM _sql_schema_migrations").one().v;
    for (let i = applied; i < MIGRATIONS.length; i++) {
      this.ctx.storage.transactionSync(() => {
        sql.exec(MIGRATIONS[i]);
        sql.exec("INSERT INTO _sql_schema_migrations (id, applied_at) VALUES (?, ?)", i + 1, Date.now());
      });
    }
  }

  book(slot: number, guest: string): string {
    const id = crypto.randomUUID();
    return this.ctx.storage.transactionSync(() => {
      const taken = this.ctx.storage.sql.exec("SELECT 1 FROM bookings WHERE slot = ?", slot).toArray().length > 0;
      if (taken) throw new BookingError(`slot ${slot} is taken`);
      this.ctx.storage.sql.exec(
        "INSERT INTO bookings (id, slot, guest, created_at) VALUES (?, ?, ?, ?)",
        id,
        slot,
        guest,
        Date.now(),
      );
      return id;
    });
  }

  cancel(id: string, guest: string): boolean {
    const cursor = this.ctx.storage.sql.exec("DELETE FROM bookings WHERE id = ? AND guest = ?", id, guest);
    return cursor.rowsWritten > 0;
  }

  forGuest(guest: string): { id: string; slot: number }[] {
    return this.ctx.storage.sql
      .exec<{ id: string; slot: number }>("SELECT id, slot FROM bookings WHERE guest = ? ORDER BY slot LIMIT 100", guest)
      .toArray();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const resource = url.searchParams.get("resource");
    const guest = url.searchParams.get("guest");
    if (!resource || !guest) return new Response("resource and guest required", { status: 400 });
    const calendar = env.CALENDAR.getByName(resource);
    if (request.method === "POST") {
      const slot = Number(url.searchParams.get("slot"));
      try {
        return Response.json({ id: await calendar.book(slot, guest) }, { status: 201 });
      } catch (err) {
        return new Response(String(err), { status: 409 });
      }
    }
    return Response.json(await calendar.forGuest(guest));
  },
} satisfies ExportedHandler<Env>;
