// Project "miniflare" (runs in Node): platform features that need their own compatibility dates, flags or bindings
// (a Worker Loader), so they run as plain JS workers in workerd through Miniflare instead of the shared vitest
// Worker. Verifies references/snapshots.md, facets-and-containers.md, deployments.md and pricing.md.
import { describe, expect, it } from "vitest";
import { useMiniflare } from "./harness";

// A Durable Object class loaded at run time through the Worker Loader and run as a facet.
const APP_MODULE = `
import { DurableObject } from "cloudflare:workers";
export class App extends DurableObject {
  bump() {
    const n = (this.ctx.storage.kv.get("n") ?? 0) + 1;
    this.ctx.storage.kv.put("n", n);
    return { n, id: this.ctx.id.toString(), name: this.ctx.id.name ?? null };
  }
  tables() {
    return this.ctx.storage.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\\\_%' ESCAPE '\\\\' AND name NOT LIKE 'sqlite%'")
      .toArray().map((r) => r.name);
  }
}
`;

const WORKER = `
import { DurableObject } from "cloudflare:workers";

const APP_MODULE = ${JSON.stringify(APP_MODULE)};

export class Child extends DurableObject {
  hi() {
    const n = (this.ctx.storage.kv.get("c") ?? 0) + 1;
    this.ctx.storage.kv.put("c", n);
    return n;
  }
}

export class Probe extends DurableObject {
  surface() {
    const c = this.ctx, s = this.ctx.storage;
    return {
      facets: c.facets ? Object.getOwnPropertyNames(Object.getPrototypeOf(c.facets)).filter((k) => k !== "constructor").sort() : null,
      container: typeof c.container,
      storageSnapshot: typeof s.snapshot,
      storageOnNextSessionRestore: typeof s.onNextSessionRestore,
      storageWaitForBookmark: typeof s.waitForBookmark,
      ctxOnNextSessionRestore: typeof c.onNextSessionRestore,
    };
  }

  rowsReadWithAndWithoutIndex() {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, sku TEXT)");
    for (let i = 0; i < 200; i++) sql.exec("INSERT INTO items(sku) VALUES (?)", "sku-" + i);
    const scan = sql.exec("SELECT id FROM items WHERE sku = ?", "sku-150");
    const scanRows = scan.toArray().length;
    sql.exec("CREATE INDEX IF NOT EXISTS items_sku ON items(sku)");
    const seek = sql.exec("SELECT id FROM items WHERE sku = ?", "sku-150");
    const seekRows = seek.toArray().length;
    return { scanRows, scanRowsRead: scan.rowsRead, seekRows, seekRowsRead: seek.rowsRead };
  }

  async tryRestoreTargets() {
    const s = this.ctx.storage, out = {};
    const bookmark = await s.getCurrentBookmark();
    for (const [k, f] of Object.entries({
      bookmarkString: () => s.onNextSessionRestore(bookmark),
      plainObject: () => s.onNextSessionRestore({}),
      waitForBookmark: () => s.waitForBookmark(bookmark),
    })) {
      try { out[k] = "resolved " + String(await f()); } catch (e) { out[k] = e.name + ": " + e.message; }
    }
    return out;
  }

  async trySnapshot() {
    try { await this.ctx.storage.snapshot(); return "resolved"; }
    catch (e) { return e.name + ": " + e.message; }
  }

  #app() {
    const worker = this.env.LOADER.get("app-v1", async () => ({
      compatibilityDate: "2026-11-01", mainModule: "app.js", modules: { "app.js": APP_MODULE }, globalOutbound: null,
    }));
    return worker.getDurableObjectClass("App");
  }

  async facetStory() {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS supervisor_only(x)");
    const out = {};
    const app = this.ctx.facets.get("app", async () => ({ class: this.#app() }));
    out.first = await app.bump();
    out.second = await app.bump();
    out.facetTables = await app.tables();
    out.supervisorSeesFacetKv = this.ctx.storage.kv.get("n") ?? null;
    this.ctx.facets.abort("app", new Error("code update"));
    try { await app.bump(); out.oldStubAfterAbort = "worked"; } catch (e) { out.oldStubAfterAbort = e.message; }
    out.afterAbort = (await this.ctx.facets.get("app", async () => ({ class: this.#app() })).bump()).n;
    this.ctx.facets.delete("app");
    const fresh = this.ctx.facets.get("app", async () => ({ class: this.#app(), id: "tenant-7" }));
    const afterDelete = await fresh.bump();
    out.afterDelete = { n: afterDelete.n, id: afterDelete.id, name: afterDelete.name };
    return out;
  }

  async facetFromExports() {
    const child = this.ctx.facets.get("child", () => ({ class: this.ctx.exports.Child }));
    return [await child.hi(), await child.hi()];
  }

  async fetch(request) {
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    this.ctx.storage.kv.put("serverBinaryType", pair[1].binaryType);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  webSocketMessage(ws, message) {
    const kind = typeof message === "string" ? "string" : message instanceof ArrayBuffer ? "ArrayBuffer" : Object.prototype.toString.call(message);
    ws.send(JSON.stringify({ handlerGot: kind, serverBinaryType: this.ctx.storage.kv.get("serverBinaryType") }));
    ws.send(new Uint8Array([9]));
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/binary-type") return Response.json({ pairDefault: new WebSocketPair()[0].binaryType });
    if (url.pathname === "/ws-roundtrip") {
      const res = await env.PROBE.getByName("ws").fetch("http://do/", { headers: { Upgrade: "websocket" } });
      const ws = res.webSocket;
      const clientDefault = ws.binaryType;
      const received = [];
      const two = new Promise((resolve) => ws.addEventListener("message", (e) => { received.push(e.data); if (received.length === 2) resolve(); }));
      ws.accept();
      ws.send(new Uint8Array([1, 2, 3]));
      await two;
      const first = JSON.parse(received[0]);
      const clientGotBinaryAs = Object.prototype.toString.call(received[1]);
      ws.close(1000, "done");
      return Response.json({ clientDefault, clientGotBinaryAs, ...first });
    }
    return new Response("not found", { status: 404 });
  },
};
`;


