/**
 * Our policies on top of the session Better Auth resolved for a request: absolute lifetime and
 * binding (issue "Session lifecycle policies"); and, when there is no session, why.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/client";
import { session } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { EndReason, SessionEventType } from "../../shared/session-events";
import { type Auth, type AuthSession, CLIENT_IP_HEADER } from "../auth";
import type { SessionPolicy } from "../env";
import { compareBinding } from "./binding";
import { endExpiredSession, endSessionById } from "./end";
import { findSessionEnd, recordSessionEvent } from "./events";
import { isPastAbsoluteLifetime } from "./policy";
import { readSignedSessionToken } from "./signed-cookie";

export interface PolicyDependencies {
  db: Database;
  auth: Auth;
  policy: SessionPolicy;
  secret: string;
}

export type PolicyOutcome =
  | { auth: AuthSession; ended: null }
  | { auth: null; ended: ErrorReason | null };

/** Sessions already flagged for a binding mismatch by this instance: one write per session, not per request. */
const flaggedSessions = new Set<string>();
const MAX_FLAGGED = 50_000;

/**
 * Applies the absolute lifetime and the binding policy to a resolved session. A session that
 * must end is deleted here (the trigger records why) and its cookies are cleared in `resHeaders`.
 */
export async function applySessionPolicy(
  deps: PolicyDependencies,
  resolved: AuthSession | null,
  headers: Headers,
  resHeaders: Headers,
): Promise<PolicyOutcome> {
  if (!resolved) return { auth: null, ended: null };
  const { session: current, user } = resolved;

  if (isPastAbsoluteLifetime(current.createdAt, deps.policy)) {
    await endExpiredSession(deps.db, current.id, EndReason.ABSOLUTE_TIMEOUT);
    await clearSessionCookies(deps.auth, headers, resHeaders);
    return { auth: null, ended: ErrorReason.SESSION_EXPIRED };
  }

  if (deps.policy.binding === "off") return { auth: resolved, ended: null };
  const request = {
    ipAddress: headers.get(CLIENT_IP_HEADER),
    userAgent: headers.get("user-agent"),
  };
  const mismatch = compareBinding(current, request);
  if (!mismatch) return { auth: resolved, ended: null };
  const what = [mismatch.network && "network", mismatch.browser && "browser"]
    .filter(Boolean)
    .join(",");

  if (deps.policy.binding === "strict") {
    await endSessionById(deps.db, user.id, current.id, EndReason.BINDING, {
      userId: user.id,
      sessionId: current.id,
      ...request,
    });
    await clearSessionCookies(deps.auth, headers, resHeaders);
    return { auth: null, ended: ErrorReason.SESSION_BINDING_MISMATCH };
  }

  // audit: flag the session (the device list shows it) and record the first mismatch.
  if (!flaggedSessions.has(current.id)) {
    if (flaggedSessions.size >= MAX_FLAGGED) flaggedSessions.clear();
    flaggedSessions.add(current.id);
    const flagged = await deps.db
      .update(session)
      .set({ bindingMismatchAt: new Date() })
      .where(and(eq(session.id, current.id), isNull(session.bindingMismatchAt)))
      .returning({ id: session.id });
    if (flagged.length > 0) {
      await recordSessionEvent(deps.db, {
        userId: user.id,
        sessionId: current.id,
        type: SessionEventType.BINDING_MISMATCH,
        reason: what,
        ...request,
      });
    }
  }
  return { auth: resolved, ended: null };
}

/**
 * Better Auth clears the session cookies when it finds no session for them: ask once more,
 * past the cookie cache, and forward its Set-Cookie.
 */
async function clearSessionCookies(auth: Auth, headers: Headers, resHeaders: Headers) {
  const result = await auth.api.getSession({
    headers,
    query: { disableCookieCache: true },
    returnHeaders: true,
  });
  for (const cookie of result.headers.getSetCookie()) resHeaders.append("set-cookie", cookie);
}

/**
 * Why a request that presented a (correctly signed) session cookie has no session: the reason
 * code the client can explain to its user. Costs one indexed lookup, only on that path.
 */
export async function explainMissingSession(
  deps: PolicyDependencies,
  headers: Headers,
): Promise<ErrorReason> {
  const { authCookies } = await deps.auth.$context;
  const token = readSignedSessionToken(
    headers.get("cookie"),
    authCookies.sessionToken.name,
    deps.secret,
  );
  if (!token) return ErrorReason.SESSION_REQUIRED;
  const ended = await findSessionEnd(deps.db, token);
  return ended ? reasonForSessionEnd(ended.reason) : ErrorReason.SESSION_REQUIRED;
}

/**
 * The reason code for a session that ended for this recorded reason (an end event's `reason`),
 * for cookies and JWTs alike.
 */
export function reasonForSessionEnd(endReason: string | null): ErrorReason {
  switch (endReason) {
    case EndReason.LIMIT:
      return ErrorReason.SESSION_EVICTED;
    case EndReason.BINDING:
      return ErrorReason.SESSION_BINDING_MISMATCH;
    case EndReason.IDLE_TIMEOUT:
    case EndReason.ABSOLUTE_TIMEOUT:
      return ErrorReason.SESSION_EXPIRED;
    case EndReason.OTHER_DEVICE:
    case EndReason.ALL:
    case EndReason.ADMIN:
    case EndReason.PASSWORD_CHANGE:
    case EndReason.PASSWORD_RESET:
    case EndReason.ACCOUNT_DELETED:
      return ErrorReason.SESSION_REVOKED;
    default:
      // Signed out, replaced or re-authenticated on this very device: nothing to explain.
      return ErrorReason.SESSION_REQUIRED;
  }
}
