// Location hints and jurisdictions added to the docs in 2026 (namespace-and-stubs): what local workerd does with them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorOf, fresh } from "./helpers";

describe("location hints and jurisdictions locally", () => {
  it("[namespace-and-stubs] get() and getByName() accept the apac-ne and apac-se hints; the object answers", async () => {
    const ne = fresh("hint-ne");
    const se = fresh("hint-se");
    expect((await env.LAB.getByName(ne, { locationHint: "apac-ne" }).whoami()).name).toBe(ne);
    expect((await env.LAB.get(env.LAB.idFromName(se), { locationHint: "apac-se" }).whoami()).name).toBe(se);
  });

  it("[namespace-and-stubs] jurisdiction(\"us\") throws locally like every jurisdiction", () => {
    expect(errorOf(() => env.LAB.jurisdiction("us"))).toContain("Jurisdiction restrictions are not implemented in workerd");
  });
});
