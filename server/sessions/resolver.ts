/**
 * Resolves the session of a request without Better Auth's per-request overhead, and without
 * weakening anything: the signed cookie is verified with node:crypto (timing-safe), the session
 * comes from the in-process cache (keyed by SHA-256 of the token) or from one indexed query, and
 * Better Auth is called only for what it must do itself: slide the expiry when due, and clear
 * the cookies of a dead session (both with their Set-Cookie forwarded).
 */
import { and, eq, gt, type SQL } from "drizzle-orm";
import type { Database } from "../../db/client";
import { session, user } from "../../db/schema";
import type { Auth, AuthSession } from "../auth";
import type { SessionPolicy } from "../env";
import { forwardSetCookies } from "./cookies";
import { hashSessionToken } from "./events";
import { isPastAbsoluteLifetime } from "./policy";
import type { SessionCache } from "./session-cache";
import { readSignedSessionToken } from "./signed-cookie";

export interface ResolverDependencies {
  db: Database;
  auth: Auth;
  cache: SessionCache;
  policy: SessionPolicy;
  /** The current secret, then those a rotation replaced (BETTER_AUTH_PREVIOUS_SECRETS). */
  secrets: readonly string[];
}

export type SessionResolver = (
  headers: Headers,
  resHeaders: Headers,
) => Promise<AuthSession | null>;

export function createSessionResolver(deps: ResolverDependencies): SessionResolver {
  let cookieName: string | null = null;
  const sessionCookieName = async () => {
    cookieName = (await deps.auth.$context).authCookies.sessionToken.name;
    return cookieName;
  };
  const expiresInMs = deps.policy.expiresInSec * 1000;
  const updateAgeMs = deps.policy.updateAgeSec * 1000;

  /** Better Auth, past its cookie cache: it slides the expiry or clears dead cookies. */
  async function askBetterAuth(headers: Headers, resHeaders: Headers) {
    const result = await deps.auth.api.getSession({
      headers,
      query: { disableCookieCache: true },
      returnHeaders: true,
    });
    forwardSetCookies(result.headers, resHeaders);
    return result.response;
  }

  return async function resolveSession(headers, resHeaders) {
    const token = readSignedSessionToken(
      headers.get("cookie"),
      // Known after the first request: no await (and no promise) on every one after it.
      cookieName ?? (await sessionCookieName()),
      deps.secrets,
    );
    if (!token) return null;
    const key = hashSessionToken(token);
    const nowMs = Date.now();
    let found = deps.cache.get(key, nowMs);
    if (!found) {
      const generation = deps.cache.generation;
      found = await loadSession(deps.db, token, nowMs);
      // Unknown, ended or expired: Better Auth clears the cookies (and deletes an expired row).
      if (!found) return askBetterAuth(headers, resHeaders);
      deps.cache.set(key, found, generation, nowMs);
    }
    const expiresAtMs = found.session.expiresAt.getTime();
    if (expiresAtMs <= nowMs) return askBetterAuth(headers, resHeaders);
    // Better Auth's rule for the sliding refresh (session/get-session); a session past its
    // absolute lifetime is not refreshed, the policy check ends it.
    const refreshDue = expiresAtMs - expiresInMs + updateAgeMs <= nowMs;
    if (refreshDue && !isPastAbsoluteLifetime(found.session.createdAt, deps.policy, nowMs)) {
      return askBetterAuth(headers, resHeaders);
    }
    return found;
  };
}

/** The columns a resolved session carries, written once for both lookups below. */
const sessionWithUser = {
  session: {
    id: session.id,
    token: session.token,
    userId: session.userId,
    expiresAt: session.expiresAt,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
  },
  user: {
    id: user.id,
    name: user.name,
    email: user.email,
    emailVerified: user.emailVerified,
    image: user.image,
    role: user.role,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  },
};

/** One indexed query: the session matching `where`, and its user. */
async function loadSessionWhere(db: Database, where: SQL): Promise<AuthSession | null> {
  const [row] = await db
    .select(sessionWithUser)
    .from(session)
    .innerJoin(user, eq(user.id, session.userId))
    .where(where)
    .limit(1);
  return row ?? null;
}

/**
 * The live session (not expired at `nowMs`) with this token, and its user (cookies). The table
 * holds the token's SHA-256 (ADR 0017); the session carries the token, as Better Auth's does.
 */
export async function loadSession(db: Database, token: string, nowMs: number) {
  const found = await loadSessionWhere(
    db,
    and(eq(session.token, hashSessionToken(token)), gt(session.expiresAt, new Date(nowMs))) as SQL,
  );
  return found && { ...found, session: { ...found.session, token } };
}

/**
 * The session with this id and its user, expired or not (JWTs, which name their session by id):
 * a JWT request ends an expired session itself, as Better Auth does for a cookie. Its `token` is
 * the stored hash: a JWT does not carry the session token.
 */
export function loadSessionById(db: Database, sessionId: string) {
  return loadSessionWhere(db, eq(session.id, sessionId));
}
