// Paired with testing-isolation-a: storage is isolated per test file.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Lab } from "../src/index";

describe("testing: isolation (file B)", () => {
  it("[testing] storage is isolated per test file: file A's write to the same object is not visible here", async () => {
    const v = await runInDurableObject(env.LAB.getByName("shared"), (_i: Lab, s: DurableObjectState) => s.storage.kv.get("from"));
    expect(v).toBeUndefined();
  });
});
