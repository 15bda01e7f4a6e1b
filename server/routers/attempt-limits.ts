/** The per-account attempt limit (../account/attempt-limit.ts) as procedures apply it. */
import { ErrorReason } from "../../shared/errors";
import {
  type AttemptDecision,
  clearAttempts,
  consumeAttempt,
  passwordCheckKey,
  tooManyAttemptsMessage,
} from "../account/attempt-limit";
import type { Context } from "../trpc/context";
import { ReasonedError } from "../trpc/errors";

/**
 * Counts one attempt for `key` under the per-account limit; over it: 429 TOO_MANY_REQUESTS +
 * RATE_LIMITED with a `Retry-After` header.
 */
export async function consumeAttemptOrRefuse(
  ctx: Pick<Context, "db" | "config" | "resHeaders">,
  key: string,
): Promise<void> {
  refuseOverLimit(ctx, await consumeAttempt(ctx.db, ctx.config.rateLimit, key));
}

/** A limit's refusal: 429 TOO_MANY_REQUESTS + RATE_LIMITED with a `Retry-After` header. */
export function refuseOverLimit(ctx: Pick<Context, "resHeaders">, decision: AttemptDecision) {
  if (decision.allowed) return;
  ctx.resHeaders.set("retry-after", String(decision.retryAfterSec));
  throw new ReasonedError(
    "TOO_MANY_REQUESTS",
    ErrorReason.RATE_LIMITED,
    tooManyAttemptsMessage(decision.retryAfterSec),
  );
}

/**
 * Runs a check of the signed-in user's password under the per-account limit (by user id, from
 * any IP): the attempt is counted first, a success clears the count. Over the limit: 429
 * TOO_MANY_REQUESTS + RATE_LIMITED with a `Retry-After` header, and the password is not checked.
 */
export async function withPasswordAttemptLimit<T>(
  ctx: Pick<Context, "db" | "config" | "resHeaders"> & { user: { id: string } },
  check: () => Promise<T>,
): Promise<T> {
  const key = passwordCheckKey(ctx.user.id);
  await consumeAttemptOrRefuse(ctx, key);
  const result = await check();
  await clearAttempts(ctx.db, key);
  return result;
}
