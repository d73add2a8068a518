// Types for `env` and `exports` from "cloudflare:workers" in tests. `npx wrangler types` can generate the same
// declarations; this hand-written file keeps the project free of a generated step.
import type { Env as WorkerEnv } from "../src/index";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {}
    interface GlobalProps {
      mainModule: typeof import("../src/index");
      durableNamespaces: {% for c in classes %}"{{ c.class_name }}"{{ " | " if not loop.last }}{% endfor %};
    }
  }
}
