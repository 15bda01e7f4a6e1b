/**
 * The memory verdict of `npm run load`. Two measures, because RSS under this workload is noisy:
 * every password check (Better Auth's scrypt, N=16384, r=16) takes 32 MiB of native scratch
 * memory on a libuv thread, up to four at once, so RSS swings by 100 MB or more from one second
 * to the next with the sign-ins in flight.
 *
 * 1. The least-squares slope of RSS over the second half of the run (the first half includes
 *    the caches filling), with its standard error so the reader sees how well a run this short
 *    resolves it. Six 60-s runs of the same code gave slopes from -131 to +74 MB/min: RSS also
 *    wanders over tens of seconds (V8 resizing its spaces, the number of hashes in flight), so a
 *    steep slope alone is no evidence of a leak, and it does not decide on its own.
 * 2. RSS at rest before and after the window (before: after the warm-up, so JIT and heap sizing
 *    are done): sampled with no request in flight, so the scratch memory is gone and what remains
 *    is what the process kept. A leak is memory kept, so this is the measure that decides.
 *
 * Growth trend: RSS at rest grew by more than REST_GROWTH_THRESHOLD_PCT, or it grew at all AND
 * the slope is at least GROWTH_THRESHOLD_PCT_PER_MIN and two standard errors. A steep slope with
 * less memory at rest afterwards is a fluctuation: the memory was given back.
 */

import type { RssSample } from "./servers";

/**
 * Why 5 %/min (about 12 MB/min on a ~240 MB process under load): steeper than any bounded cache
 * fills, and gentle enough to matter over an hour. The slope's standard error over 30 s of this
 * noise is itself 10-15 %/min, so the two-standard-error condition is what usually binds: a
 * minute cannot see slower growth in RSS under load; measure 2 and longer runs
 * (`--duration=600`) can.
 */
export const GROWTH_THRESHOLD_PCT_PER_MIN = 5;

/**
 * Why 10 % (about 18 MB on a ~180 MB process at rest): the run legitimately fills bounded
 * structures (the session cache, at most SESSION_CACHE_MAX_ENTRIES entries; Better Auth's and
 * our per-session maps), a few MB; at rest RSS otherwise moved by -17 to +3 % between runs.
 */
export const REST_GROWTH_THRESHOLD_PCT = 10;

/** One line of ./heap-probe.ts, in seconds since the measured window started. */
export interface HeapSample {
  atSec: number;
  heapUsed: number;
}

export interface MemorySummary {
  instance: string;
  pid: number;
  samples: number;
  startMB: number;
  endMB: number;
  maxMB: number;
  /** Mean RSS over the second half. */
  secondHalfMeanMB: number;
  /** Least-squares slope over the second half, and its standard error. */
  slopeMBPerMin: number;
  slopeStdErrMBPerMin: number;
  slopePctPerMin: number;
  /** RSS with no request in flight, before the window and after the last answer. */
  restBeforeMB: number;
  restAfterMB: number;
  restGrowthPct: number;
  /** V8 heap in use (from the probe): informational, it saws with every major GC. */
  heap: { startMB: number; endMB: number; maxMB: number };
  growthTrend: boolean;
}

const MB = 1024 * 1024;

export function summarizeMemory(options: {
  instance: string;
  pid: number;
  samples: RssSample[];
  heapSamples: HeapSample[];
  durationSec: number;
  restBeforeBytes: number;
  restAfterBytes: number;
}): MemorySummary {
  const { durationSec } = options;
  const inWindow = options.samples.filter((s) => s.atSec <= durationSec + 1);
  const half = inWindow.filter((s) => s.atSec >= durationSec / 2);
  const fit = leastSquares(half.map((s) => [s.atSec, s.bytes]));
  const mean = half.reduce((sum, s) => sum + s.bytes, 0) / (half.length || 1);
  const perMinMB = (bytesPerSec: number) => (bytesPerSec * 60) / MB;
  const slopePctPerMin = mean > 0 ? ((fit.slope * 60) / mean) * 100 : 0;
  const restGrowthPct =
    ((options.restAfterBytes - options.restBeforeBytes) / (options.restBeforeBytes || 1)) * 100;
  const heap = options.heapSamples.filter((s) => s.atSec >= 0 && s.atSec <= durationSec + 1);
  return {
    instance: options.instance,
    pid: options.pid,
    samples: inWindow.length,
    startMB: (inWindow[0]?.bytes ?? 0) / MB,
    endMB: (inWindow.at(-1)?.bytes ?? 0) / MB,
    maxMB: Math.max(0, ...inWindow.map((s) => s.bytes)) / MB,
    secondHalfMeanMB: mean / MB,
    slopeMBPerMin: perMinMB(fit.slope),
    slopeStdErrMBPerMin: perMinMB(fit.stdErr),
    slopePctPerMin,
    restBeforeMB: options.restBeforeBytes / MB,
    restAfterMB: options.restAfterBytes / MB,
    restGrowthPct,
    heap: {
      startMB: (heap[0]?.heapUsed ?? 0) / MB,
      endMB: (heap.at(-1)?.heapUsed ?? 0) / MB,
      maxMB: Math.max(0, ...heap.map((s) => s.heapUsed)) / MB,
    },
    growthTrend:
      restGrowthPct > REST_GROWTH_THRESHOLD_PCT ||
      (restGrowthPct > 0 &&
        slopePctPerMin >= GROWTH_THRESHOLD_PCT_PER_MIN &&
        fit.slope >= 2 * fit.stdErr),
  };
}

/** Ordinary least squares: the slope of y over x and its standard error (0 when undefined). */
export function leastSquares(points: [number, number][]): { slope: number; stdErr: number } {
  const n = points.length;
  if (n < 3) return { slope: 0, stdErr: 0 };
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  if (variance === 0) return { slope: 0, stdErr: 0 };
  const slope = covariance / variance;
  const intercept = meanY - slope * meanX;
  const residuals = points.reduce((sum, [x, y]) => sum + (y - intercept - slope * x) ** 2, 0);
  return { slope, stdErr: Math.sqrt(residuals / (n - 2) / variance) };
}

/** Parses the probe file's JSON lines, times relative to `startedAtMs`. */
export function readHeapSamples(text: string, startedAtMs: number): HeapSample[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { atMs: number; heapUsed: number })
    .map((s) => ({ atSec: (s.atMs - startedAtMs) / 1000, heapUsed: s.heapUsed }));
}
