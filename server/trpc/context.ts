/**
 * The tRPC context: a pure `createContextInner` (tests build it directly) and `createContext`,
 * which resolves the session from request headers: the session cookie, or a bearer JWT (API
 * clients, ADR 0012). Response cookies (sliding refresh, sign-out, re-authentication) are
 * collected in `resHeaders` and written by the HTTP adapter.
 */
import type { Database } from "../../db/client";
import { ErrorReason } from "../../shared/errors";
import type { Auth, AuthSession } from "../auth";
import type { Config } from "../env";
import type { ActivityRecorder } from "../sessions/activity";
import { type BearerResolver, readBearerToken } from "../sessions/bearer";
import type { SessionResolver } from "../sessions/resolver";
import type { CookieResigner } from "../sessions/secret-rotation";
import type { SessionCache } from "../sessions/session-cache";
import { applySessionPolicy, explainMissingSession } from "../sessions/validation";
import { rethrowStoreUnavailable } from "./errors";

export interface AppDependencies {
  db: Database;
  auth: Auth;
  config: Config;
  activity: ActivityRecorder;
  sessionCache: SessionCache;
  resolveSession: SessionResolver;
  /** Verifies a bearer JWT locally and resolves its session through `sessionCache`. */
  resolveBearer: BearerResolver;
  /** Re-signs a cookie signed with a previous secret (BETTER_AUTH_PREVIOUS_SECRETS). */
  resignCookie: CookieResigner;
}

/** How a request's session was established: the session cookie, or a bearer JWT (API clients). */
export type AuthMethod = "cookie" | "jwt";

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

/** A request's session and how it was established, or why there is none. */
export interface Authentication {
  auth: AuthSession | null;
  method: AuthMethod | null;
  /** Why there is no session; asked only when a procedure needs one. */
  explainNoSession: () => Promise<ErrorReason>;
}

/**
 * The session of the request's cookie (signed cookie, in-process cache or one query; Better Auth
 * only to slide the expiry or clear dead cookies), with our policies applied: absolute lifetime
 * and binding.
 */
export async function authenticateCookie(
  deps: AppDependencies,
  headers: Headers,
  resHeaders: Headers,
): Promise<Authentication> {
  // From here on the cookie carries the current signature, whichever secret signed it.
  const resignedCookie = await deps.resignCookie(headers);
  const resolved = await deps.resolveSession(headers, resHeaders);
  const policyDeps = {
    db: deps.db,
    auth: deps.auth,
    policy: deps.config.session,
    secret: deps.config.secret,
  };
  const outcome = await applySessionPolicy(policyDeps, resolved, headers, resHeaders);
  if (outcome.auth) {
    if (resignedCookie) resHeaders.append("set-cookie", resignedCookie);
    await deps.activity.touch(outcome.auth.session);
    return { auth: outcome.auth, method: "cookie", explainNoSession: noExplanation };
  }
  const ended = outcome.ended;
  return {
    auth: null,
    method: null,
    explainNoSession: ended ? async () => ended : () => explainMissingSession(policyDeps, headers),
  };
}

/**
 * Authenticates a request by its bearer JWT when it carries one, else by its cookie.
 *
 * With a bearer token, the token is the only credential looked at: the cookie is ignored (not
 * read, refreshed or cleared). One credential per request means there is never a doubt about
 * which session a procedure acts on or which one `freshProcedure` judges, and a request that
 * sends a JWT is an API request, whatever else it carries. This gives a page nothing to abuse:
 * a browser never adds an Authorization header by itself, and script on another origin can only
 * send one after a CORS preflight that only allowlisted origins pass.
 */
export async function authenticateRequest(
  deps: AppDependencies,
  headers: Headers,
  resHeaders: Headers,
): Promise<Authentication> {
  const token = readBearerToken(headers);
  if (token === null) return authenticateCookie(deps, headers, resHeaders);
  const outcome = await deps.resolveBearer(token);
  if (!outcome.auth) return { auth: null, method: null, explainNoSession: outcome.explain };
  await deps.activity.touch(outcome.auth.session);
  return { auth: outcome.auth, method: "jwt", explainNoSession: noExplanation };
}

const noExplanation = async () => ErrorReason.SESSION_REQUIRED;

/** The context of one request: its session (cookie or bearer JWT) and our policies applied. */
export async function createContext(
  options: Omit<ContextInnerOptions, "auth" | "authMethod" | "explainNoSession">,
): Promise<Context> {
  const { deps, headers, resHeaders } = options;
  const { auth, method, explainNoSession } = await authenticateRequest(
    deps,
    headers,
    resHeaders,
  ).catch(rethrowStoreUnavailable);
  return createContextInner({
    ...options,
    auth,
    ...(method ? { authMethod: method } : {}),
    explainNoSession,
  });
}
