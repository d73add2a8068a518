import { env, exports } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventBooking, Seat } from "../src/index";
import { fresh } from "./helpers";

const SEATS: Seat[] = [
  { id: "A1", section: "A", priceCents: 5000 },
  { id: "A2", section: "A", priceCents: 5000 },
  { id: "A3", section: "A", priceCents: 5000 },
  { id: "B1", section: "B", priceCents: 3000 },
];

async function event(): Promise<DurableObjectStub<EventBooking>> {
  const stub = env.EVENT_BOOKING.getByName(fresh("event"));
  expect(await stub.addSeats(SEATS)).toBe(SEATS.length);
  return stub;
}

describe("holds and bookings", () => {
  it("holds, confirms and cancels", async () => {
    const stub = await event();
    const hold = await stub.hold("ana", ["A1", "A2"]);
    expect(hold).toMatchObject({ ok: true, seats: ["A1", "A2"] });
    if (!hold.ok) throw new Error("hold failed");
    expect(await stub.confirm(hold.bookingId, "ben")).toEqual({ ok: false, reason: "not-found" });
    expect(await stub.confirm(hold.bookingId, "ana")).toEqual({ ok: true });
    const states = await stub.seats();
    expect(states.filter((s) => s.status === "confirmed").map((s) => s.id)).toEqual(["A1", "A2"]);

    expect(await stub.cancel(hold.bookingId, "ana")).toEqual({ ok: true });
    expect((await stub.seats()).every((s) => s.status === "free")).toBe(true); // cascade freed the seats
  });

  it("answers a conflict with the taken seats and alternatives, and writes nothing", async () => {
    const stub = await event();
    await stub.hold("ana", ["A1"]);
    const second = await stub.hold("ben", ["A1", "A2"]);
    expect(second).toEqual({ ok: false, reason: "taken", taken: ["A1"], alternatives: ["A2", "A3"] });
    const held = (await stub.seats()).filter((s) => s.status !== "free").map((s) => s.id);
    expect(held).toEqual(["A1"]); // A2 was not held: all or nothing
  });

  it("names unknown seats", async () => {
    const stub = await event();
    expect(await stub.hold("ana", ["A1", "Z9"])).toEqual({ ok: false, reason: "unknown-seats", unknown: ["Z9"] });
  });

  it("never double-books under concurrent holds", async () => {
    const stub = await event();
    const results = await Promise.all(["u1", "u2", "u3", "u4", "u5"].map((u) => stub.hold(u, ["B1"])));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
});

describe("SQL integrity", () => {
  it("records the migration", async () => {
    const stub = await event();
    const rows = await runInDurableObject(stub, (_i: EventBooking, state) =>
      state.storage.sql.exec("SELECT version FROM _sql_schema_migrations").toArray(),
    );
    expect(rows).toEqual([{ version: 1 }]);
  });

  it("enforces foreign keys, and transactionSync rolls back every statement on error", async () => {
    const stub = await event();
    await runInDurableObject(stub, (_i: EventBooking, state) => {
      const sql = state.storage.sql;
      expect(() =>
        state.storage.transactionSync(() => {
          sql.exec("INSERT INTO bookings (id, holder, status, created_at) VALUES ('b-x', 'eve', 'held', 0)");
          sql.exec("INSERT INTO booking_seats (seat_id, booking_id) VALUES ('no-such-seat', 'b-x')");
        }),
      ).toThrow(/FOREIGN KEY constraint failed/);
      expect(sql.exec("SELECT id FROM bookings WHERE id = 'b-x'").toArray()).toEqual([]);
    });
  });

  it("refuses to delete a booked seat (ON DELETE RESTRICT)", async () => {
    const stub = await event();
    await stub.hold("ana", ["A3"]);
    await runInDurableObject(stub, (_i: EventBooking, state) => {
      expect(() => state.storage.sql.exec("DELETE FROM seats WHERE id = 'A3'")).toThrow(/FOREIGN KEY constraint failed/);
    });
  });
});

describe("hold expiry alarm", () => {
  it("arms for the earliest hold, expires it, and stops when no hold is left", async () => {
    const stub = await event();
    const hold = await stub.hold("ana", ["A1"], 60_000);
    if (!hold.ok) throw new Error("hold failed");
    const alarm = await runInDurableObject(stub, (_i: EventBooking, state) => state.storage.getAlarm());
    expect(alarm).toBe(hold.expiresAt);

    // Not due yet: the alarm keeps the hold and re-arms for it.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.seats()).find((s) => s.id === "A1")?.status).toBe("held");

    // Make it due, run the alarm: the hold is gone and nothing is re-armed.
    await runInDurableObject(stub, (_i: EventBooking, state) => {
      state.storage.sql.exec("UPDATE bookings SET expires_at = ?", Date.now() - 1);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.seats()).every((s) => s.status === "free")).toBe(true);
    expect(await runDurableObjectAlarm(stub)).toBe(false);
  });

  it("does not confirm an expired hold", async () => {
    const stub = await event();
    const hold = await stub.hold("ana", ["A2"], 60_000);
    if (!hold.ok) throw new Error("hold failed");
    await runInDurableObject(stub, (_i: EventBooking, state) => {
      state.storage.sql.exec("UPDATE bookings SET expires_at = ?", Date.now() - 1);
    });
    expect(await stub.confirm(hold.bookingId, "ana")).toEqual({ ok: false, reason: "expired" });
  });
});

describe("HTTP API", () => {
  it("returns 201 for a hold and 409 with the conflict", async () => {
    const base = `https://example.com/events/${fresh("http")}`;
    await exports.default.fetch(`${base}/seats`, { method: "POST", body: JSON.stringify(SEATS) });
    const post = (user: string, seats: unknown) =>
      exports.default.fetch(`${base}/holds`, { method: "POST", headers: { "x-user": user }, body: JSON.stringify({ seats }) });
    expect((await post("ana", ["A1"])).status).toBe(201);
    const conflict = await post("ben", ["A1"]);
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ reason: "taken", taken: ["A1"] });
    expect((await post("ben", "A1")).status).toBe(400);
    expect((await post("ben", ["Z9"])).status).toBe(422);
  });
});
