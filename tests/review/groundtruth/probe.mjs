// Start each ground-truth project with wrangler's own dev server (workerd, config read by wrangler), call its
// Worker once and print one JSON line per project: {dir, status, body}. Used by test_review_ground_truth.py.
import { unstable_startWorker } from "wrangler";

for (const dir of process.argv.slice(2)) {
  process.chdir(dir);
  let result;
  try {
    const worker = await unstable_startWorker({
      config: "wrangler.jsonc",
      dev: { server: { port: 0 }, inspector: false, persist: false, logLevel: "none" },
    });
    try {
      await worker.ready;
      const res = await worker.fetch("http://localhost/");
      result = { dir, status: res.status, body: (await res.text()).slice(0, 500) };
    } finally {
      await worker.dispose();
    }
  } catch (err) {
    result = { dir, status: -1, body: String(err).slice(0, 500) };
  }
  console.log(JSON.stringify(result));
}
