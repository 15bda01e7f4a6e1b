/** One autocannon run against a loopback URL, with its own latency samples and status accounting. */
import autocannon from "autocannon";
import { monotonicUs, recordLoadWindow } from "./profile-windows";
import { summarize } from "./stats";

export interface LoadOptions {
  url: string;
  /** Sent with every request: the session cookies and the signed-up device's User-Agent. */
  headers: Record<string, string>;
  connections: number;
  /** The measured run's length; with `until`, its upper bound. */
  durationSec: number;
  /** 0: no warm-up (the server was just loaded by the previous run). */
  warmupSec: number;
  /** Stops the measured run early when it settles (the end of a concurrent cleanup). */
  until?: Promise<unknown>;
  /** The server's CPU profile (bench/profile-windows.ts): this run's window is recorded for it. */
  profileName?: string;
}

export interface LoadResult {
  requestsPerSec: number;
  /** Seconds actually measured (shorter than asked when stopped by `until`). */
  durationSec: number;
  /** Milliseconds, from every measured response (2xx or not). */
  latencyMs: { mean: number; p50: number; p99: number };
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status code -> count over the measured run. */
  statusCodes: Record<string, number>;
  /** Non-2xx responses, errors and timeouts during the warm-up: also failures. */
  warmupFailures: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const fromUs = monotonicUs();
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    headers: options.headers,
    ...(options.warmupSec > 0
      ? { warmup: { connections: options.connections, duration: options.warmupSec } }
      : {}),
  });
  void options.until?.then(
    () => instance.stop(),
    () => instance.stop(),
  );
  // autocannon's own histogram has 1 ms resolution, too coarse for a ~1 ms hello-world; the
  // response event carries the hrtime-based duration, so percentiles are computed from that.
  const samplesMs: number[] = [];
  instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => {
    samplesMs.push(ms);
  });
  const result = await instance;
  const warmup = result.warmup;
  if (options.profileName) {
    await recordLoadWindow(options.profileName, {
      fromUs,
      toUs: monotonicUs(),
      requests: result.requests.total + (warmup?.requests.total ?? 0),
    });
  }
  return {
    requestsPerSec: result.requests.total / result.duration,
    durationSec: result.duration,
    latencyMs: summarize(samplesMs),
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]),
    ),
    warmupFailures: warmup ? warmup.non2xx + warmup.errors + warmup.timeouts : 0,
  };
}
