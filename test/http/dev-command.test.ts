/**
 * `npm run dev` as a developer (or an editor's stop button) runs it: once both servers answer,
 * one SIGTERM to npm stops npm, the dev script, Vite, `tsx watch` and the API server tsx started,
 * and frees both ports. The API server stops cleanly: it closes the embedded database and
 * releases its lock, rather than being killed.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../support/server-process";

const dataDir = mkdtempSync(path.join(tmpdir(), "sessions-dev-"));
const started: number[] = [];
afterAll(() => {
  // Whatever a failed run left behind is not left to the next one.
  for (const pid of started) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Live (not zombie) processes: pid -> parent pid. */
function liveProcesses(): Map<number, number> {
  const table = new Map<number, number>();
  for (const line of execFileSync("ps", ["-eo", "pid=,ppid=,stat="], { encoding: "utf8" }).split(
    "\n",
  )) {
    const [pid, ppid, stat] = line.trim().split(/\s+/);
    if (pid && ppid && stat && !stat.startsWith("Z")) table.set(Number(pid), Number(ppid));
  }
  return table;
}

/** `root` and every live process below it. */
function processTree(root: number): number[] {
  const table = liveProcesses();
  const tree = [root];
  for (let i = 0; i < tree.length; i += 1) {
    for (const [pid, ppid] of table) if (ppid === tree[i]) tree.push(pid);
  }
  return tree.filter((pid) => table.has(pid));
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => Promise<boolean> | boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return false;
}

describe("npm run dev", () => {
  it("stops Vite, tsx watch and the API server on SIGTERM", { timeout: 150_000 }, async () => {
    const [apiPort, devServerPort] = [await freePort(), await freePort()];
    const api = `http://127.0.0.1:${apiPort}/healthz`;
    const vite = `http://localhost:${devServerPort}/`;
    let output = "";
    // Its own process group, so a failure can clean up; the signal still goes to npm alone.
    const npm = spawn("npm", ["run", "dev"], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? tmpdir(),
        NODE_ENV: "development",
        PORT: String(apiPort),
        DEV_SERVER_PORT: String(devServerPort),
        DATA_DIR: dataDir,
        SESSION_CLEANUP_INTERVAL_SEC: "0",
      },
    });
    for (const stream of [npm.stdout, npm.stderr]) {
      stream.on("data", (chunk) => {
        output += chunk;
      });
    }
    const exited = new Promise((resolve) => npm.once("exit", resolve));
    if (npm.pid === undefined) throw new Error("npm did not start");
    started.push(npm.pid);

    const ready = await waitUntil(
      async () => npm.exitCode === null && (await answers(api)) && (await answers(vite)),
      120_000,
    );
    expect(ready, output).toBe(true);
    const tree = processTree(npm.pid);
    started.push(...tree);
    // npm, the dev script, tsx watch, the API server and Vite at the least.
    expect(tree.length, output).toBeGreaterThanOrEqual(5);

    const stoppingMs = performance.now();
    process.kill(npm.pid, "SIGTERM");
    await exited;
    const allGone = await waitUntil(() => {
      const live = liveProcesses();
      return tree.every((pid) => !live.has(pid));
    }, 15_000);
    const live = liveProcesses();
    expect(
      tree.filter((pid) => live.has(pid)),
      `still running after SIGTERM:\n${output}`,
    ).toEqual([]);
    expect(allGone).toBe(true);
    expect(await answers(api)).toBe(false);
    expect(await answers(vite)).toBe(false);
    expect(output).toContain("SIGTERM: closing connections");
    expect(existsSync(path.join(dataDir, "pglite", "owner.lock")), output).toBe(false);
    // Measured with the API server's graceful stop included; the script's hard limit is 8 s.
    expect(performance.now() - stoppingMs).toBeLessThan(12_000);
  });
});
