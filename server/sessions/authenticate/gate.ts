/**
 * The gate: the one way a request's session is accepted. Every door that accepts a session calls
 * it (the tRPC context, GET /api/auth/get-session, GET /api/auth/token and POST
 * /api/auth/sign-out; docs/security.md, "Doors"), and it applies the one decision of
 * ./decision.ts to what the request presents, a session cookie or a bearer JWT:
 *
 * - the cookie's signature is verified once, with node:crypto (constant time; a previous secret's
 *   cookie is re-signed, ./session-cookie.ts), the session comes from the in-process cache
 *   (keyed by SHA-256 of the token) or from one indexed query;
 * - a bearer JWT is verified locally (./bearer.ts) and its session resolved the same way;
 * - ended sessions (expired, past the absolute lifetime, binding under `strict`) are deleted
 *   here, recorded with their reason, and their cookies cleared; a binding mismatch under
 *   `audit` is flagged once per session;
 * - Better Auth is asked only for what it must do itself: slide the expiry when due, and clear
 *   the cookies of a session that no longer exists (both with their Set-Cookie forwarded).
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session } from "../../../db/schema";
import { ErrorReason } from "../../../shared/errors";
import { EndReason, SessionEventType } from "../../../shared/session-events";
import type { Auth } from "../../auth/better-auth";
import type { SessionPolicy } from "../../env";
import type { SessionCache } from "../cache/session-cache";
import { findSessionEnd, recordSessionEvent } from "../lifecycle/events";
import type { ActivityRecorder } from "../lifecycle/last-active";
import { requestOrigin } from "../lifecycle/request-origin";
import type { SessionStore } from "../lifecycle/session-store";
import type { SessionWithUser } from "../session-with-user";
import { askBetterAuth } from "./ask-better-auth";
import { type JwtVerifier, readBearerToken } from "./bearer";
import type { BindingMismatch, SessionOrigin } from "./binding";
import { decideSession, describeMismatch, type SessionDecision } from "./decision";
import { explainEndedSession, reasonForSessionEnd } from "./explain-ended";
import { loadSession, loadSessionById } from "./lookup";
import type { SessionCookie, SessionCookieReader } from "./session-cookie";

/** How a request's session was established: the session cookie, or a bearer JWT (API clients). */
export type AuthMethod = "cookie" | "jwt";

/** A request's session and how it was established, or why there is none. */
export interface Authentication {
  auth: SessionWithUser | null;
  method: AuthMethod | null;
  /** Why there is no session; asked only when a door needs one (one indexed lookup at most). */
  explainNoSession: () => Promise<ErrorReason>;
}

export interface GateDependencies {
  db: Database;
  sessions: SessionStore;
  auth: Auth;
  cache: SessionCache;
  policy: SessionPolicy;
  /** The request's session cookie, verified once (a previous secret's re-signed). */
  readSessionCookie: SessionCookieReader;
  verifyJwt: JwtVerifier;
  activity: ActivityRecorder;
  /**
   * EMAIL_VERIFICATION=required: a session of an account whose address is not verified is
   * refused (one made before the setting, or before an email change), not only sign-in.
   */
  requireVerifiedEmail: boolean;
}

export interface SessionGate {
  /**
   * By the bearer JWT when the request carries one, else by its cookie. With a bearer token the
   * token is the only credential looked at: the cookie is ignored (not read, refreshed or
   * cleared), so there is never a doubt about which session a procedure acts on. A browser never
   * adds an Authorization header by itself, and script on another origin can only send one
   * after a CORS preflight that only allowlisted origins pass.
   */
  authenticateRequest(headers: Headers, resHeaders: Headers): Promise<Authentication>;
  /**
   * By the session cookie only. `headers` is rewritten in place to carry the cookie with the
   * current signature and without Better Auth's cookie cache, ready to be handed to Better Auth.
   */
  authenticateCookie(headers: Headers, resHeaders: Headers): Promise<Authentication>;
  /**
   * Readies a request's cookies for Better Auth without judging the session (sign-in and
   * sign-up, which replace it): Better Auth's cookie cache removed, a previous secret's session
   * cookie re-signed with the current one, in place. Returns the Set-Cookie line that hands the
   * browser the re-signed cookie, or null.
   */
  prepareCookies(headers: Headers): Promise<string | null>;
}

/** Sessions flagged for a binding mismatch by this instance: one write per session, not per request. */
const MAX_FLAGGED = 50_000;

/** End reasons whose browser holds the session's successor (see `refuseEndedToken`). */
const REPLACED_ON_THIS_BROWSER: ReadonlySet<string> = new Set([
  EndReason.REAUTHENTICATED,
  EndReason.REPLACED,
]);

const anonymous: Authentication = {
  auth: null,
  method: null,
  explainNoSession: async () => ErrorReason.SESSION_REQUIRED,
};

const refusal = (reason: ErrorReason): Authentication => ({
  auth: null,
  method: null,
  explainNoSession: async () => reason,
});

