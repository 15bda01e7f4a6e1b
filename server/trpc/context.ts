/**
 * The tRPC context: a pure `createContextInner` (tests build it directly) and `createContext`,
 * which asks the session gate (server/sessions/authenticate/gate.ts) for the request's session: the session
 * cookie, or a bearer JWT (API clients, ADR 0012). Response cookies (sliding refresh, sign-out,
 * re-authentication) are collected in `resHeaders` and written by the HTTP adapter.
 */
import type { Database } from "../../db/client";
import { ErrorReason } from "../../shared/errors";
import type { Auth, AuthSession } from "../auth/better-auth";
import type { Config } from "../env";
import type { AuthMethod, SessionGate } from "../sessions/authenticate/gate";
import type { CookieResigner } from "../sessions/authenticate/secret-rotation";
import type { SessionCache } from "../sessions/cache/session-cache";
import { rethrowStoreUnavailable } from "./errors";

export interface AppDependencies {
  db: Database;
  auth: Auth;
  config: Config;
  sessionCache: SessionCache;
  /** The one way a request's session is accepted, by every door. */
  gate: SessionGate;
  /** Re-signs a cookie signed with a previous secret (BETTER_AUTH_PREVIOUS_SECRETS). */
  resignCookie: CookieResigner;
}

export interface ContextInnerOptions {
  deps: AppDependencies;
  /** The request's headers (cookies, origin, user agent, client IP). */
  headers: Headers;
  /** Where procedures put headers for the response, Set-Cookie above all. */
  resHeaders: Headers;
  auth: AuthSession | null;
  /** How `auth` was established; "cookie" when not given. */
  authMethod?: AuthMethod;
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
  authMethod,
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
    /** null without a session. A JWT never satisfies `freshProcedure` (see trpc/init.ts). */
    authMethod: auth ? (authMethod ?? "cookie") : null,
    explainNoSession: explainNoSession ?? (async () => ErrorReason.SESSION_REQUIRED),
  };
}

export type Context = ReturnType<typeof createContextInner>;

/** The context of one request: its session (cookie or bearer JWT) as the gate admits it. */
export async function createContext(
  options: Omit<ContextInnerOptions, "auth" | "authMethod" | "explainNoSession">,
): Promise<Context> {
  const { deps, headers, resHeaders } = options;
  const { auth, method, explainNoSession } = await deps.gate
    .authenticateRequest(headers, resHeaders)
    .catch(rethrowStoreUnavailable);
  return createContextInner({
    ...options,
    auth,
    ...(method ? { authMethod: method } : {}),
    explainNoSession,
  });
}
