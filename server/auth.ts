/**
 * The one Better Auth instance and its session policy. See docs/decisions/ for why the cookie
 * cache is confirmed against the database and why most of Better Auth's endpoints are not exposed.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createAuthMiddleware } from "better-auth/api";
import type { Database } from "../db/client";
import * as schema from "../db/schema";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../shared/schemas";
import type { Config } from "./env";
import type { SessionLiveness } from "./sessions/liveness";

/** The header our HTTP layer overwrites with the real client address (never trusted from outside). */
export const CLIENT_IP_HEADER = "x-session-client-ip";

/** Version stamped into a cookie cache entry; a dead session yields a different one, so the cache is refused. */
const LIVE = "live";
const ENDED = "ended";

export interface AuthDependencies {
  db: Database;
  config: Config;
  liveness: SessionLiveness;
}

const SIGN_IN_PATHS = new Set(["/sign-in/email", "/sign-up/email"]);

const afterSignIn = createAuthMiddleware(async (ctx) => {
  if (!SIGN_IN_PATHS.has(ctx.path)) return;
  const created = ctx.context.newSession;
  if (!created) return;
  // ASVS 7.2.4: signing in from a browser that still holds a session ends that old session,
  // so one browser never keeps two live tokens.
  const previousToken = await ctx.getSignedCookie(
    ctx.context.authCookies.sessionToken.name,
    ctx.context.secret,
  );
  if (previousToken && previousToken !== created.session.token) {
    await ctx.context.internalAdapter.deleteSession(previousToken);
  }
  // The session token lives in an HttpOnly cookie; JavaScript never gets a copy of it.
  const returned = ctx.context.returned;
  if (returned && typeof returned === "object" && "token" in returned) {
    return ctx.json({ ...returned, token: null });
  }
});

export function createAuth({ db, config, liveness }: AuthDependencies) {
  const secure = config.isProduction || config.baseUrl.startsWith("https://");
  return betterAuth({
    appName: "Typed Sessions",
    baseURL: config.baseUrl,
    basePath: "/api/auth",
    secret: config.secret,
    trustedOrigins: config.trustedOrigins,
    telemetry: { enabled: false },
    database: drizzleAdapter(db, { provider: "pg", schema }),
    emailAndPassword: {
      enabled: true,
      autoSignIn: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
    },
    session: {
      expiresIn: config.session.expiresInSec,
      updateAge: config.session.updateAgeSec,
      freshAge: config.session.freshAgeSec,
      cookieCache: {
        enabled: true,
        maxAge: config.session.cookieCacheMaxAgeSec,
        strategy: "compact",
        // Called when the cache is written and on every cache hit: a revoked, signed-out or
        // evicted session no longer matches, so Better Auth falls back to the database, finds
        // nothing and clears the cookies. This closes the cookie cache's revocation window.
        version: async (cached) => ((await liveness.isLive(cached.id)) ? LIVE : ENDED),
      },
    },
    advanced: {
      cookiePrefix: config.cookiePrefix,
      useSecureCookies: secure,
      ...(config.cookieDomain
        ? { crossSubDomainCookies: { enabled: true, domain: config.cookieDomain } }
        : {}),
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    hooks: { after: afterSignIn },
  });
}

export type Auth = ReturnType<typeof createAuth>;
export type AuthSession = Auth["$Infer"]["Session"];