export function createSessionGate(deps: GateDependencies): SessionGate {
  const flaggedSessions = new Set<string>();
  const verifiedEnough = (found: SessionWithUser) =>
    !deps.requireVerifiedEmail || found.user.emailVerified;
  /** Carries out an `ended` decision: the session is deleted, recorded with its reason. */
  async function endForDecision(
    found: SessionWithUser,
    decision: Extract<SessionDecision, { verdict: "ended" }>,
    request: SessionOrigin,
  ) {
    const actor =
      decision.endReason === EndReason.BINDING
        ? { userId: found.user.id, sessionId: found.session.id, ...request }
        : {};
    await deps.sessions.endById(found.user.id, found.session.id, decision.endReason, actor);
  }

  /** Under `audit`: marks the session (the device list shows it) and records the first mismatch. */
  async function flagMismatch(
    found: SessionWithUser,
    mismatch: BindingMismatch,
    request: SessionOrigin,
  ) {
    if (flaggedSessions.has(found.session.id)) return;
    if (flaggedSessions.size >= MAX_FLAGGED) flaggedSessions.clear();
    flaggedSessions.add(found.session.id);
    const flagged = await deps.db
      .update(session)
      .set({ bindingMismatchAt: new Date() })
      .where(and(eq(session.id, found.session.id), isNull(session.bindingMismatchAt)))
      .returning({ id: session.id });
    if (flagged.length === 0) return;
    await recordSessionEvent(deps.db, {
      userId: found.user.id,
      sessionId: found.session.id,
      type: SessionEventType.BINDING_MISMATCH,
      reason: describeMismatch(mismatch),
      ...request,
    });
  }

  /** The cached session, or one read from the database (cached while live). */
  async function findByToken({ token, tokenHash: key }: SessionCookie, nowMs: number) {
    const cached = deps.cache.get(key, nowMs);
    if (cached) return cached;
    const generation = deps.cache.generation;
    const found = await loadSession(deps.db, token, key);
    if (found && found.session.expiresAt.getTime() > nowMs) {
      deps.cache.set(key, found, generation, nowMs);
    }
    return found;
  }

  async function findById(sessionId: string, nowMs: number) {
    const cached = deps.cache.getById(sessionId, nowMs);
    if (cached) return cached;
    const generation = deps.cache.generation;
    const found = await loadSessionById(deps.db, sessionId);
    if (found && found.session.expiresAt.getTime() > nowMs) {
      // Cookie entries are keyed by SHA-256 of the token; this one by the session id.
      deps.cache.set(`sid:${sessionId}`, found, generation, nowMs);
    }
    return found;
  }

  async function prepareCookies(headers: Headers): Promise<string | null> {
    return (await deps.readSessionCookie(headers))?.resignedCookie ?? null;
  }

  async function authenticateCookie(
    headers: Headers,
    resHeaders: Headers,
  ): Promise<Authentication> {
    const cookie = await deps.readSessionCookie(headers);
    if (!cookie) return anonymous;
    const { token } = cookie;

    const nowMs = Date.now();
    const found = await findByToken(cookie, nowMs);
    if (!found) return refuseEndedToken(token, headers, resHeaders);
    const request = requestOrigin(headers);
    const decision = decideSession(found.session, request, deps.policy, nowMs);
    if (decision.verdict === "ended") {
      await endForDecision(found, decision, request);
      await askBetterAuth(deps.auth, headers, resHeaders);
      return refusal(decision.refusal);
    }
    if (decision.bindingMismatch) await flagMismatch(found, decision.bindingMismatch, request);
    if (!verifiedEnough(found)) return refusal(ErrorReason.EMAIL_NOT_VERIFIED);
    let auth: SessionWithUser | null = found;
    if (decision.refreshDue) {
      auth = await askBetterAuth(deps.auth, headers, resHeaders);
      // Ended between our read and Better Auth's.
      if (!auth) return refuseEndedToken(token, headers, resHeaders);
    }
    if (cookie.resignedCookie) resHeaders.append("set-cookie", cookie.resignedCookie);
    await deps.activity.touch(auth.session);
    return { auth, method: "cookie", explainNoSession: anonymous.explainNoSession };
  }

  /**
   * A cookie whose session is gone (or never was). Better Auth clears its cookies, unless the
   * session was replaced by one this browser was handed (re-authentication, a new sign-in): a
   * request still under way with the old cookie (parallel requests, a double click) must not
   * clear the new cookie the browser just received.
   */
  async function refuseEndedToken(
    token: string,
    headers: Headers,
    resHeaders: Headers,
  ): Promise<Authentication> {
    const ended = await findSessionEnd(deps.db, token);
    if (!ended || !REPLACED_ON_THIS_BROWSER.has(ended.reason ?? "")) {
      await askBetterAuth(deps.auth, headers, resHeaders);
    }
    return refusal(ended ? reasonForSessionEnd(ended.reason) : ErrorReason.SESSION_REQUIRED);
  }

  async function authenticateBearer(token: string, headers: Headers): Promise<Authentication> {
    const nowMs = Date.now();
    const claims = await deps.verifyJwt(token, nowMs);
    if (!claims) return refusal(ErrorReason.TOKEN_INVALID);
    const found = await findById(claims.sessionId, nowMs);
    if (!found) {
      return { ...anonymous, explainNoSession: () => explainEndedSession(deps.db, claims) };
    }
    // We signed it, so only a leaked key could get here.
    if (found.user.id !== claims.userId) return refusal(ErrorReason.TOKEN_INVALID);
    const request = requestOrigin(headers);
    const decision = decideSession(found.session, request, deps.policy, nowMs);
    if (decision.verdict === "ended") {
      await endForDecision(found, decision, request);
      return refusal(decision.refusal);
    }
    if (decision.bindingMismatch) await flagMismatch(found, decision.bindingMismatch, request);
    if (!verifiedEnough(found)) return refusal(ErrorReason.EMAIL_NOT_VERIFIED);
    // A JWT never slides its session: only the cookie's owner (a browser) keeps it alive.
    await deps.activity.touch(found.session);
    return { auth: found, method: "jwt", explainNoSession: anonymous.explainNoSession };
  }

  return {
    prepareCookies,
    authenticateCookie,
    async authenticateRequest(headers, resHeaders) {
      const token = readBearerToken(headers);
      return token === null
        ? authenticateCookie(headers, resHeaders)
        : authenticateBearer(token, headers);
    },
  };
}
