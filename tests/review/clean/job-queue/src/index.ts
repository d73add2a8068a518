import { DurableObject } from "cloudflare:workers";

export interface Env {
  QUEUE: DurableObjectNamespace<JobQueue>;
  WEBHOOK_URL: string;
}

type Job = { id: number; payload: string; attempts: number };

const BATCH = 10;
const MAX_ATTEMPTS = 5;

/** A durable job queue: enqueue writes a row and arms the alarm; the alarm drains a batch and re-arms only while
 * jobs remain. Jobs are marked done in the same write as their result, so a retried alarm never runs one twice. */
export class JobQueue extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      payload TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      done_at INTEGER
    )`);
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS jobs_pending ON jobs (done_at, id)");
  }

  async enqueue(payload: unknown): Promise<number> {
    const id = this.ctx.storage.sql
      .exec<{ id: number }>("INSERT INTO jobs (payload) VALUES (?) RETURNING id", JSON.stringify(payload))
      .one().id;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now());
    }
    return id;
  }

  async alarm(info?: AlarmInvocationInfo): Promise<void> {
    const jobs = this.ctx.storage.sql
      .exec<Job>("SELECT id, payload, attempts FROM jobs WHERE done_at IS NULL ORDER BY id LIMIT ?", BATCH)
      .toArray();
    for (const job of jobs) {
      const res = await fetch(this.env.WEBHOOK_URL, { method: "POST", body: job.payload });
      if (res.ok) {
        this.ctx.storage.sql.exec("UPDATE jobs SET done_at = ? WHERE id = ?", Date.now(), job.id);
      } else if (job.attempts + 1 >= MAX_ATTEMPTS) {
        this.ctx.storage.sql.exec("UPDATE jobs SET done_at = -1, attempts = attempts + 1 WHERE id = ?", job.id);
      } else {
        this.ctx.storage.sql.exec("UPDATE jobs SET attempts = attempts + 1 WHERE id = ?", job.id);
      }
    }
    const remaining = this.ctx.storage.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE done_at IS NULL")
      .one().n;
    if (remaining > 0) {
      const backoff = info?.isRetry ? 30_000 : 1_000;
      await this.ctx.storage.setAlarm(Date.now() + backoff);
    }
  }

  stats(): { pending: number; done: number } {
    return this.ctx.storage.sql
      .exec<{ pending: number; done: number }>(
        "SELECT SUM(done_at IS NULL) AS pending, SUM(done_at IS NOT NULL) AS done FROM jobs",
      )
      .one();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const queue = env.QUEUE.getByName(new URL(request.url).searchParams.get("queue") ?? "default");
    if (request.method === "POST") {
      return Response.json({ id: await queue.enqueue(await request.json()) }, { status: 202 });
    }
    return Response.json(await queue.stats());
  },
} satisfies ExportedHandler<Env>;
