// Tests run inside workerd through @cloudflare/vitest-plugin; bindings, classes and the compatibility date come
// from wrangler.jsonc, so the tests see exactly what production sees.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  cacheDir: ".vite-cache",
  plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
  test: { include: ["test/**/*.test.ts"] },
});