interface ProbeStub {
  surface(): Promise<Record<string, unknown>>;
  trySnapshot(): Promise<string>;
  tryRestoreTargets(): Promise<Record<string, string>>;
  rowsReadWithAndWithoutIndex(): Promise<Record<string, number>>;
  facetStory(): Promise<Record<string, unknown>>;
  facetFromExports(): Promise<number[]>;
}

const mf = useMiniflare(WORKER, {
  durableObjects: {
    PROBE: { className: "Probe", useSQLite: true },
    CHILD: { className: "Child", useSQLite: true },
  },
  workerLoaders: { LOADER: {} },
}, [
  ["current", "2026-11-01"],
  ["experimental", "2026-11-01", ["experimental"]],
  ["before-binary-type", "2026-03-16"],
  ["at-binary-type", "2026-03-17"],
  ["binary-opt-out", "2026-11-01", ["no_websocket_standard_binary_type"]],
]);

async function probe(workerName: string, objectName: string): Promise<ProbeStub> {
  const ns = await mf().getDurableObjectNamespace("PROBE", workerName);
  return ns.getByName(objectName) as unknown as ProbeStub;
}

async function getJson(workerName: string, path: string): Promise<Record<string, unknown>> {
  const fetcher = await mf().getWorker(workerName);
  const res = await fetcher.fetch(`http://w${path}`);
  return (await res.json()) as Record<string, unknown>;
}

describe("what billing counts", () => {
  it("[pricing] rows read are rows scanned: an unindexed WHERE over 200 rows reads 200, the same query with an index reads 2", async () => {
    expect(await (await probe("current", "rows")).rowsReadWithAndWithoutIndex()).toEqual({
      scanRows: 1, scanRowsRead: 200, seekRows: 1, seekRowsRead: 2,
    });
  });
});

