import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Four projects:
// - "current": the Worker in wrangler.jsonc (declarative `exports`, compatibility date 2026-11-01), run inside workerd;
// - "legacy":  the same code with wrangler.legacy.jsonc (`migrations`, compatibility date 2026-01-15);
// - "agents":  Agents SDK and PartyServer classes (src/agents.ts, wrangler.agents.jsonc, nodejs_compat);
// - "miniflare": Node-side tests that start workerd through Miniflare, for behaviour the plugin hides
//   (it wraps every class with an alarm() method, and runDurableObjectAlarm() never retries).
export default defineConfig({
  cacheDir: ".vite-cache",
  test: {
    projects: [
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        test: { name: "current", include: ["test/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.legacy.jsonc" } })],
        test: { name: "legacy", include: ["test-legacy/**/*.test.ts"], testTimeout: 20_000 },
      },
      {
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.agents.jsonc" } })],
        // groupOrder 1: runs after the other projects, so bundling the SDK does not load the CPU while their
        // real-time alarm checks run
        test: { name: "agents", include: ["test-agents/**/*.test.ts"], testTimeout: 20_000, sequence: { groupOrder: 1 } },
      },
      {
        test: { name: "miniflare", include: ["test-node/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 60_000 },
      },
    ],
  },
});
