/** Small bridges between procedures and Better Auth's server API. */
import { isAPIError } from "better-auth/api";
import { eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { EndReason } from "../../shared/session-events";
import { CLIENT_IP_HEADER } from "../auth";
import type { Context } from "../trpc/context";
import { ReasonedError } from "../trpc/errors";
import { forwardSetCookies } from "./cookies";
import { type Actor, endSessionById } from "./end";
import {
  clearAttempts,
  consumeAttempt,
  passwordCheckKey,
  tooManyAttemptsMessage,
} from "./rate-limit";
import { runAsReauthentication } from "./reauthentication";

/** The signed-in user making this request, as the actor recorded on the sessions they end. */
export function requestActor(
  ctx: Pick<Context, "headers"> & { user: { id: string }; session: { id: string } },
): Actor {
  return {
    userId: ctx.user.id,
    sessionId: ctx.session.id,
    ipAddress: ctx.headers.get(CLIENT_IP_HEADER),
    userAgent: ctx.headers.get("user-agent"),
  };
}

/** Ends the session the request came with and clears its cookies (Better Auth's sign-out). */
export async function endCurrentSession(ctx: Pick<Context, "auth" | "headers" | "resHeaders">) {
  const result = await ctx.auth.api.signOut({ headers: ctx.headers, returnHeaders: true });
  forwardSetCookies(result.headers, ctx.resHeaders);
}

/**
 * Signs the user in again with `password` and replaces the session the request came with by a
 * NEW one (new token, fresh from now); the old one ends as `reauthenticated` (ASVS 7.2.4).
 * A wrong password throws UNAUTHORIZED + INVALID_PASSWORD and changes nothing.
 */
export async function replaceSessionWithPassword(
  ctx: Pick<Context, "auth" | "db" | "headers" | "resHeaders"> & {
    user: { id: string };
    session: { id: string };
  },
  password: string,
): Promise<void> {
  // The email comes from the database: the cookie cache may hold one changed minutes ago.
  const [owner] = await ctx.db
    .select({ email: user.email })
    .from(user)
    .where(eq(user.id, ctx.user.id));
  if (!owner) {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.SESSION_REQUIRED, "Sign in to continue");
  }
  // The session hook ends the old session (it came with its cookie) before the new one is
  // created, so this never trips the session limit.
  const signedIn = await runAsReauthentication(() =>
    ctx.auth.api.signInEmail({
      body: { email: owner.email, password },
      headers: ctx.headers,
      returnHeaders: true,
    }),
  ).catch(refuseWrongPassword);
  forwardSetCookies(signedIn.headers, ctx.resHeaders);
  // Whatever carried the request (a caller without the cookie), the old session ends.
  await endSessionById(
    ctx.db,
    ctx.user.id,
    ctx.session.id,
    EndReason.REAUTHENTICATED,
    requestActor(ctx),
  );
}

/** Turns Better Auth's "wrong password" answers into UNAUTHORIZED + INVALID_PASSWORD; rethrows the rest. */
export function refuseWrongPassword(error: unknown): never {
  if (
    isAPIError(error) &&
    (error.status === "UNAUTHORIZED" ||
      error.body?.code === "INVALID_PASSWORD" ||
      error.body?.code === "INVALID_EMAIL_OR_PASSWORD")
  ) {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.INVALID_PASSWORD, "Wrong password");
  }
  throw error;
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
  const decision = await consumeAttempt(ctx.db, ctx.config.rateLimit, key);
  if (!decision.allowed) {
    ctx.resHeaders.set("retry-after", String(decision.retryAfterSec));
    throw new ReasonedError(
      "TOO_MANY_REQUESTS",
      ErrorReason.RATE_LIMITED,
      tooManyAttemptsMessage(decision.retryAfterSec),
    );
  }
  const result = await check();
  await clearAttempts(ctx.db, key);
  return result;
}
