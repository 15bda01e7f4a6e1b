/**
 * The tRPC context of one request: the app's dependencies, the request's headers, and its session
 * as the session gate (server/sessions/authenticate/gate.ts) admits it, from the session cookie or
 * a bearer JWT (API clients, ADR 0012). Response cookies (sliding refresh, sign-out,
 * re-authentication) are collected in `resHeaders` and written by the HTTP adapter.
 */
import type { AppDependencies } from "../dependencies";
import { rethrowStoreUnavailable } from "./errors";

export interface ContextOptions {
  deps: AppDependencies;
  /** The request's headers (cookies, origin, user agent, client IP). */
  headers: Headers;
  /** Where procedures put headers for the response, Set-Cookie above all. */
  resHeaders: Headers;
}

export async function createContext({ deps, headers, resHeaders }: ContextOptions) {
  const { auth, method, explainNoSession } = await deps.gate
    .authenticateRequest(headers, resHeaders)
    .catch(rethrowStoreUnavailable);
  return {
    db: deps.db,
    auth: deps.auth,
    config: deps.config,
    sessions: deps.sessions,
    accountMail: deps.accountMail,
    headers,
    resHeaders,
    session: auth?.session ?? null,
    user: auth?.user ?? null,
    /** null without a session. A JWT never satisfies `freshProcedure` (see trpc/init.ts). */
    authMethod: method,
    /**
     * Why there is no session, for the UNAUTHORIZED error (evicted, revoked, expired, ...).
     * Asked only when a procedure needs a session and there is none (one indexed lookup at most).
     */
    explainNoSession,
  };
}

export type Context = Awaited<ReturnType<typeof createContext>>;
