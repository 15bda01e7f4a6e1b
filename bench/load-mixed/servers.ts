/**
 * The real production server (`node --import tsx server/main.ts`) as child processes for
 * `npm run load`, and the memory sampler. The child is node itself (tsx is a loader, not a
 * wrapper process), so its pid is the pid whose RSS is measured.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const HEAP_PROBE = fileURLToPath(new URL("./heap-probe.ts", import.meta.url));

export interface Instance {
  name: string;
  url: string;
  pid: number;
  heapProbeFile: string;
  child: ChildProcess;
  /** Everything the server wrote (JSON log lines), for the report when something fails. */
  output(): string;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

export interface InstanceSettings {
  name: string;
  port: number;
  databaseUrl: string;
  /** Comma-separated extra origins (the other instance's). */
  trustedOrigins: string;
  /** Overrides and additions to the environment below. */
  env: Record<string, string>;
  /** Where ./heap-probe.ts appends the process's memory usage every second. */
  heapProbeFile: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts one instance and waits until /healthz answers (30 s at most): with LOG_LEVEL=warn the
 * "Listening on" line is not logged.
 */
export async function startInstance(settings: InstanceSettings): Promise<Instance> {
  const url = `http://127.0.0.1:${settings.port}`;
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", HEAP_PROBE, "server/main.ts"],
    {
      env: {
        PATH: process.env.PATH ?? "",
        HOST: "127.0.0.1",
        PORT: String(settings.port),
        BASE_URL: url,
        DATABASE_URL: settings.databaseUrl,
        TRUSTED_ORIGINS: settings.trustedOrigins,
        SESSION_CLEANUP_INTERVAL_SEC: "0",
        LOAD_HEAP_PROBE_FILE: settings.heapProbeFile,
        ...settings.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  // Keep the start and the last part: a 60 s run at info level is small, but never unbounded.
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(0, 200_000) + output.slice(-1_000_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const instance: Instance = {
    name: settings.name,
    url,
    pid: child.pid ?? 0,
    heapProbeFile: settings.heapProbeFile,
    child,
    output: () => output,
    exited,
  };
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) break;
    const healthy = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return instance;
    await sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`instance ${settings.name} did not start:\n${output.slice(-4000)}`);
}

/** SIGTERM (the server's clean stop), SIGKILL after 10 s. */
export async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill("SIGTERM");
  const force = setTimeout(() => instance.child.kill("SIGKILL"), 10_000);
  await instance.exited;
  clearTimeout(force);
}

/** Resident set size of a process in bytes (VmRSS), or null once it is gone. */
export function readRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSample {
  /** Seconds since the measured window started. */
  atSec: number;
  bytes: number;
}

/** Samples each pid's RSS every `intervalMs` until `stop()`; returns the series per pid. */
export function sampleRss(pids: number[], startedAtMs: number, intervalMs = 1000) {
  const series = new Map<number, RssSample[]>(pids.map((pid) => [pid, []]));
  const take = () => {
    const atSec = (Date.now() - startedAtMs) / 1000;
    for (const pid of pids) {
      const bytes = readRssBytes(pid);
      if (bytes !== null) series.get(pid)?.push({ atSec, bytes });
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop(): Map<number, RssSample[]> {
      clearInterval(timer);
      take();
      return series;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
