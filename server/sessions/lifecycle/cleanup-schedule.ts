/**
 * The in-server cleanup: `runSessionCleanup` every `intervalSec`, on at most one instance
 * at a time. Runs are chained (the next is timed when one ends), so one process never runs two at
 * once; across instances `tryExclusive` lets whoever holds the lock do it and the rest skip.
 */
import type { DatabaseHandle } from "../../../db/client";
import {
  CLEANUP_LOCK_KEY,
  type CleanupPolicy,
  runSessionCleanup,
  type SessionCleanupReport,
} from "./cleanup";

/** Without a first-run delay, every instance of a deployment would start its cleanup together. */
const FIRST_RUN_BASE_DELAY_MS = 30_000;
/** Each interval is this fraction longer or shorter, at random, so instances drift apart. */
const JITTER = 0.1;
/** setTimeout fires at once (with a warning) for longer delays than this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CleanupScheduleOptions {
  /** One line per run; never contains a token. */
  log: (line: string) => void;
  /** A run failed; the schedule goes on. */
  onError: (error: unknown) => void;
  /** Delay of the first run; default 30 s plus up to 30 s (shorter intervals: up to twice the interval). */
  firstRunDelayMs?: number;
  /** In [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export interface CleanupSchedule {
  /** No further runs; a run in progress stops after its current batch, and then this resolves. */
  stop(): Promise<void>;
}

/** Starts the periodic cleanup; `intervalSec` 0 starts nothing. Timers never keep the process alive. */
export function startCleanupSchedule(
  handle: DatabaseHandle,
  policy: CleanupPolicy & { intervalSec: number },
  options: CleanupScheduleOptions,
): CleanupSchedule {
  if (policy.intervalSec === 0) {
    options.log("Session cleanup: off in this server (SESSION_CLEANUP_INTERVAL_SEC=0)");
    return { stop: async () => {} };
  }
  const random = options.random ?? Math.random;
  const intervalMs = policy.intervalSec * 1000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const shutdown = new AbortController();

  const runOnce = async () => {
    try {
      const outcome = await handle.tryExclusive(CLEANUP_LOCK_KEY, () =>
        runSessionCleanup(handle, policy, { signal: shutdown.signal }),
      );
      options.log(
        outcome.ran
          ? describeCleanup(outcome.value)
          : "Session cleanup: skipped, another instance is running it",
      );
    } catch (error) {
      options.onError(error);
    }
  };

  const schedule = (delayMs: number) => {
    timer = setTimeout(
      () => {
        running = runOnce().finally(() => {
          running = undefined;
          if (!shutdown.signal.aborted) schedule(intervalMs * (1 - JITTER + 2 * JITTER * random()));
        });
      },
      Math.min(Math.round(delayMs), MAX_TIMER_MS),
    );
    timer.unref();
  };

  const firstBaseMs = Math.min(FIRST_RUN_BASE_DELAY_MS, intervalMs);
  schedule(options.firstRunDelayMs ?? firstBaseMs * (1 + random()));

  return {
    async stop() {
      clearTimeout(timer);
      shutdown.abort();
      await running;
    },
  };
}

/** The log line of one run: counts and duration only. */
export function describeCleanup(report: SessionCleanupReport): string {
  return (
    `Session cleanup: deleted ${report.sessionsDeleted} expired session(s), ` +
    `${report.eventsDeleted} old event(s), ${report.accountRateLimitsDeleted} ended account ` +
    `rate-limit counter(s), ${report.linksDeleted} spent mail link(s) and ` +
    `${report.mailsDeleted} old mail(s) in ${(report.ms / 1000).toFixed(1)} s`
  );
}
