/**
 * How much CPU the rest of the machine used while a row ran (Linux /proc; null elsewhere). The
 * numbers only mean something on an otherwise idle machine, and a 2-core box shared with test
 * runs is rarely idle: this makes the disturbance visible instead of silently baked in.
 */
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";

/**
 * Cores used elsewhere during a row above which it is measured once more, and above which the
 * report calls it disturbed.
 */
export const DISTURBED_CORES = 0.25;

/** USER_HZ: the unit of /proc's CPU times on every mainstream Linux. */
const TICKS_PER_SEC = 100;

/** Busy and total jiffies over all CPUs: the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const [, ...values] = (readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "").split(/\s+/);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] =
    values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** utime + stime of one process (fields 14 and 15 of /proc/<pid>/stat); 0 once it is gone. */
function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields[0] is field 3
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * Processes whose command line contains `marker`. A PostgreSQL backend's process title names
 * its database ("postgres: 15/main: postgres sessions_bench_… 127.0.0.1(…) idle"), so the
 * backends serving the bench database are found by its name.
 */
function processesMatching(marker: string | undefined): number[] {
  if (!marker) return [];
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * Starts watching; the returned function gives the cores (0..cpu count) used meanwhile by
 * everything except `pids` (the runner, the server child) and the PostgreSQL backends of
 * `databaseName`. A backend that started or ended in between is counted as far as /proc saw it.
 */
export function watchOtherCpu(pids: number[], databaseName?: string): () => number | null {
  try {
    const startedMs = performance.now();
    const machine = machineTicks();
    const before = new Map<number, number>();
    for (const pid of [...pids, ...processesMatching(databaseName)]) {
      before.set(pid, processTicks(pid));
    }
    return () => {
      try {
        const seconds = (performance.now() - startedMs) / 1000;
        const now = machineTicks();
        const busyCores =
          ((now.busy - machine.busy) / (now.total - machine.total)) * os.cpus().length;
        const ours = new Set([...before.keys(), ...processesMatching(databaseName)]);
        let oursTicks = 0;
        for (const pid of ours) {
          const ticks = processTicks(pid);
          if (ticks > 0) oursTicks += ticks - (before.get(pid) ?? 0);
        }
        return Math.max(0, busyCores - oursTicks / TICKS_PER_SEC / seconds);
      } catch {
        return null;
      }
    };
  } catch {
    return () => null;
  }
}

/**
 * Waits until other processes use less than `thresholdCores` over a 1 s sample, for at most
 * `maxWaitMs`; returns the last sample. A test run started by someone else between two rows
 * would otherwise land in the next row's numbers.
 */
export async function waitForQuiet(
  maxWaitMs: number,
  thresholdCores = 0.2,
): Promise<number | null> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const sample = watchOtherCpu([process.pid]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const busy = sample();
    if (busy === null || busy < thresholdCores || Date.now() >= deadline) return busy;
  }
}

/**
 * Starts watching; the returned function gives the cores used meanwhile by `pids` and by the
 * processes whose command line contains `marker` (a database's PostgreSQL backends), except
 * `exclude` (bench children whose arguments name the same database). Where the time of a row
 * went: the server, the database, a concurrent job.
 */
export function watchCpuOf(
  pids: number[],
  marker?: string,
  exclude: number[] = [],
): () => number | null {
  const matching = () => processesMatching(marker).filter((pid) => !exclude.includes(pid));
  try {
    const startedMs = performance.now();
    const before = new Map<number, number>();
    for (const pid of [...pids, ...matching()]) before.set(pid, processTicks(pid));
    return () => {
      try {
        const seconds = (performance.now() - startedMs) / 1000;
        let ticks = 0;
        for (const pid of new Set([...before.keys(), ...matching()])) {
          const now = processTicks(pid);
          if (now > 0) ticks += now - (before.get(pid) ?? 0);
        }
        return ticks / TICKS_PER_SEC / seconds;
      } catch {
        return null;
      }
    };
  } catch {
    return () => null;
  }
}
