// Multi-tenant data with one Durable Object per tenant (parent) and one per tenant project (child). The parent
// owns the tenant profile and an index of projects; each child owns its tasks and reports changes to its parent,
// so the parent can list projects without waking any child.
import { DurableObject } from "cloudflare:workers";
import { migrate, type Migration } from "./migrations";

export interface Env {
  TENANT: DurableObjectNamespace<Tenant>;
  TENANT_PROJECT: DurableObjectNamespace<TenantProject>;
}

/** Where a tenant's data lives. "global" means no jurisdiction constraint. */
export type Residency = "global" | "eu" | "fedramp";
export const RESIDENCIES: readonly Residency[] = ["global", "eu", "fedramp"];

/** Pick the namespace for a residency: the same name is a different object in each jurisdiction. */
export function inResidency<T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  residency: Residency,
): DurableObjectNamespace<T> {
  return residency === "global" ? ns : ns.jurisdiction(residency);
}

export function tenantStub(env: Env, tenant: string, residency: Residency): DurableObjectStub<Tenant> {
  return inResidency(env.TENANT, residency).getByName(tenant);
}

export function projectStub(env: Env, tenant: string, project: string, residency: Residency): DurableObjectStub<TenantProject> {
  // Child names include the tenant, so two tenants' projects can never share an object.
  return inResidency(env.TENANT_PROJECT, residency).getByName(`${tenant}/${project}`);
}

export interface ProjectSummary {
  id: string;
  title: string;
  openTasks: number;
}

const TENANT_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create tenant tables",
    sql: `
      CREATE TABLE IF NOT EXISTS profile (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        tenant TEXT NOT NULL,
        residency TEXT NOT NULL,
        display_name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS projects (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        open_tasks INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      );
    `,
  },
];

export class Tenant extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, TENANT_MIGRATIONS);
    });
  }

  /** Create the tenant (idempotent: a second call keeps the original profile). */
  register(tenant: string, residency: Residency, displayName: string): { tenant: string; residency: Residency; created: boolean } {
    const created = this.ctx.storage.sql
      .exec(
        "INSERT INTO profile (id, tenant, residency, display_name, created_at) VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING RETURNING id",
        tenant,
        residency,
        displayName,
        Date.now(),
      )
      .toArray().length > 0;
    const profile = this.profile();
    return { tenant: profile!.tenant, residency: profile!.residency, created };
  }

  profile(): { tenant: string; residency: Residency; displayName: string } | null {
    const row = this.ctx.storage.sql
      .exec<{ tenant: string; residency: Residency; display_name: string }>("SELECT tenant, residency, display_name FROM profile")
      .toArray()[0];
    return row ? { tenant: row.tenant, residency: row.residency, displayName: row.display_name } : null;
  }

  /** Create a child project object in the tenant's own jurisdiction and index it here. */
  async createProject(title: string): Promise<ProjectSummary> {
    const profile = this.requireProfile();
    const id = crypto.randomUUID();
    this.ctx.storage.sql.exec("INSERT INTO projects (id, title, created_at) VALUES (?, ?, ?)", id, title, Date.now());
    await projectStub(this.env, profile.tenant, id, profile.residency).init(profile.tenant, profile.residency, id, title);
    return { id, title, openTasks: 0 };
  }

  /** The index: no child object is woken to answer. */
  listProjects(): ProjectSummary[] {
    return this.ctx.storage.sql
      .exec<{ id: string; title: string; open_tasks: number }>("SELECT id, title, open_tasks FROM projects ORDER BY created_at, id")
      .toArray()
      .map((r) => ({ id: r.id, title: r.title, openTasks: r.open_tasks }));
  }

  /** Called by a child after its tasks change. */
  projectChanged(id: string, openTasks: number): void {
    this.ctx.storage.sql.exec("UPDATE projects SET open_tasks = ? WHERE id = ?", openTasks, id);
  }

  /** Storage used by this tenant's own database (children are billed separately). */
  usageBytes(): number {
    return this.ctx.storage.sql.databaseSize;
  }

  private requireProfile(): { tenant: string; residency: Residency } {
    const profile = this.profile();
    if (!profile) throw new Error("tenant is not registered");
    return profile;
  }
}

