import { DurableObject } from "cloudflare:workers";

export class Obj extends DurableObject {
  // The code itself uses only the async KV API; the probe shows what the backend chosen in wrangler.jsonc offers.
  async run(): Promise<string> {
    await this.ctx.storage.put("visits", 1);
    const capabilities = this.ctx.storage as unknown as Record<string, { exec(q: string): unknown }>;
    capabilities["sql"].exec("SELECT 1");
    return "ok";
  }
}

// The Worker calls the object once and reports what happened: 200 "ok" or 500 with the runtime's error text.
export default {
  async fetch(request: Request, env: { OBJ: DurableObjectNamespace<Obj> }): Promise<Response> {
    try {
      const stub = env.OBJ.getByName(new URL(request.url).searchParams.get("name") ?? "probe");
      return new Response(String(await stub.run()));
    } catch (err) {
      return new Response(String(err), { status: 500 });
    }
  },
};
