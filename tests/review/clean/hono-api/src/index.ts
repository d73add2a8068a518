import { Hono } from "hono";
import { DurableObject } from "cloudflare:workers";

type Bindings = { PROJECTS: DurableObjectNamespace<Project> };
type Task = { id: number; title: string; done: number };

/** A project board: the Worker routes with Hono, the object exposes typed RPC methods. */
export class Project extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, done INTEGER NOT NULL DEFAULT 0)",
    );
  }

  addTask(title: string): Task {
    return this.ctx.storage.sql.exec<Task>("INSERT INTO tasks (title) VALUES (?) RETURNING *", title).one();
  }

  complete(id: number): void {
    this.ctx.storage.sql.exec("UPDATE tasks SET done = 1 WHERE id = ?", id);
  }

  tasks(open: boolean): Task[] {
    const filter = open ? "WHERE done = 0" : "";
    return this.ctx.storage.sql.exec<Task>(`SELECT * FROM tasks ${filter} ORDER BY id LIMIT 500`).toArray();
  }
}

const app = new Hono<{ Bindings: Bindings }>();

app.get("/projects/:id/tasks", async (c) => {
  const project = c.env.PROJECTS.getByName(c.req.param("id"));
  return c.json(await project.tasks(c.req.query("open") === "1"));
});

app.post("/projects/:id/tasks", async (c) => {
  const { title } = await c.req.json<{ title: string }>();
  return c.json(await c.env.PROJECTS.getByName(c.req.param("id")).addTask(title), 201);
});

app.post("/projects/:id/tasks/:task/done", async (c) => {
  await c.env.PROJECTS.getByName(c.req.param("id")).complete(Number(c.req.param("task")));
  return c.body(null, 204);
});

export default app;
