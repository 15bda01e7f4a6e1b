/**
 * Removing sessions that ended by time: past their idle expiry or their absolute lifetime. Nothing
 * else deletes them (Better Auth only refuses an expired session), and each row is an ended
 * session's token hash and device data that should not be kept. Deletes go through
 * `withEndCause(…, "cleanup")`, so the `session_record_end` trigger records a `cleaned_up` event
 * with reason `idle_timeout` or `absolute_timeout` for every row.
 */
import { type SQL, sql } from "drizzle-orm";
import { rowCount } from "../../../db/batches";
import type { Database, DatabaseHandle } from "../../../db/client";
import { session } from "../../../db/schema";
import { type CounterWindow, pruneAccountRateLimits } from "../../account/attempt-limit";
import { pruneLinks } from "../../account/links";
import { mailCounterWindows } from "../../account/mail-limits";
import type { Config } from "../../env";
import { pruneOutbox } from "../../mail/outbox";
import { deleteOldEvents } from "./events";
import { withEndCause } from "./session-store";

/** Sent, failed and kept mails (recipient and subject; a kept one its links too) live this long. */
export const MAIL_RETENTION_DAYS = 7;

/** Rows per delete statement: large enough to be quick, small enough to hold locks briefly. */
export const DEFAULT_CLEANUP_BATCH_SIZE = 5000;

/** An arbitrary, fixed advisory-lock key for "cleanup running" (the migration lock is 72_001_001). */
export const CLEANUP_LOCK_KEY = 72_001_002;

export interface CleanupProgress {
  /** Sessions deleted so far, over both passes. */
  deletedSoFar: number;
  /** Number of the batch that just finished, from 1. */
  batch: number;
}

export interface CleanupOptions {
  /** A session ends this long after it was created, however active it is. */
  absoluteLifetimeSec: number;
  batchSize?: number;
  /** Called after every batch that deleted something. */
  onProgress?: (progress: CleanupProgress) => void;
  /** Stops the cleanup between batches (server shutdown); what is left waits for the next run. */
  signal?: AbortSignal;
}

export interface CleanupResult {
  sessionsDeleted: number;
  /** Delete statements that ended at least one session. */
  batches: number;
  ms: number;
}

/**
 * Deletes every session past its expiry or its absolute lifetime, `batchSize` rows per statement
 * and transaction. A live session is never selected; rows another transaction holds (a refresh,
 * another instance's cleanup) are skipped rather than waited for, and picked up next time.
 */
export async function cleanupExpiredSessions(
  db: Database,
  options: CleanupOptions,
): Promise<CleanupResult> {
  const batchSize = options.batchSize ?? DEFAULT_CLEANUP_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
  }
  const startedAt = performance.now();
  // Two passes instead of one OR: each is a range scan of its own index (session_expires_at_idx,
  // session_created_at_idx), where an OR would tend to a sequential scan of the whole table.
  const passes: SQL[] = [
    sql`${session.expiresAt} <= now()`,
    sql`${session.createdAt} <= now() - make_interval(secs => ${options.absoluteLifetimeSec})`,
  ];
  let deletedSoFar = 0;
  let batch = 0;
  for (const condition of passes) {
    while (!options.signal?.aborted) {
      const deleted = await deleteBatch(db, condition, batchSize);
      if (deleted === 0) break;
      deletedSoFar += deleted;
      batch += 1;
      options.onProgress?.({ deletedSoFar, batch });
      if (deleted < batchSize) break;
    }
  }
  return {
    sessionsDeleted: deletedSoFar,
    batches: batch,
    ms: Math.round(performance.now() - startedAt),
  };
}

/**
 * One batch in its own transaction, so locks are short and the trigger's events commit with it.
 * `= any(array(…))` rather than `in (…)`: with `in`, PostgreSQL may hash-join the batch against a
 * sequential scan of the whole table once most rows match; the array keeps the delete on the
 * primary key.
 */
function deleteBatch(db: Database, condition: SQL, batchSize: number): Promise<number> {
  return withEndCause(db, "cleanup", {}, async (tx) =>
    rowCount(
      await tx.execute(sql`
        delete from ${session} where ${session.id} = any(array(
          select ${session.id} from ${session}
          where ${condition}
          limit ${batchSize}
          for update skip locked
        )) returning 1`),
    ),
  );
}

/**
 * What the server's schedule and the CLI clean with: the absolute lifetime, the event retention,
 * the per-account rate-limit window, and (for the schedule) the interval.
 */
export function cleanupPolicy(config: Pick<Config, "session" | "cleanup" | "rateLimit">) {
  return {
    absoluteLifetimeSec: config.session.absoluteLifetimeSec,
    eventRetentionDays: config.cleanup.eventRetentionDays,
    accountRateLimitWindowSec: config.rateLimit.accountWindowSec,
    counterWindows: mailCounterWindows(config.rateLimit),
    intervalSec: config.cleanup.intervalSec,
  };
}

export interface CleanupPolicy {
  absoluteLifetimeSec: number;
  /** Session events older than this are deleted. */
  eventRetentionDays: number;
  /** Per-account rate-limit counters whose window has ended are deleted too; without it they are kept. */
  accountRateLimitWindowSec?: number;
  /** Counters with a window of their own (the mail limits), kept until it has ended. */
  counterWindows?: readonly CounterWindow[];
}

/** `ms` covers the whole run, events included. */
export interface SessionCleanupReport extends CleanupResult {
  /** Activity events older than the retention period that were deleted. */
  eventsDeleted: number;
  /** Per-account rate-limit counters whose window had ended. */
  accountRateLimitsDeleted: number;
  /** Mail links expired (or used a day ago), and mails done with for longer than the retention. */
  linksDeleted: number;
  mailsDeleted: number;
}

/**
 * One full cleanup: expired sessions, then events past their retention period. Safe to run
 * beside another cleanup (rows are skipped, not fought over); the scheduler and the CLI still
 * take `CLEANUP_LOCK_KEY` so that only one instance does the work.
 */
export async function runSessionCleanup(
  handle: DatabaseHandle,
  policy: CleanupPolicy,
  options: Pick<CleanupOptions, "batchSize" | "onProgress" | "signal"> = {},
): Promise<SessionCleanupReport> {
  const startedAt = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_CLEANUP_BATCH_SIZE;
  const sessions = await cleanupExpiredSessions(handle.db, {
    absoluteLifetimeSec: policy.absoluteLifetimeSec,
    batchSize,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  const eventsDeleted = options.signal?.aborted
    ? 0
    : await deleteOldEvents(handle.db, policy.eventRetentionDays, batchSize);
  const accountRateLimitsDeleted =
    options.signal?.aborted || policy.accountRateLimitWindowSec === undefined
      ? 0
      : await pruneAccountRateLimits(
          handle.db,
          policy.accountRateLimitWindowSec,
          batchSize,
          new Date(),
          policy.counterWindows,
        );
  const linksDeleted = options.signal?.aborted ? 0 : await pruneLinks(handle.db, batchSize);
  const mailsDeleted = options.signal?.aborted
    ? 0
    : await pruneOutbox(handle.db, MAIL_RETENTION_DAYS, batchSize);
  return {
    ...sessions,
    eventsDeleted,
    accountRateLimitsDeleted,
    linksDeleted,
    mailsDeleted,
    ms: Math.round(performance.now() - startedAt),
  };
}
