/**
 * Per-account limits on password attempts, shared by every instance through the database
 * (Better Auth's own limiter is per IP and path only). Each attempt is counted BEFORE the
 * password is checked, in one atomic statement, so parallel guesses cannot slip past the limit;
 * a success clears the account's count, so only failures add up and a user who signs in often is
 * never locked out by their own sign-ins.
 */
import { eq, sql } from "drizzle-orm";
import { deleteInBatches } from "../../db/batches";
import type { Database } from "../../db/client";
import { accountRateLimit } from "../../db/schema";
import type { RateLimitPolicy } from "../env";

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSec: number };

/** Key of the sign-in attempts for an email address, however it is capitalized or padded. */
export function signInAttemptKey(email: string): string {
  return `sign-in:${email.trim().toLowerCase()}`;
}

/** Key of the password checks of a signed-in user (re-authentication, password change). */
export function passwordCheckKey(userId: string): string {
  return `password:${userId}`;
}

/** Key of a signed-in user's email-change attempts (each one can tell whether an address is taken). */
export function emailChangeKey(userId: string): string {
  return `email-change:${userId}`;
}

/**
 * Counts one attempt for `key` in a fixed window of `accountWindowSec` and says whether it may
 * go ahead (at most `accountMax` per window). A window that has ended starts again at this
 * attempt. One `insert ... on conflict do update ... returning`: atomic on PostgreSQL and PGlite.
 */
export async function consumeAttempt(
  db: Database,
  policy: RateLimitPolicy,
  key: string,
  now = new Date(),
): Promise<AttemptDecision> {
  if (!policy.enabled) return { allowed: true };
  const windowStart = new Date(now.getTime() - policy.accountWindowSec * 1000);
  const ended = sql`${accountRateLimit.windowStartedAt} <= ${windowStart.toISOString()}::timestamptz`;
  const [row] = await db
    .insert(accountRateLimit)
    .values({ key, count: 1, windowStartedAt: now })
    .onConflictDoUpdate({
      target: accountRateLimit.key,
      set: {
        count: sql`case when ${ended} then 1 else ${accountRateLimit.count} + 1 end`,
        windowStartedAt: sql`case when ${ended} then ${now.toISOString()}::timestamptz else ${accountRateLimit.windowStartedAt} end`,
      },
    })
    .returning({
      count: accountRateLimit.count,
      windowStartedAt: accountRateLimit.windowStartedAt,
    });
  if (!row || row.count <= policy.accountMax) return { allowed: true };
  const windowEndsMs = new Date(row.windowStartedAt).getTime() + policy.accountWindowSec * 1000;
  return {
    allowed: false,
    retryAfterSec: Math.max(1, Math.ceil((windowEndsMs - now.getTime()) / 1000)),
  };
}

/** Forgets the attempts of `key`: the password was right. */
export async function clearAttempts(db: Database, key: string): Promise<void> {
  await db.delete(accountRateLimit).where(eq(accountRateLimit.key, key));
}

/** Counters (by key prefix) that count in a window of their own, not the account window. */
export interface CounterWindow {
  keyPrefix: string;
  windowSec: number;
}

/**
 * Deletes the per-account counters whose window has ended: nothing else does, and an attacker
 * spraying guesses over made-up emails adds a row per email. (Better Auth prunes its own per-IP
 * `rate_limit` rows whenever a window restarts.) A deleted counter decides exactly what an ended
 * one does: the next attempt starts a new window at 1. A counter that an attempt touches while
 * this runs no longer matches when the delete reaches it, so a live window is never reset.
 * Counters listed in `ownWindows` with a longer window than `accountWindowSec` (the mail limits:
 * an hour of new-device alerts) are deleted only once that window has ended.
 * Returns the rows deleted.
 */
export async function pruneAccountRateLimits(
  db: Database,
  accountWindowSec: number,
  batchSize: number,
  now = new Date(),
  ownWindows: readonly CounterWindow[] = [],
): Promise<number> {
  const endedFor = (windowSec: number) =>
    sql`${accountRateLimit.windowStartedAt} <= ${new Date(now.getTime() - windowSec * 1000).toISOString()}::timestamptz`;
  let ended = endedFor(accountWindowSec);
  for (const own of ownWindows) {
    if (own.windowSec <= accountWindowSec) continue;
    ended = sql`${ended} and (not starts_with(${accountRateLimit.key}, ${own.keyPrefix}) or ${endedFor(own.windowSec)})`;
  }
  return deleteInBatches(db, accountRateLimit, accountRateLimit.key, ended, batchSize);
}

/** The message every refusal shows; the SPA displays it as is. */
export function tooManyAttemptsMessage(retryAfterSec: number): string {
  return `Too many attempts. Try again in ${waitFor(retryAfterSec)}.`;
}

/** "42 seconds" below two minutes, whole minutes (rounded up) from there: "15 minutes", not "900 seconds". */
function waitFor(seconds: number): string {
  if (seconds < 120) return `${seconds} ${seconds === 1 ? "second" : "seconds"}`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
