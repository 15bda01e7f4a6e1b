/**
 * A process that takes the lock of a directory (argv[2]), for the race test. It prints `ready`,
 * takes the lock when a line arrives on stdin (so its rivals, told at the same moment, start with
 * it), prints `{ ok: true }` or `{ ok: false, message }`, and exits when stdin ends, without
 * releasing the lock itself: the exit hook must.
 */
import { createInterface } from "node:readline";
import { lockDataDir } from "../../db/data-dir-lock";

const dir = process.argv[2] ?? "";
const lines = createInterface({ input: process.stdin });
const go = new Promise((resolve) => lines.once("line", resolve));
const end = new Promise((resolve) => lines.once("close", resolve));
console.log("ready");
await go;
try {
  await lockDataDir(dir, { kind: "command", label: `race child ${process.pid}` });
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  console.log(JSON.stringify({ ok: false, message: (error as Error).message }));
}
await end;
process.exit(0);
