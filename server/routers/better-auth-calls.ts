/** Small bridges between procedures and Better Auth's server API. */
import { isAPIError } from "better-auth/api";
import { eq } from "drizzle-orm";
import { user } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import type { EndReason } from "../../shared/session-events";
import { runAsReauthentication } from "../auth/reauthentication";
import { askBetterAuth } from "../sessions/authenticate/ask-better-auth";
import { forwardSetCookies } from "../sessions/authenticate/cookies";
import { requestOrigin } from "../sessions/lifecycle/request-origin";
import type { Actor } from "../sessions/lifecycle/session-store";
import type { Context } from "../trpc/context";
import { ReasonedError } from "../trpc/errors";

/** The signed-in user making this request, as the actor recorded on the sessions they end. */
export function requestActor(
  ctx: Pick<Context, "headers"> & { user: { id: string }; session: { id: string } },
): Actor {
  return { userId: ctx.user.id, sessionId: ctx.session.id, ...requestOrigin(ctx.headers) };
}

/** Ends the session the request came with and clears its cookies (Better Auth's sign-out). */
export async function endCurrentSession(ctx: Pick<Context, "auth" | "headers" | "resHeaders">) {
  const result = await ctx.auth.api.signOut({ headers: ctx.headers, returnHeaders: true });
  forwardSetCookies(result.headers, ctx.resHeaders);
}

/**
 * Rewrites this device's Better Auth cookie cache (`session_data`) from the database, so it holds
 * the user as they are now (no door reads it, but it should not carry a stale copy). Cookie
 * sessions only: a bearer request's cookie is not the session it acts for.
 */
export async function refreshCookieCache(
  ctx: Pick<Context, "auth" | "authMethod" | "headers" | "resHeaders">,
) {
  if (ctx.authMethod !== "cookie") return;
  await askBetterAuth(ctx.auth, ctx.headers, ctx.resHeaders);
}

/**
 * Signs the user in again with `password` and replaces the session the request came with by a
 * NEW one (new token, fresh from now); the old one ends as `reauthenticated` (ASVS 7.2.4), and
 * with `endOthersAs` every other session of the user ends too, recorded with that reason.
 * A wrong password throws UNAUTHORIZED + INVALID_PASSWORD and changes nothing; a session that a
 * parallel request already replaced, UNAUTHORIZED + SESSION_REQUIRED. Returns how many other
 * sessions ended.
 */
export async function replaceSessionWithPassword(
  ctx: Pick<Context, "auth" | "db" | "headers" | "resHeaders"> & {
    user: { id: string };
    session: { id: string };
  },
  password: string,
  endOthersAs: EndReason | null = null,
): Promise<number> {
  // The email comes from the database: the cookie cache may hold one changed minutes ago.
  const [owner] = await ctx.db
    .select({ email: user.email })
    .from(user)
    .where(eq(user.id, ctx.user.id));
  if (!owner) {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.SESSION_REQUIRED, "Sign in to continue");
  }
  // The session hook (server/auth/better-auth.ts) ends the old session, and the others when asked, before
  // the new one is created: this never trips the session limit nor ends its own successor.
  const reauthentication = {
    sessionId: ctx.session.id,
    actor: requestActor(ctx),
    endOthersAs,
    othersEnded: 0,
  };
  const signedIn = await runAsReauthentication(reauthentication, () =>
    ctx.auth.api.signInEmail({
      body: { email: owner.email, password },
      headers: ctx.headers,
      returnHeaders: true,
    }),
  ).catch(refuseWrongPassword);
  forwardSetCookies(signedIn.headers, ctx.resHeaders);
  return reauthentication.othersEnded;
}

/**
 * Turns Better Auth's "wrong password" answers into UNAUTHORIZED + INVALID_PASSWORD, and its
 * "no session" (the session ended or was replaced while the request ran) into UNAUTHORIZED +
 * SESSION_REQUIRED; rethrows the rest.
 */
export function refuseWrongPassword(error: unknown): never {
  if (!isAPIError(error)) throw error;
  const code = error.body?.code;
  if (code === "INVALID_PASSWORD" || code === "INVALID_EMAIL_OR_PASSWORD") {
    throw new ReasonedError("UNAUTHORIZED", ErrorReason.INVALID_PASSWORD, "Wrong password");
  }
  if (error.status === "UNAUTHORIZED") {
    throw new ReasonedError(
      "UNAUTHORIZED",
      ErrorReason.SESSION_REQUIRED,
      error.body?.message ?? "Sign in to continue",
    );
  }
  throw error;
}
