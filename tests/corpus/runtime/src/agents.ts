// Worker for the "agents" vitest project (wrangler.agents.jsonc): Durable Objects written with the Agents SDK
// (`agents`) and PartyServer, to check what references/agents-sdk.md says about this.sql, setState, schedule()
// and routing. Kept apart from src/index.ts so the SDK's bundle (it needs nodejs_compat) stays out of the others.
import { Agent, routeAgentRequest, type Connection, type WSMessage } from "agents";
import { Server, routePartykitRequest } from "partyserver";
import { Actor } from "@cloudflare/actors";

export type NoteRow = { id: number; body: string; author: string | null };
export type NotesState = { notes: number; lastAuthor: string | null };

export class NotesAgent extends Agent<Cloudflare.Env, NotesState> {
  initialState: NotesState = { notes: 0, lastAuthor: null };
  started = 0;

  onStart(): void {
    this.started += 1;
    this.sql`CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, author TEXT)`;
  }

  addNote(body: string, author: string | null = null): NoteRow[] {
    this.sql`INSERT INTO notes (body, author) VALUES (${body}, ${author})`;
    this.setState({ notes: this.state.notes + 1, lastAuthor: author });
    return this.sql<NoteRow>`SELECT id, body, author FROM notes ORDER BY id`;
  }

  whoAmI(): { name: string; started: number } {
    return { name: this.name, started: this.started };
  }

  async remindIn(seconds: number, text: string) {
    return this.schedule(seconds, "onReminder", { text });
  }

  async remindEvery(seconds: number) {
    return this.scheduleEvery(seconds, "onReminder", { text: "tick" });
  }

  async onReminder(payload: { text: string }): Promise<void> {
    this.sql`INSERT INTO notes (body, author) VALUES (${payload.text}, ${"scheduler"})`;
  }

  // Runs after the SDK has driven the due schedules on each alarm.
  onAlarm(): void {
    this.ctx.storage.kv.put("onAlarmCalls", ((this.ctx.storage.kv.get("onAlarmCalls") as number | undefined) ?? 0) + 1);
  }

  onRequest(request: Request): Response {
    return Response.json({ agent: this.name, path: new URL(request.url).pathname, state: this.state });
  }

  onMessage(connection: Connection, message: WSMessage): void {
    if (typeof message === "string" && message.startsWith("note:")) {
      this.addNote(message.slice(5), connection.id);
      connection.send(`saved:${this.state.notes}`);
    }
  }
}

// Overrides alarm() without calling super.alarm(): the SDK's scheduler never runs.
export class AlarmOverrideAgent extends Agent {
  async alarm(): Promise<void> {
    this.ctx.storage.kv.put("userAlarmRan", true);
  }

  async remindNow() {
    return this.schedule(0, "onReminder", { text: "never" });
  }

  onReminder(): void {
    this.ctx.storage.kv.put("reminderRan", true);
  }
}

// A partyserver Server: the same tagged-template sql, rooms reached at /parties/<kebab-binding>/<name>.
export class Room extends Server {
  static options = { hibernate: true };

  onMessage(connection: Connection, message: WSMessage): void {
    connection.send(`echo:${String(message)}`);
  }

  onStart(): void {
    this.sql`CREATE TABLE IF NOT EXISTS hits (n INTEGER)`;
  }

  onRequest(): Response {
    this.sql`INSERT INTO hits (n) VALUES (${1})`;
    const [row] = this.sql<{ total: number }>`SELECT count(*) AS total FROM hits`;
    return Response.json({ room: this.name, total: row.total });
  }
}

// The same Server without `static options`: hibernate defaults to false, so sockets are accepted in memory.
export class PlainRoom extends Server {
  onMessage(connection: Connection, message: WSMessage): void {
    connection.send(`echo:${String(message)}`);
  }
}

// An Actor from @cloudflare/actors: migrations in onInit(), this.sql, and alarms.schedule() rows in _actor_alarms.
export class Tally extends Actor<Cloudflare.Env> {
  protected async onInit(): Promise<void> {
    this.storage.migrations = [
      { idMonotonicInc: 1, description: "items", sql: "CREATE TABLE IF NOT EXISTS items (sku TEXT PRIMARY KEY, qty INTEGER NOT NULL)" },
    ];
    await this.storage.runMigrations();
  }

  protected async onRequest(request: Request): Promise<Response> {
    const sku = new URL(request.url).searchParams.get("sku") ?? "none";
    this.sql`INSERT INTO items (sku, qty) VALUES (${sku}, 1) ON CONFLICT (sku) DO UPDATE SET qty = qty + 1`;
    const task = await this.alarms.schedule(60, "expire", { sku });
    return Response.json({ name: this.name, items: this.sql`SELECT sku, qty FROM items ORDER BY sku`, task: task.type });
  }

  async expire(payload: { sku: string }): Promise<void> {
    this.sql`DELETE FROM items WHERE sku = ${payload.sku}`;
  }
}

export default {
  async fetch(request: Request, env: Cloudflare.Env): Promise<Response> {
    return (
      (await routeAgentRequest(request, env)) ??
      (await routePartykitRequest(request, env)) ??
      new Response("not an agent route", { status: 404 })
    );
  },
} satisfies ExportedHandler<Cloudflare.Env>;
