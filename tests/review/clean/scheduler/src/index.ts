import { DurableObject } from "cloudflare:workers";

export interface Env {
  SCHEDULER: DurableObjectNamespace<Scheduler>;
  NOTIFY: Queue<{ user: string; text: string }>;
}

type Reminder = { id: number; user: string; text: string; due: number };

/** Many reminders, one alarm: a schedule table holds every due time and the alarm is set to the earliest. */
export class Scheduler extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS reminders (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, text TEXT NOT NULL, due INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE INDEX IF NOT EXISTS reminders_due ON reminders (due)");
  }

  async add(user: string, text: string, due: number): Promise<number> {
    const { id } = this.ctx.storage.sql
      .exec<{ id: number }>("INSERT INTO reminders (user, text, due) VALUES (?, ?, ?) RETURNING id", user, text, due)
      .one();
    await this.arm();
    return id;
  }

  private async arm(): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM reminders").one().due;
    if (next === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    const current = await this.ctx.storage.getAlarm();
    if (current === null || next < current) await this.ctx.storage.setAlarm(next);
  }

  async alarm(): Promise<void> {
    const due = this.ctx.storage.sql
      .exec<Reminder>("SELECT * FROM reminders WHERE due <= ? ORDER BY due LIMIT 100", Date.now())
      .toArray();
    if (due.length > 0) {
      await this.env.NOTIFY.sendBatch(due.map((r) => ({ body: { user: r.user, text: r.text } })));
      const ids = due.map((r) => r.id);
      this.ctx.storage.sql.exec(`DELETE FROM reminders WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
    }
    await this.arm();
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { user, text, due } = await request.json<{ user: string; text: string; due: number }>();
    const id = await env.SCHEDULER.getByName(user).add(user, text, due);
    return Response.json({ id }, { status: 201 });
  },
} satisfies ExportedHandler<Env>;
