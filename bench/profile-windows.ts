/**
 * CPU profiles of bench children (BENCH_CPU_PROF_DIR) and the stretches of them that served a
 * load. A server's profile also holds its start (tsx compiling, migrations), the sign-up and the
 * idle time between rows; bench/profile-summary.ts keeps only the samples inside the recorded
 * load windows and divides by the requests served in them, so a function's cost reads in µs per
 * request and rows that served different numbers of requests compare directly.
 */
import { readFile, writeFile } from "node:fs/promises";

export function profileDir(): string | undefined {
  return process.env.BENCH_CPU_PROF_DIR || undefined;
}

export interface LoadWindow {
  /** Monotonic µs, the clock V8 stamps profile samples with. */
  fromUs: number;
  toUs: number;
  /** Requests answered in the window, warm-up included. */
  requests: number;
}

/**
 * CLOCK_MONOTONIC in µs: what `process.hrtime` reads and what V8's profiler stamps its samples
 * with on Linux, so the runner's clock lines up with a child's profile.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

let named = 0;

/** A profile name unique within the run: `d2-postgres-node24-7`. */
export function profileName(...parts: string[]): string {
  named += 1;
  return [...parts, String(named)].join("-").replace(/[^A-Za-z0-9._-]/g, "_");
}

const windowsFile = (dir: string, name: string) => `${dir}/${name}.load.json`;

/** Appends a load window to `<name>.load.json` beside the profile (a re-measured row adds one). */
export async function recordLoadWindow(name: string, window: LoadWindow): Promise<void> {
  const dir = profileDir();
  if (!dir) return;
  const windows = (await readWindows(windowsFile(dir, name))) ?? [];
  windows.push(window);
  await writeFile(windowsFile(dir, name), `${JSON.stringify(windows)}\n`);
}

/** The load windows recorded for a `.cpuprofile`, or null when it has none (not a loaded server). */
export function loadWindowsOf(profileFile: string): Promise<LoadWindow[] | null> {
  return readWindows(profileFile.replace(/\.cpuprofile$/, ".load.json"));
}

async function readWindows(file: string): Promise<LoadWindow[] | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as LoadWindow[];
  } catch {
    return null;
  }
}
