import { DurableObject } from "cloudflare:workers";

export interface Env {
  DOCS: DurableObjectNamespace<DocumentStore>;
  BLOBS: R2Bucket;
}

type Meta = { title: string; version: number; blobKey: string | null };

/** A versioned document using the async KV API. Large bodies go to R2 and only the key is stored. Writes that
 * belong together are issued without an await between them, so they commit atomically. */
export class DocumentStore extends DurableObject<Env> {
  async save(title: string, body: string, expectedVersion: number): Promise<Meta> {
    let blobKey: string | null = null;
    if (body.length > 100_000) {
      blobKey = `${this.ctx.id.toString()}/${crypto.randomUUID()}`;
      await this.env.BLOBS.put(blobKey, body);
    }
    const current = (await this.ctx.storage.get<Meta>("meta")) ?? { title, version: 0, blobKey: null };
    if (current.version !== expectedVersion) {
      throw new Error(`conflict: document is at version ${current.version}`);
    }
    const next: Meta = { title, version: current.version + 1, blobKey };
    this.ctx.storage.put("meta", next);
    this.ctx.storage.put(`body:${next.version}`, blobKey ? null : body);
    return next;
  }

  async history(limit = 20): Promise<number[]> {
    const entries = await this.ctx.storage.list({ prefix: "body:", reverse: true, limit });
    return [...entries.keys()].map((k) => Number(k.slice(5)));
  }

  async rename(title: string): Promise<void> {
    await this.ctx.storage.transaction(async (txn) => {
      const meta = await txn.get<Meta>("meta");
      if (!meta) throw new Error("no document");
      await txn.put("meta", { ...meta, title });
    });
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const doc = env.DOCS.getByName(url.pathname.slice(1) || "untitled");
    if (request.method === "PUT") {
      const { title, body, version } = await request.json<{ title: string; body: string; version: number }>();
      try {
        return Response.json(await doc.save(title, body, version));
      } catch (err) {
        return new Response(String(err), { status: 409 });
      }
    }
    return Response.json(await doc.history());
  },
} satisfies ExportedHandler<Env>;
