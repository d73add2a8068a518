// Seat booking: one Durable Object per event. The object runs one call at a time and the checks and writes of a
// hold happen synchronously in one transaction, so two buyers can never get the same seat.
import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  EVENT_BOOKING: DurableObjectNamespace<EventBooking>;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create seats and bookings",
    // Parents before children: foreign keys are enforced by default in Durable Object SQLite.
    sql: `
      CREATE TABLE IF NOT EXISTS seats (
        id TEXT PRIMARY KEY,
        section TEXT NOT NULL,
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0)
      );
      CREATE TABLE IF NOT EXISTS bookings (
        id TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('held', 'confirmed')),
        created_at INTEGER NOT NULL,
        expires_at INTEGER
      );
      CREATE TABLE IF NOT EXISTS booking_seats (
        seat_id TEXT PRIMARY KEY REFERENCES seats(id) ON DELETE RESTRICT,
        booking_id TEXT NOT NULL REFERENCES bookings(id) ON DELETE CASCADE
      );
      CREATE INDEX IF NOT EXISTS booking_seats_booking ON booking_seats (booking_id);
      CREATE INDEX IF NOT EXISTS bookings_expiry ON bookings (expires_at) WHERE status = 'held';
    `,
  },
];

export interface Seat {
  id: string;
  section: string;
  priceCents: number;
}

export type SeatState = Seat & { status: "free" | "held" | "confirmed" };

export type HoldResult =
  | { ok: true; bookingId: string; seats: string[]; expiresAt: number }
  | { ok: false; reason: "taken"; taken: string[]; alternatives: string[] }
  | { ok: false; reason: "unknown-seats"; unknown: string[] };

export type ChangeResult = { ok: true } | { ok: false; reason: "not-found" | "expired" };

export const DEFAULT_HOLD_MS = 10 * 60_000;
const MAX_SEATS_PER_HOLD = 20;

export class EventBooking extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Add seats (idempotent: existing ids keep their data). */
  addSeats(seats: Seat[]): number {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      let added = 0;
      for (const s of seats) {
        added += sql.exec(
          "INSERT INTO seats (id, section, price_cents) VALUES (?, ?, ?) ON CONFLICT(id) DO NOTHING RETURNING id",
          s.id,
          s.section,
          s.priceCents,
        ).toArray().length;
      }
      return added;
    });
  }

  /** Hold every requested seat or none, for `ttlMs`; confirm() turns the hold into a booking. */
  async hold(holder: string, seatIds: string[], ttlMs = DEFAULT_HOLD_MS): Promise<HoldResult> {
    const wanted = [...new Set(seatIds)];
    if (wanted.length === 0 || wanted.length > MAX_SEATS_PER_HOLD) {
      throw new RangeError(`a hold takes 1-${MAX_SEATS_PER_HOLD} seats`);
    }
    const now = Date.now();
    const expiresAt = now + ttlMs;
    const sql = this.ctx.storage.sql;
    // A variable-length id list travels as one JSON binding, expanded by json_each(): nothing is spliced into SQL.
    const list = JSON.stringify(wanted);
    // Synchronous from the first read to the last write: nothing else can run in between, and any exception
    // rolls back every statement of the callback.
    const result = this.ctx.storage.transactionSync((): HoldResult => {
      this.expireHolds(now);
      const known = new Set(
        sql.exec<{ id: string }>("SELECT id FROM seats WHERE id IN (SELECT value FROM json_each(?))", list).toArray().map((r) => r.id),
      );
      const unknown = wanted.filter((id) => !known.has(id));
      if (unknown.length > 0) return { ok: false, reason: "unknown-seats", unknown };
      const taken = sql
        .exec<{ seat_id: string }>("SELECT seat_id FROM booking_seats WHERE seat_id IN (SELECT value FROM json_each(?))", list)
        .toArray()
        .map((r) => r.seat_id);
      if (taken.length > 0) return { ok: false, reason: "taken", taken, alternatives: this.alternatives(taken) };
      const bookingId = crypto.randomUUID();
      sql.exec(
        "INSERT INTO bookings (id, holder, status, created_at, expires_at) VALUES (?, ?, 'held', ?, ?)",
        bookingId,
        holder,
        now,
        expiresAt,
      );
      for (const seat of wanted) sql.exec("INSERT INTO booking_seats (seat_id, booking_id) VALUES (?, ?)", seat, bookingId);
      return { ok: true, bookingId, seats: wanted, expiresAt };
    });
    if (result.ok) await this.armExpiry();
    return result;
  }

  /** Confirm a hold that has not expired. */
  confirm(bookingId: string, holder: string): ChangeResult {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ status: string; expires_at: number | null }>(
        "SELECT status, expires_at FROM bookings WHERE id = ? AND holder = ?",
        bookingId,
        holder,
      )
      .toArray()[0];
    if (!row) return { ok: false, reason: "not-found" };
    if (row.status === "held" && row.expires_at !== null && row.expires_at <= Date.now()) {
      return { ok: false, reason: "expired" };
    }
    sql.exec("UPDATE bookings SET status = 'confirmed', expires_at = NULL WHERE id = ?", bookingId);
    return { ok: true };
  }

  /** Cancel a hold or booking; ON DELETE CASCADE frees its seats. */
  cancel(bookingId: string, holder: string): ChangeResult {
    const deleted = this.ctx.storage.sql
      .exec("DELETE FROM bookings WHERE id = ? AND holder = ? RETURNING id", bookingId, holder)
      .toArray().length;
    return deleted > 0 ? { ok: true } : { ok: false, reason: "not-found" };
  }

  seats(): SeatState[] {
    this.expireHolds(Date.now());
    return this.ctx.storage.sql
      .exec<{ id: string; section: string; price_cents: number; status: string | null }>(
        `SELECT s.id, s.section, s.price_cents, b.status
         FROM seats s LEFT JOIN booking_seats bs ON bs.seat_id = s.id LEFT JOIN bookings b ON b.id = bs.booking_id
         ORDER BY s.section, s.id`,
      )
      .toArray()
      .map((r) => ({
        id: r.id,
        section: r.section,
        priceCents: r.price_cents,
        status: (r.status ?? "free") as SeatState["status"],
      }));
  }

  /** Expire holds; re-arm only while unexpired holds remain, so an idle event costs nothing. */
  async alarm(_info?: AlarmInvocationInfo): Promise<void> {
    this.expireHolds(Date.now());
    await this.armExpiry();
  }

  private expireHolds(now: number): void {
    this.ctx.storage.sql.exec("DELETE FROM bookings WHERE status = 'held' AND expires_at <= ?", now);
  }

  private async armExpiry(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ t: number | null }>("SELECT min(expires_at) AS t FROM bookings WHERE status = 'held'")
      .one().t;
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || next < current) await this.ctx.storage.setAlarm(next);
  }

  /** Up to five free seats in the sections of the taken ones. */
  private alternatives(taken: string[]): string[] {
    return this.ctx.storage.sql
      .exec<{ id: string }>(
        `SELECT s.id FROM seats s
         WHERE s.section IN (SELECT section FROM seats WHERE id IN (SELECT value FROM json_each(?)))
           AND NOT EXISTS (SELECT 1 FROM booking_seats bs WHERE bs.seat_id = s.id)
         ORDER BY s.id LIMIT 5`,
        JSON.stringify(taken),
      )
      .toArray()
      .map((r) => r.id);
  }
}

