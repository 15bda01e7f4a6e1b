/**
 * What a request needs from the long-lived parts of the server, made once by the composition
 * root (./app.ts) and handed down: to the HTTP doors, the tRPC context, the procedures.
 */
import type { Database } from "../db/client";
import type { AccountMailContext } from "./account/mail-context";
import type { Auth } from "./auth/better-auth";
import type { Config } from "./env";
import type { SessionGate } from "./sessions/authenticate/gate";
import type { SessionCache } from "./sessions/cache/session-cache";
import type { SessionStore } from "./sessions/lifecycle/session-store";

export interface AppDependencies {
  db: Database;
  config: Config;
  /** The Better Auth instance (sign-up, sign-in, sign-out, refresh, JWTs). */
  auth: Auth;
  /** The one way a request's session is accepted, by every door. */
  gate: SessionGate;
  /** Ends sessions with their reason and tells every session cache. */
  sessions: SessionStore;
  /** This instance's session cache (for /healthz: is it trusted?). */
  sessionCache: SessionCache;
  /** Better Auth's cookie names: the session token, and its cookie cache (`session_data`). */
  cookieNames: { sessionToken: string; sessionData: string };
  /** The account's mail flows: reset, verification, email change, new-device alerts. */
  accountMail: AccountMailContext;
}
