// A job queue in one Durable Object. An object has a single alarm, so the schedule lives in the `jobs` table and
// the alarm is always set to the earliest run_at; the handler runs what is due and re-arms only while jobs remain.
import { DurableObject } from "cloudflare:workers";
import { HANDLERS, isJobKind, type JobKind } from "./handlers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  JOB_QUEUE: DurableObjectNamespace<JobQueue>;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create jobs and notes",
    sql: `
      CREATE TABLE IF NOT EXISTS jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL CHECK (json_valid(payload)),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
        run_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        max_attempts INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, run_at);
      CREATE TABLE IF NOT EXISTS notes (job_id INTEGER PRIMARY KEY, text TEXT NOT NULL);
    `,
  },
];

export interface EnqueueOptions {
  delayMs?: number;
  maxAttempts?: number;
}

export interface JobRow {
  id: number;
  kind: string;
  status: "pending" | "dead";
  runAt: number;
  attempts: number;
  lastError: string | null;
}

export interface QueueStats {
  pending: number;
  dead: number;
  completed: number;
  lastAlarm: { at: number; retryCount: number } | null;
}

/** Jobs per alarm run; a runtime retry (a crashed run) halves it per retry to get past a poison job. */
export const BATCH = 16;
const MAX_BACKOFF_MS = 60 * 60_000;
const MIN_ALARM_LEAD_MS = 10;

export class JobQueue extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, MIGRATIONS);
    });
  }

  /** Schedule a job and return its id. Refuses unknown kinds, so a typo fails now rather than at run time. */
  async enqueue(kind: JobKind, payload: unknown, options: EnqueueOptions = {}): Promise<number> {
    if (!isJobKind(kind)) throw new RangeError(`unknown job kind ${String(kind)}; known: ${Object.keys(HANDLERS).join(", ")}`);
    const delayMs = Math.max(0, options.delayMs ?? 0);
    const maxAttempts = Math.min(Math.max(1, options.maxAttempts ?? 5), 20);
    const now = Date.now();
    const id = this.ctx.storage.sql
      .exec<{ id: number }>(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        kind,
        JSON.stringify(payload ?? null),
        now + delayMs,
        maxAttempts,
        now,
      )
      .one().id;
    await this.armForNext();
    return id;
  }

  jobs(): JobRow[] {
    return this.ctx.storage.sql
      .exec<{ id: number; kind: string; status: "pending" | "dead"; run_at: number; attempts: number; last_error: string | null }>(
        "SELECT id, kind, status, run_at, attempts, last_error FROM jobs ORDER BY id",
      )
      .toArray()
      .map((r) => ({ id: r.id, kind: r.kind, status: r.status, runAt: r.run_at, attempts: r.attempts, lastError: r.last_error }));
  }

  stats(): QueueStats {
    const counts = this.ctx.storage.sql
      .exec<{ pending: number; dead: number }>(
        "SELECT count(*) FILTER (WHERE status = 'pending') AS pending, count(*) FILTER (WHERE status = 'dead') AS dead FROM jobs",
      )
      .one();
    const kv = this.ctx.storage.kv;
    return {
      pending: counts.pending,
      dead: counts.dead,
      completed: kv.get<number>("completed") ?? 0,
      lastAlarm: kv.get<{ at: number; retryCount: number }>("lastAlarm") ?? null,
    };
  }

  /** Give a dead job a fresh set of attempts, due now. */
  async retryDead(id: number): Promise<boolean> {
    const changed = this.ctx.storage.sql
      .exec("UPDATE jobs SET status = 'pending', attempts = 0, run_at = ? WHERE id = ? AND status = 'dead' RETURNING id", Date.now(), id)
      .toArray().length;
    if (changed > 0) await this.armForNext();
    return changed > 0;
  }

  async alarm(info?: AlarmInvocationInfo): Promise<void> {
    // runDurableObjectAlarm() passes no argument; the runtime passes { retryCount, isRetry, scheduledTime }.
    const runtimeRetries = info?.retryCount ?? 0;
    const kv = this.ctx.storage.kv;
    kv.put("lastAlarm", { at: Date.now(), retryCount: runtimeRetries });
    const limit = Math.max(1, BATCH >> runtimeRetries);
    const sql = this.ctx.storage.sql;
    const due = sql
      .exec<{ id: number; kind: string; payload: string; attempts: number; max_attempts: number }>(
        "SELECT id, kind, payload, attempts, max_attempts FROM jobs WHERE status = 'pending' AND run_at <= ? ORDER BY run_at, id LIMIT ?",
        Date.now(),
        limit,
      )
      .toArray();
    for (const job of due) {
      const attempt = job.attempts + 1;
      try {
        if (!isJobKind(job.kind)) throw new TypeError(`no handler for kind ${job.kind}`);
        await HANDLERS[job.kind](JSON.parse(job.payload), { id: job.id, attempt, sql });
        // Each job commits on its own by design: a crash before this delete re-runs only this (idempotent) job.
        // do-expert-ignore do-await-between-writes
        sql.exec("DELETE FROM jobs WHERE id = ?", job.id);
        kv.put("completed", (kv.get<number>("completed") ?? 0) + 1);
      } catch (err) {
        // Handled here, so the runtime's own alarm retries stay reserved for crashes of this handler itself.
        const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        if (attempt >= job.max_attempts) {
          sql.exec("UPDATE jobs SET status = 'dead', attempts = ?, last_error = ? WHERE id = ?", attempt, message, job.id);
        } else {
          const backoff = Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** job.attempts);
          sql.exec(
            "UPDATE jobs SET attempts = ?, last_error = ?, run_at = ? WHERE id = ?",
            attempt,
            message,
            Date.now() + backoff,
            job.id,
          );
        }
      }
    }
    await this.armForNext();
  }

  /** Point the alarm at the earliest pending job; leave it unset when the queue is empty. */
  private async armForNext(): Promise<void> {
    const next = this.ctx.storage.sql
      .exec<{ t: number | null }>("SELECT min(run_at) AS t FROM jobs WHERE status = 'pending'")
      .one().t;
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    // Keep an earlier alarm (set by an enqueue that ran while a handler awaited); never set one in the past.
    if (current === null || next < current) await this.ctx.storage.setAlarm(Math.max(next, Date.now() + MIN_ALARM_LEAD_MS));
  }
}

const ROUTE = /^\/queues\/([\w.-]{1,64})\/(jobs|stats)$/;

export default {
  // POST /queues/<q>/jobs {kind, payload, delayMs?} schedules a job; GET /queues/<q>/stats reports the queue.
  async fetch(request: Request, env: Env): Promise<Response> {
    const match = ROUTE.exec(new URL(request.url).pathname);
    if (!match) return new Response("not found", { status: 404 });
    const [, queue, what] = match;
    const stub = env.JOB_QUEUE.getByName(queue);
    if (what === "stats") return Response.json(await stub.stats());
    if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
    const body = await request.json<{ kind?: unknown; payload?: unknown; delayMs?: unknown }>();
    if (!isJobKind(body.kind)) {
      return Response.json({ error: `kind must be one of: ${Object.keys(HANDLERS).join(", ")}` }, { status: 400 });
    }
    const delayMs = typeof body.delayMs === "number" && body.delayMs >= 0 ? body.delayMs : 0;
    const id = await stub.enqueue(body.kind, body.payload ?? null, { delayMs });
    return Response.json({ id }, { status: 202 });
  },
} satisfies ExportedHandler<Env>;
