import { env, exports } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inResidency, projectStub, tenantStub, type Tenant, type TenantProject } from "../src/index";
import { fresh } from "./helpers";

describe("tenant and projects over RPC", () => {
  it("creates a child project and keeps the index current as the child reports", async () => {
    const name = fresh("acme");
    const tenant = tenantStub(env, name, "global");
    expect(await tenant.register(name, "global", "Acme")).toEqual({ tenant: name, residency: "global", created: true });
    expect(await tenant.register(name, "global", "Other")).toMatchObject({ created: false });

    const created = await tenant.createProject("Launch");
    const project = projectStub(env, name, created.id, "global");
    const first = await project.addTask("write docs");
    await project.addTask("ship");
    expect(await tenant.listProjects()).toEqual([{ id: created.id, title: "Launch", openTasks: 2 }]);

    expect(await project.completeTask(first)).toBe(true);
    expect(await project.completeTask(first)).toBe(false);
    expect((await tenant.listProjects())[0].openTasks).toBe(1);
  });

  it("keeps tenants apart: each has its own database", async () => {
    const a = fresh("a");
    const b = fresh("b");
    await tenantStub(env, a, "global").register(a, "global", "A");
    await tenantStub(env, b, "global").register(b, "global", "B");
    await tenantStub(env, a, "global").createProject("only in a");
    expect(await tenantStub(env, b, "global").listProjects()).toEqual([]);
  });

  it("refuses to create projects for an unregistered tenant", async () => {
    const stub = tenantStub(env, fresh("ghost"), "global");
    expect(await stub.profile()).toBeNull();
    const err = await runInDurableObject(stub, async (instance: Tenant) => {
      try {
        await instance.createProject("x");
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(err).toBe("tenant is not registered");
  });
});

describe("storage", () => {
  it("migrates parent and child schemas independently", async () => {
    const name = fresh("mig");
    const tenant = tenantStub(env, name, "global");
    await tenant.register(name, "global", "Mig");
    const { id } = await tenant.createProject("p");
    const parentVersions = await runInDurableObject(tenant, (_i: Tenant, state) =>
      state.storage.sql.exec("SELECT name FROM _sql_schema_migrations").toArray(),
    );
    const childVersions = await runInDurableObject(projectStub(env, name, id, "global"), (_i: TenantProject, state) =>
      state.storage.sql.exec("SELECT name FROM _sql_schema_migrations").toArray(),
    );
    expect(parentVersions).toEqual([{ name: "create tenant tables" }]);
    expect(childVersions).toEqual([{ name: "create tasks" }]);
  });

  it("a child still finds its parent after eviction", async () => {
    const name = fresh("evict");
    const tenant = tenantStub(env, name, "global");
    await tenant.register(name, "global", "Evict");
    const { id } = await tenant.createProject("p");
    const project = projectStub(env, name, id, "global");
    await project.addTask("before");
    await evictDurableObject(project);
    await project.addTask("after");
    expect((await tenant.listProjects())[0].openTasks).toBe(2);
    expect(await tenant.usageBytes()).toBeGreaterThan(0);
  });
});

describe("HTTP API and residency", () => {
  it("registers, creates projects and tasks through the Worker", async () => {
    const base = `https://example.com/tenants/${fresh("web")}`;
    expect((await exports.default.fetch(base, { method: "PUT", body: JSON.stringify({ displayName: "Web" }) })).status).toBe(201);
    const res = await exports.default.fetch(`${base}/projects`, { method: "POST", body: JSON.stringify({ title: "Site" }) });
    expect(res.status).toBe(201);
    const { id } = await res.json<{ id: string }>();
    const task = await exports.default.fetch(`${base}/projects/${id}/tasks`, { method: "POST", body: JSON.stringify({ title: "t" }) });
    expect(task.status).toBe(201);
    expect(await (await exports.default.fetch(`${base}/projects`)).json()).toEqual([{ id, title: "Site", openTasks: 1 }]);
    expect((await exports.default.fetch("https://example.com/tenants/nobody-here/projects")).status).toBe(404);
  });

  it("routes global tenants without a jurisdiction; EU tenants need a deployed preview to test", async () => {
    expect(inResidency(env.TENANT, "global")).toBe(env.TENANT);
    // Local workerd (vitest, wrangler dev) does not implement jurisdictions: the call fails with this message.
    // Test EU/FedRAMP tenants against a deployed preview; the routing code above is the same.
    let message = "no error";
    try {
      await tenantStub(env, fresh("resident"), "eu").profile();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Jurisdiction restrictions are not implemented in workerd/);
  });
});
