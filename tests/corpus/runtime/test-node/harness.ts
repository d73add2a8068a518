// One Miniflare per test file, started before its tests and disposed after them: each worker is the same module
// at its own compatibility date and flags, so a file can compare behaviour across dates and flags.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { afterAll, beforeAll } from "vitest";

/** [worker name, compatibility date, compatibility flags] */
export type WorkerSpec = [name: string, compatibilityDate: string, compatibilityFlags?: string[]];

/** Registers beforeAll/afterAll hooks and returns a getter for the running Miniflare. ``options`` is what every
 * worker shares besides its name, date and flags (durableObjects, workerLoaders, ...). */
export function useMiniflare(script: string, options: Record<string, unknown>, specs: WorkerSpec[]): () => Miniflare {
  let mf: Miniflare | undefined;
  beforeAll(async () => {
    mf = new Miniflare(
      convertV4MiniflareOptions({
        workers: specs.map(([name, compatibilityDate, compatibilityFlags = []]) => ({
          name, modules: true, script, compatibilityDate, compatibilityFlags, ...options,
        })),
      } as Parameters<typeof convertV4MiniflareOptions>[0]),
    );
    await mf.ready;
  });
  afterAll(async () => {
    await mf?.dispose();
  });
  return () => {
    if (!mf) throw new Error("Miniflare is not started yet: call the getter inside a test");
    return mf;
  };
}
