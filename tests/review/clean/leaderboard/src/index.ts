import { DurableObject } from "cloudflare:workers";

export interface Env {
  BOARD: DurableObjectNamespace<Leaderboard>;
}

type Score = { player: string; score: number; rank: number };

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS scores (player TEXT PRIMARY KEY, score INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE INDEX IF NOT EXISTS scores_by_score ON scores (score DESC);
`;

/** One leaderboard per game and season; ranks come from a window function over an indexed column. */
export class Leaderboard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  submit(player: string, score: number): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO scores (player, score, updated_at) VALUES (?, ?, ?) ON CONFLICT (player) DO UPDATE SET score = MAX(score, excluded.score), updated_at = excluded.updated_at",
      player,
      score,
      Date.now(),
    );
  }

  top(n: number): Score[] {
    return this.ctx.storage.sql
      .exec<Score>("SELECT player, score, RANK() OVER (ORDER BY score DESC) AS rank FROM scores ORDER BY score DESC LIMIT ?", n)
      .toArray();
  }

  size(): number {
    return this.ctx.storage.sql.databaseSize;
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const game = url.searchParams.get("game") ?? "default";
    const season = url.searchParams.get("season") ?? String(new Date().getUTCFullYear());
    const board = env.BOARD.getByName(`${game}:${season}`);
    if (request.method === "POST") {
      const { player, score } = await request.json<{ player: string; score: number }>();
      await board.submit(player, score);
      return new Response(null, { status: 204 });
    }
    return Response.json(await board.top(Number(url.searchParams.get("n") ?? 10)));
  },
} satisfies ExportedHandler<Env>;
