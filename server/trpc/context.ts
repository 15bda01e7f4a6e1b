/**
 * The tRPC context: a pure `createContextInner` (tests build it directly) and `createContext`,
 * which resolves the session from request headers. Response cookies (sliding refresh, sign-out,
 * re-authentication) are collected in `resHeaders` and written by the HTTP adapter.
 */
import type { Database } from "../../db/client";
import { ErrorReason } from "../../shared/errors";
import type { Auth, AuthSession } from "../auth";
import type { Config } from "../env";
import type { ActivityRecorder } from "../sessions/activity";
import type { SessionResolver } from "../sessions/resolver";
import type { SessionCache } from "../sessions/session-cache";
import { applySessionPolicy, explainMissingSession } from "../sessions/validation";

export interface AppDependencies {
  db: Database;
  auth: Auth;
  config: Config;
  activity: ActivityRecorder;
  sessionCache: SessionCache;
  resolveSession: SessionResolver;
}

export interface ContextInnerOptions {
  deps: AppDependencies;
  /** The request's headers (cookies, origin, user agent, client IP). */
  headers: Headers;
  /** Where procedures put headers for the response, Set-Cookie above all. */
  resHeaders: Headers;
  auth: AuthSession | null;
  /**
   * Why there is no session, for the UNAUTHORIZED error (evicted, revoked, expired, ...).
   * Asked only when a procedure needs a session and there is none.
   */
  explainNoSession?: () => Promise<ErrorReason>;
}

export function createContextInner({
  deps,
  headers,
  resHeaders,
  auth,
  explainNoSession,
}: ContextInnerOptions) {
  return {
    db: deps.db,
    auth: deps.auth,
    config: deps.config,
    headers,
    resHeaders,
    session: auth?.session ?? null,
    user: auth?.user ?? null,
    explainNoSession: explainNoSession ?? (async () => ErrorReason.SESSION_REQUIRED),
  };
}

export type Context = ReturnType<typeof createContextInner>;

/**
 * Resolves the session (signed cookie, in-process cache or one query; Better Auth only to slide
 * the expiry or clear dead cookies), then applies our policies: absolute lifetime and binding.
 */
export async function createContext(
  options: Omit<ContextInnerOptions, "auth" | "explainNoSession">,
): Promise<Context> {
  const { deps, headers, resHeaders } = options;
  const resolved = await deps.resolveSession(headers, resHeaders);
  const policyDeps = {
    db: deps.db,
    auth: deps.auth,
    policy: deps.config.session,
    secret: deps.config.secret,
  };
  const outcome = await applySessionPolicy(policyDeps, resolved, headers, resHeaders);
  if (outcome.auth) await deps.activity.touch(outcome.auth.session);
  const ended = outcome.ended;
  return createContextInner({
    ...options,
    auth: outcome.auth,
    explainNoSession: ended ? async () => ended : () => explainMissingSession(policyDeps, headers),
  });
}
