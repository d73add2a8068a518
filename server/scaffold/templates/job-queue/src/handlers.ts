// Job handlers by kind. Delivery is at-least-once (a crash after a handler ran but before its job row was deleted
// runs it again), so every handler must be idempotent: use the job id as an idempotency key.

export interface JobContext {
  id: number;
  attempt: number;
  sql: SqlStorage;
}

export type JobHandler = (payload: unknown, job: JobContext) => Promise<void> | void;

export const HANDLERS = {
  /** Store a note locally; a stand-in for real work that shows an idempotent write keyed by the job id. */
  note(payload, job) {
    const text = (payload as { text?: unknown } | null)?.text;
    if (typeof text !== "string" || text.length === 0) throw new TypeError("note needs { text: string }");
    job.sql.exec("INSERT INTO notes (job_id, text) VALUES (?, ?) ON CONFLICT(job_id) DO NOTHING", job.id, text);
  },

  /** POST the payload to a URL, with the job id as Idempotency-Key so the receiver can drop repeats. */
  async webhook(payload, job) {
    const { url, body } = (payload ?? {}) as { url?: unknown; body?: unknown };
    if (typeof url !== "string" || !url.startsWith("https://")) throw new TypeError("webhook needs { url: 'https://...' }");
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `job-${job.id}` },
      body: JSON.stringify(body ?? null),
    });
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  },
} satisfies Record<string, JobHandler>;

export type JobKind = keyof typeof HANDLERS;

export function isJobKind(kind: unknown): kind is JobKind {
  return typeof kind === "string" && Object.hasOwn(HANDLERS, kind);
}