const ROUTE = /^\/events\/([\w.-]{1,64})\/(seats|holds|bookings\/([\w-]{1,64})(?:\/(confirm))?)$/;

export default {
  // GET|POST /events/<id>/seats, POST /events/<id>/holds, POST /events/<id>/bookings/<b>/confirm,
  // DELETE /events/<id>/bookings/<b>. The holder comes from the x-user header (put real auth here).
  async fetch(request: Request, env: Env): Promise<Response> {
    const match = ROUTE.exec(new URL(request.url).pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, event, what, bookingId, confirm] = match;
    const stub = env.EVENT_BOOKING.getByName(event);
    const holder = request.headers.get("x-user") ?? "";
    if (what === "seats") {
      if (request.method === "GET") return Response.json(await stub.seats());
      if (request.method === "POST") return Response.json({ added: await stub.addSeats(await request.json<Seat[]>()) });
      return new Response("method not allowed", { status: 405 });
    }
    if (!holder) return new Response("x-user header required", { status: 401 });
    if (what === "holds" && request.method === "POST") {
      const body = await request.json<{ seats?: unknown }>();
      if (!Array.isArray(body.seats) || !body.seats.every((s) => typeof s === "string")) {
        return new Response("seats must be an array of seat ids", { status: 400 });
      }
      if (body.seats.length === 0 || body.seats.length > MAX_SEATS_PER_HOLD) {
        return new Response(`a hold takes 1-${MAX_SEATS_PER_HOLD} seats`, { status: 400 });
      }
      const result = await stub.hold(holder, body.seats);
      return Response.json(result, { status: result.ok ? 201 : result.reason === "taken" ? 409 : 422 });
    }
    if (bookingId && confirm && request.method === "POST") {
      const result = await stub.confirm(bookingId, holder);
      return Response.json(result, { status: result.ok ? 200 : result.reason === "expired" ? 410 : 404 });
    }
    if (bookingId && !confirm && request.method === "DELETE") {
      const result = await stub.cancel(bookingId, holder);
      return Response.json(result, { status: result.ok ? 200 : 404 });
    }
    return new Response("method not allowed", { status: 405 });
  },
} satisfies ExportedHandler<Env>;
