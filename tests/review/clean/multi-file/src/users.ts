import { DurableObject } from "cloudflare:workers";
import type { Env } from "./env";

export type Profile = { id: string; name: string };

/** Users sharded by id prefix, so no single directory object takes all lookups. */
export class UserDirectory extends DurableObject<Env> {
  lookup(id: string): Profile | null {
    const rows = this.ctx.storage.sql.exec<Profile>("SELECT id, name FROM users WHERE id = ?", id).toArray();
    return rows[0] ?? null;
  }

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, name TEXT NOT NULL)");
  }
}
