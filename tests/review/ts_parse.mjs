// TypeScript's own parser as the judge of syntax: prints {absolute path: [{code, pos, text}]} for the files given.
// Uses the toolchain's `typescript` (7.x, the native compiler) through its sync API: only syntactic (parse)
// diagnostics are asked for, so missing types and libraries do not count.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

// The toolchain's node_modules folder comes in TS_NODE_MODULES (ES modules ignore NODE_PATH).
const { API } = await import(pathToFileURL(path.join(process.env.TS_NODE_MODULES, "typescript/dist/api/sync/api.js")).href);

const files = process.argv.slice(2).map((f) => path.resolve(f));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "do-expert-tsparse-"));
const config = path.join(dir, "tsconfig.json");
fs.writeFileSync(config, JSON.stringify({
  compilerOptions: { noLib: true, noResolve: true, allowJs: true, checkJs: false, jsx: "preserve", types: [], noEmit: true },
  files,
}));
const api = new API({ cwd: dir });
try {
  const project = api.updateSnapshot({ openProjects: [config] }).getProject(config);
  const out = {};
  for (const f of files) {
    out[f] = project.program.getSyntacticDiagnostics(f).map((d) => ({ code: d.code, pos: d.pos, text: d.text }));
  }
  process.stdout.write(JSON.stringify(out));
} finally {
  api.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
