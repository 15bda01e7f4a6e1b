/**
 * Preloaded into each server by `npm run load` (`--import`): appends `process.memoryUsage()` once a
 * second to LOAD_HEAP_PROBE_FILE. It only observes (no forced GC, no server code touched): the
 * V8 heap next to RSS tells JavaScript objects apart from native memory (the password hashing's
 * scratch, see ./memory.ts).
 */
import { appendFileSync } from "node:fs";

const file = process.env.LOAD_HEAP_PROBE_FILE;
if (file) {
  const timer = setInterval(() => {
    const { heapUsed, heapTotal, external } = process.memoryUsage();
    const line = JSON.stringify({ atMs: Date.now(), heapUsed, heapTotal, external });
    appendFileSync(file, `${line}\n`);
  }, 1000);
  timer.unref();
}
