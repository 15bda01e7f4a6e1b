// `npm run dev`: the API server with watch (tsx) and the Vite dev server, which proxies /api to it.
//
// Stopping (Ctrl+C, SIGTERM, or either child exiting) sends SIGTERM to each child once: Vite stops,
// and `tsx watch` relays it to the API server it started, which closes its connections and the
// embedded database. Each child runs in a process group of its own, and whatever of a group is
// still there after GRACE_MS is killed, so nothing outlives `npm run dev` holding a port or the
// database. (A SIGTERM to the whole group at once would reach the API server twice, through tsx
// and directly, and its second one ends it before the database is closed.)
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
/**
 * How long the children get to stop: the API server drains requests for up to 5 s and closes
 * the database; tsx watch kills it after 5 s of its own.
 */
const GRACE_MS = 8000;

const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? "development" };
const devServerPort = env.DEV_SERVER_PORT || "5173";
env.DEV_SERVER_PORT = devServerPort;
// The Vite dev server's origin sends the browser's requests, so Better Auth must trust it.
env.TRUSTED_ORIGINS = [env.TRUSTED_ORIGINS, `http://localhost:${devServerPort}`]
  .filter(Boolean)
  .join(",");

/**
 * A child in its own process group (`detached`), run by this Node without npx in between. Its
 * stdin is not the terminal: a background process group reading it would be stopped (SIGTTIN).
 */
const start = (args) =>
  spawn(process.execPath, args, {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
  });

const children = [
  start([bin("tsx"), "watch", "--clear-screen=false", "server/main.ts"]),
  start([bin("vite")]),
];

/** Sends `signal` to every process of the child's group; false once the group is empty. */
function signalGroup(child, signal) {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch (error) {
    if (error.code === "ESRCH") return false;
    throw error;
  }
}

let stopping = false;
/** Stops every child (then by force what is left of its group after GRACE_MS) and exits; runs once. */
async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  // Signal 0 checks whether any process of a group is left (the API server outlives tsx).
  while (children.some((child) => signalGroup(child, 0)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const child of children) signalGroup(child, "SIGKILL");
  process.exit(exitCode);
}

for (const child of children) {
  child.on("exit", (code) => stopAll(code ?? 1));
  child.on("error", (error) => {
    console.error(`Could not start ${child.spawnargs.join(" ")}: ${error.message}`);
    stopAll(1);
  });
}
process.on("SIGINT", () => stopAll(130));
process.on("SIGTERM", () => stopAll(143));
process.on("SIGHUP", () => stopAll(129));
