// Project "miniflare" (runs in Node): dates and flags the references state.
// - The default-on date of `ctx.exports` (flag enable_ctx_exports): workerd's compatibility-date.capnp gives
//   2025-11-17; the same plain Worker starts at the day before and at that date.
// - Where the storage snapshot API lives: the changelog of 2026-09-23 writes ctx.onNextSessionRestore(), the types
//   have it only in experimental/index.d.ts as ctx.storage.onNextSessionRestore().
import { describe, expect, it } from "vitest";
import { useMiniflare } from "./harness";

const WORKER = `
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

export class Room extends DurableObject {
  snapshotApi() {
    const storage = this.ctx.storage;
    return {
      storageSnapshot: typeof storage.snapshot,
      storageRestore: typeof storage.onNextSessionRestore,
      ctxRestore: typeof this.ctx.onNextSessionRestore,
    };
  }
  hasExports() { return typeof this.ctx.exports === "object" && this.ctx.exports !== null && "Room" in this.ctx.exports; }
}

export class Admin extends WorkerEntrypoint {
  ping() { return "pong"; }
}

export default {
  async fetch(request, env, ctx) {
    const exportsSeen = typeof ctx.exports === "object" && ctx.exports !== null;
    const viaLoopback = exportsSeen ? await ctx.exports.Admin.ping() : null;
    const stub = env.ROOM.getByName("r");
    if (new URL(request.url).pathname === "/snapshot") return Response.json(await stub.snapshotApi());
    const fromObject = await stub.hasExports();
    return Response.json({ exportsSeen, viaLoopback, fromObject });
  },
};
`;


const mf = useMiniflare(WORKER, { durableObjects: { ROOM: { className: "Room", useSQLite: true } } }, [
  ["day-before", "2025-11-16"],
  ["default-date", "2025-11-17"],
  ["flag-before", "2025-11-16", ["enable_ctx_exports"]],
  ["current", "2026-11-01"],
  ["experimental", "2026-11-01", ["experimental"]],
]);

async function probe(workerName: string): Promise<{ exportsSeen: boolean; viaLoopback: string | null; fromObject: boolean }> {
  const fetcher = await mf().getWorker(workerName);
  const res = await fetcher.fetch("http://localhost/");
  return (await res.json()) as { exportsSeen: boolean; viaLoopback: string | null; fromObject: boolean };
}

describe("ctx.exports default date in plain workerd (Miniflare)", () => {
  it("[service-bindings] ctx.exports is on by default from compatibility date 2025-11-17 and off the day before", async () => {
    expect(await probe("day-before")).toEqual({ exportsSeen: false, viaLoopback: null, fromObject: false });
    expect(await probe("default-date")).toEqual({ exportsSeen: true, viaLoopback: "pong", fromObject: true });
  });

  it("[service-bindings] the enable_ctx_exports flag turns ctx.exports on before 2025-11-17", async () => {
    expect(await probe("flag-before")).toEqual({ exportsSeen: true, viaLoopback: "pong", fromObject: true });
  });
});

describe("snapshot API in plain workerd (Miniflare)", () => {
  async function snapshotApi(workerName: string) {
    const fetcher = await mf().getWorker(workerName);
    return (await (await fetcher.fetch("http://localhost/snapshot")).json()) as Record<string, string>;
  }

  it("[pitr] ctx.storage.snapshot() and onNextSessionRestore() exist only with the experimental flag", async () => {
    expect(await snapshotApi("current")).toEqual({
      storageSnapshot: "undefined", storageRestore: "undefined", ctxRestore: "undefined",
    });
    expect(await snapshotApi("experimental")).toMatchObject({ storageSnapshot: "function", storageRestore: "function" });
  });

  it("[pitr] the restore call lives on ctx.storage, not on ctx as the changelog writes it", async () => {
    expect((await snapshotApi("experimental")).ctxRestore).toBe("undefined");
  });
});