const PROJECT_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create tasks",
    sql: `
      CREATE TABLE IF NOT EXISTS tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        title TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))
      );
    `,
  },
];

interface ParentAddress {
  tenant: string;
  residency: Residency;
  project: string;
  title: string;
}

export class TenantProject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      migrate(ctx.storage, PROJECT_MIGRATIONS);
    });
  }

  /** Remember the parent, so any entry point (RPC, alarm) can report back to it. */
  init(tenant: string, residency: Residency, project: string, title: string): void {
    this.ctx.storage.kv.put("parent", { tenant, residency, project, title } satisfies ParentAddress);
  }

  async addTask(title: string): Promise<number> {
    const id = this.ctx.storage.sql.exec<{ id: number }>("INSERT INTO tasks (title) VALUES (?) RETURNING id", title).one().id;
    await this.report();
    return id;
  }

  async completeTask(id: number): Promise<boolean> {
    const changed = this.ctx.storage.sql.exec("UPDATE tasks SET done = 1 WHERE id = ? AND done = 0 RETURNING id", id).toArray().length > 0;
    if (changed) await this.report();
    return changed;
  }

  tasks(): { id: number; title: string; done: boolean }[] {
    return this.ctx.storage.sql
      .exec<{ id: number; title: string; done: number }>("SELECT id, title, done FROM tasks ORDER BY id")
      .toArray()
      .map((r) => ({ id: r.id, title: r.title, done: r.done === 1 }));
  }

  /** Send the current open-task count (not a delta), so a repeated or reordered report is harmless. */
  private async report(): Promise<void> {
    const parent = this.ctx.storage.kv.get<ParentAddress>("parent");
    if (!parent) throw new Error("project was not initialised by its tenant");
    const open = this.ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tasks WHERE done = 0").one().n;
    await tenantStub(this.env, parent.tenant, parent.residency).projectChanged(parent.project, open);
  }
}

const ROUTE = /^\/(?:(eu|fedramp)\/)?tenants\/([\w.-]{1,64})(?:\/projects(?:\/([\w-]{36})\/tasks)?)?$/;

export default {
  // /tenants/<t> (PUT register, GET profile), /tenants/<t>/projects (GET list, POST create),
  // /tenants/<t>/projects/<id>/tasks (GET, POST). Prefix /eu/ or /fedramp/ for tenants kept in a jurisdiction.
  // In production, look the residency up in your tenant directory; never trust the client to choose it.
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = ROUTE.exec(url.pathname);
    if (!match) return new Response("not found", { status: 404 });
    const residency = (match[1] ?? "global") as Residency;
    const [, , tenant, project] = match;
    const stub = tenantStub(env, tenant, residency);
    const isProjects = url.pathname.endsWith("/projects");
    if (project) {
      const child = projectStub(env, tenant, project, residency);
      if (request.method === "POST") {
        const { title } = await request.json<{ title?: string }>();
        if (!title) return new Response("title required", { status: 400 });
        return Response.json({ id: await child.addTask(title) }, { status: 201 });
      }
      return Response.json(await child.tasks());
    }
    if (isProjects) {
      if ((await stub.profile()) === null) return new Response("unknown tenant", { status: 404 });
      if (request.method === "POST") {
        const { title } = await request.json<{ title?: string }>();
        if (!title) return new Response("title required", { status: 400 });
        return Response.json(await stub.createProject(title), { status: 201 });
      }
      return Response.json(await stub.listProjects());
    }
    if (request.method === "PUT") {
      const { displayName } = await request.json<{ displayName?: string }>();
      const result = await stub.register(tenant, residency, displayName ?? tenant);
      return Response.json(result, { status: result.created ? 201 : 200 });
    }
    const profile = await stub.profile();
    return profile ? Response.json(profile) : new Response("unknown tenant", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