describe("snapshot API presence in local workerd", () => {
  it("[snapshots] without the experimental flag ctx.storage has no snapshot(), onNextSessionRestore() or waitForBookmark()", async () => {
    const s = await (await probe("current", "s")).surface();
    expect(s).toMatchObject({
      storageSnapshot: "undefined",
      storageOnNextSessionRestore: "undefined",
      storageWaitForBookmark: "undefined",
      ctxOnNextSessionRestore: "undefined",
    });
  });

  it("[snapshots] with the experimental flag the methods appear on ctx.storage, never on ctx", async () => {
    const s = await (await probe("experimental", "s")).surface();
    expect(s).toMatchObject({
      storageSnapshot: "function",
      storageOnNextSessionRestore: "function",
      storageWaitForBookmark: "function",
      ctxOnNextSessionRestore: "undefined",
    });
  });

  it("[snapshots] locally ctx.storage.snapshot() rejects: the local storage back-end does not implement snapshots", async () => {
    expect(await (await probe("experimental", "s2")).trySnapshot()).toBe(
      "Error: This Durable Object's storage back-end does not implement snapshots.",
    );
  });

  it("[snapshots] with the flag, onNextSessionRestore() takes a snapshot or a bookmark string; locally a bookmark restore rejects like PITR", async () => {
    expect(await (await probe("experimental", "s3")).tryRestoreTargets()).toEqual({
      bookmarkString: "Error: This Durable Object's storage back-end does not implement point-in-time recovery.",
      plainObject: "TypeError: Failed to execute 'onNextSessionRestore' on 'DurableObjectStorage': parameter 1 is not of type 'DurableObjectSnapshot or string'.",
      waitForBookmark: "resolved undefined",
    });
  });
});

describe("facets in local workerd", () => {
  it("[facets-and-containers] ctx.facets exists without any flag, with get/abort/delete/clone; ctx.container is undefined without a container", async () => {
    const s = await (await probe("current", "f0")).surface();
    expect(s.facets).toEqual(["abort", "clone", "delete", "get"]);
    expect(s.container).toBe("undefined");
  });

  it("[facets-and-containers] a facet loaded through the Worker Loader has its own SQLite database and inherits the parent's id and name", async () => {
    const out = await (await probe("current", "supervisor-1")).facetStory();
    const first = out.first as { n: number; id: string; name: string | null };
    expect(first.n).toBe(1);
    expect(first.name).toBe("supervisor-1");
    expect(first.id).toMatch(/^[0-9a-f]{64}$/);
    expect((out.second as { n: number }).n).toBe(2);
    expect(out.facetTables).toEqual([]); // the supervisor's table is invisible to the facet
    expect(out.supervisorSeesFacetKv).toBeNull(); // and the facet's KV is invisible to the supervisor
  });

  it("[facets-and-containers] facets.abort() keeps the facet's storage and breaks old stubs; facets.delete() wipes it; an explicit id replaces ctx.id", async () => {
    const out = await (await probe("current", "supervisor-2")).facetStory();
    expect(out.oldStubAfterAbort).toBe("code update");
    expect(out.afterAbort).toBe(3);
    expect(out.afterDelete).toEqual({ n: 1, id: "tenant-7", name: null });
  });

  it("[facets-and-containers] a class from ctx.exports works as a facet class too", async () => {
    expect(await (await probe("current", "supervisor-3")).facetFromExports()).toEqual([1, 2]);
  });
});

describe("websocket_standard_binary_type", () => {
  it("[deployments] WebSocket binaryType defaults to \"blob\" from 2026-03-17, \"arraybuffer\" before it and with no_websocket_standard_binary_type", async () => {
    expect((await getJson("before-binary-type", "/binary-type")).pairDefault).toBe("arraybuffer");
    expect((await getJson("at-binary-type", "/binary-type")).pairDefault).toBe("blob");
    expect((await getJson("current", "/binary-type")).pairDefault).toBe("blob");
    expect((await getJson("binary-opt-out", "/binary-type")).pairDefault).toBe("arraybuffer");
  });

  it("[deployments] the hibernation handler webSocketMessage() gets binary frames as ArrayBuffer even when binaryType defaults to \"blob\"", async () => {
    const out = await getJson("current", "/ws-roundtrip");
    expect(out).toEqual({ clientDefault: "blob", clientGotBinaryAs: "[object Blob]", handlerGot: "ArrayBuffer", serverBinaryType: "blob" });
  });
});
