import { DurableObject } from "cloudflare:workers";

export interface Env {
  CARTS: DurableObjectNamespace<ShoppingCart>;
}

type Item = { sku: string; qty: number };

/** A cart per user on the async KV API (a legacy-style project on `migrations`, still SQLite-backed). */
export class ShoppingCart extends DurableObject<Env> {
  async add(item: Item): Promise<Item[]> {
    const key = `item:${item.sku}`;
    const existing = await this.ctx.storage.get<Item>(key);
    await this.ctx.storage.put(key, { sku: item.sku, qty: (existing?.qty ?? 0) + item.qty });
    return this.items();
  }

  async items(): Promise<Item[]> {
    const entries = await this.ctx.storage.list<Item>({ prefix: "item:", limit: 128 }); // delete() below takes at most 128 keys
    return [...entries.values()];
  }

  async checkout(): Promise<Item[]> {
    const items = await this.items();
    await this.ctx.storage.delete(items.map((i) => `item:${i.sku}`));
    return items;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const user = request.headers.get("x-user-id");
    if (!user) return new Response("login required", { status: 401 });
    const cart = env.CARTS.getByName(user);
    if (request.method === "POST") return Response.json(await cart.add(await request.json<Item>()));
    return Response.json(await cart.items());
  },
} satisfies ExportedHandler<Env>;
