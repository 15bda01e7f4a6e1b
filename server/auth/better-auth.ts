/**
 * The one Better Auth instance and its session policy. See docs/decisions/ for why the cookie
 * cache is confirmed against the database and why most of Better Auth's endpoints are not exposed.
 */
import { createHash } from "node:crypto";
import { type BetterAuthPlugin, betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware, isAPIError } from "better-auth/api";
import { jwt } from "better-auth/plugins/jwt";
import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import * as schema from "../../db/schema";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../shared/api-limits";
import { ErrorReason } from "../../shared/errors";
import { emailSchema, nameSchema } from "../../shared/schemas";
import { EndReason, SessionEventType } from "../../shared/session-events";
import {
  clearAttempts,
  consumeAttempt,
  signInAttemptKey,
  tooManyAttemptsMessage,
} from "../account/attempt-limit";
import { noteSignUpForExistingAccount, sendVerificationLink } from "../account/email-verification";
import type { AccountMailContext } from "../account/mail-context";
import { noteSignIn } from "../account/new-device-alert";
import { followReplacedSession } from "../account/reported-session";
import type { Config } from "../env";
import { logger, serializeError } from "../logger";
import { decideSession } from "../sessions/authenticate/decision";
import type { SessionLiveness } from "../sessions/cache/liveness";
import { recordSessionEvent } from "../sessions/lifecycle/events";
import { CLIENT_IP_HEADER, requestOrigin } from "../sessions/lifecycle/request-origin";
import type { SessionStore } from "../sessions/lifecycle/session-store";
import { hashSessionToken } from "../sessions/token-hash";
import { hashSessionTokensAtRest } from "./hashed-tokens";
import { currentReauthentication, isReauthentication } from "./reauthentication";

/**
 * Better Auth's versioned `secrets` (what it encrypts, such as the JWT signing key): the current
 * secret first, then the previous ones. A version must name the same secret across restarts and
 * rotations, so it is derived from the secret (31 bits of its SHA-256), not from its position.
 */
export function betterAuthSecrets(secrets: Config["secrets"]) {
  return [secrets.current, ...secrets.previous].map((value) => ({
    version: createHash("sha256").update(value).digest().readUInt32BE(0) >>> 1,
    value,
  }));
}

/** Version stamped into a cookie cache entry; a dead session yields a different one, so the cache is refused. */
const LIVE = "live";
const ENDED = "ended";

export interface AuthDependencies {
  db: Database;
  config: Config;
  /** Ends sessions (with their reason) and tells every session cache. */
  sessions: SessionStore;
  liveness: SessionLiveness;
  /** The account's mails: verification at sign-up, new-device alerts at sign-in. */
  accountMail: AccountMailContext;
}

const SIGN_IN_PATHS = new Set(["/sign-in/email", "/sign-up/email"]);

/**
 * The Better Auth endpoints our HTTP layer hands to Better Auth's router (server/http/auth-door.ts).
 * GET /api/auth/get-session and /api/auth/token are answered by our own handlers after the
 * session gate, which call Better Auth's server API directly; every other endpoint is closed, and
 * CLOSED_AUTH_ENDPOINTS (server/http/auth-door.ts) names what replaces each.
 */
export const ROUTED_AUTH_PATHS: ReadonlySet<string> = new Set([
  "/sign-up/email",
  "/sign-in/email",
  "/sign-out",
  "/ok",
  "/error",
  "/jwks",
]);

/** The paths of the instance's endpoints that are not routed (a Better Auth upgrade's new ones too). */
export function closedEndpointPaths(api: Record<string, unknown>): string[] {
  return Object.values(api)
    .map((endpoint) => (endpoint as { path?: unknown }).path)
    .filter((path): path is string => typeof path === "string" && !ROUTED_AUTH_PATHS.has(path));
}

/**
 * Holds a name Better Auth is about to store to the shared rule (`nameSchema`, the one
 * `account.changeName` uses), and stores it trimmed as that procedure does. Better Auth bounds the
 * password but not the name; NUL would make the insert fail and Better Auth log an error.
 */
function fitName<T extends { name?: unknown }>(changes: T): { data: T } | undefined {
  if (changes.name === undefined) return undefined;
  const parsed = nameSchema.safeParse(changes.name);
  if (!parsed.success) {
    throw new APIError("BAD_REQUEST", {
      code: "INVALID_NAME",
      message: parsed.error.issues[0]?.message ?? "Choose another name",
    });
  }
  return { data: { ...changes, name: parsed.data } };
}

/**
 * Why Better Auth is deleting this session: it expired (which way, by the one decision of
 * sessions/decision.ts), or it is a sign-out.
 */
function endReasonAtDeletion(
  doomed: { createdAt: Date; expiresAt: Date },
  policy: Config["session"],
) {
  // Binding plays no part here: the request is the deleting one, whatever it is.
  const decision = decideSession(doomed, {}, { ...policy, binding: "off" }, Date.now());
  return decision.verdict === "ended" ? decision.endReason : EndReason.SIGN_OUT;
}

/**
 * Better Auth's log lines, minus one: with the limit policy `deny`, the session trigger skipping
 * an insert makes Better Auth log "Failed to create session" as an error, although it is the
 * refusal working as designed (reported to the client as SESSION_LIMIT_REACHED). A request
 * from an origin that is not trusted is the client's mistake, not the server's: a warning, as
 * its 403 is.
 */
function logBetterAuth(
  logged: "info" | "warn" | "error" | "debug",
  message: string,
  ...args: unknown[]
) {
  if (message === "Failed to create session") return;
  const level = logged === "error" && message.startsWith("Invalid origin") ? "warn" : logged;
  // Errors keep only their scrubbed message and code; other arguments pass the logger's redaction.
  const detail = args.map((arg) => (arg instanceof Error ? serializeError(arg) : arg));
  logger[level](detail.length > 0 ? { detail } : {}, `[Better Auth] ${message}`);
}

/** Better Auth filters before calling `log`: let through what LOG_LEVEL asks for. */
function betterAuthLogLevel() {
  if (logger.isLevelEnabled("debug")) return "debug";
  if (logger.isLevelEnabled("info")) return "info";
  return logger.isLevelEnabled("warn") ? "warn" : "error";
}

const devices = (count: number) => (count === 1 ? "1 device" : `${count} devices`);

/** The refusal of a request over a rate limit: 429, `TOO_MANY_REQUESTS`, `Retry-After` in seconds. */
export function tooManyRequests(retryAfterSec: number): APIError {
  return new APIError(
    "TOO_MANY_REQUESTS",
    { code: "TOO_MANY_REQUESTS", message: tooManyAttemptsMessage(retryAfterSec) },
    { "Retry-After": String(retryAfterSec) },
  );
}

const SIGN_IN_PATH = "/sign-in/email";

/** The email a sign-in is for, when the body has one. */
function signInEmail(body: unknown): string | null {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" ? email : null;
}

/**
 * Per-account limit on sign-in attempts (Better Auth's limiter counts per IP only): counted
 * before the password is checked, whatever IP the attempt comes from. Re-authentication is
 * limited by user id in its procedure instead.
 */
function createBeforeSignIn(db: Database, config: Config) {
  return createAuthMiddleware(async (ctx) => {
    if (ctx.path !== SIGN_IN_PATH || isReauthentication()) return;
    const email = signInEmail(ctx.body);
    if (email === null) return;
    // This hook runs before Better Auth validates the body: a value that is no email (a NUL, 4 KB)
    // must not reach the counter's key column, nor be counted.
    if (!emailSchema.safeParse(email).success) {
      throw new APIError("BAD_REQUEST", {
        code: "INVALID_EMAIL",
        message: "Enter a valid email address",
      });
    }
    const decision = await consumeAttempt(db, config.rateLimit, signInAttemptKey(email));
    if (!decision.allowed) throw tooManyRequests(decision.retryAfterSec);
  });
}

function createAfterSignIn(db: Database, config: Config) {
  return createAuthMiddleware(async (ctx) => {
    if (!SIGN_IN_PATHS.has(ctx.path)) return;
    const returned = ctx.context.returned;
    // A successful sign-in clears the account's failed attempts.
    if (ctx.path === SIGN_IN_PATH && !isReauthentication() && !isAPIError(returned) && returned) {
      const email = signInEmail(ctx.body);
      if (email !== null) await clearAttempts(db, signInAttemptKey(email));
    }
    // The session_before_insert trigger skipped the insert: policy `deny` and the limit reached.
    if (isAPIError(returned) && returned.body?.code === "FAILED_TO_CREATE_SESSION") {
      throw new APIError("FORBIDDEN", {
        code: ErrorReason.SESSION_LIMIT_REACHED,
        message: `You are signed in on ${devices(config.session.maxPerUser)}, the most allowed. Sign out on one of them first.`,
      });
    }
    // The session token lives in an HttpOnly cookie; JavaScript never gets a copy of it.
    if (returned && typeof returned === "object" && "token" in returned) {
      return ctx.json({ ...returned, token: null });
    }
  });
}

export function createAuth({ db, config, sessions, liveness, accountMail }: AuthDependencies) {
  /** The session a sign-in replaced in the same browser, from the insert's `before` hook to its `after`. */
  const replacedIn = new WeakMap<object, { id: string; userId: string }>();
  const secure = config.isProduction || config.http.baseUrl.startsWith("https://");
  // Filled below from the instance's own endpoints; Better Auth reads it on every request.
  const disabledPaths: string[] = [];
  const auth = betterAuth({
    appName: "Typed Sessions",
    // Defence in depth: our HTTP layer hands Better Auth only ROUTED_AUTH_PATHS, and Better
    // Auth's router refuses every other endpoint by itself too (a routing mistake of ours, or an
    // endpoint a Better Auth upgrade adds, has nothing to reach). Server-side calls
    // (`auth.api.*`) are not routed, so they are unaffected.
    disabledPaths,
    baseURL: config.http.baseUrl,
    basePath: "/api/auth",
    // Signs cookies. What Better Auth encrypts (the JWT signing key) is under `secrets`, which
    // also decrypt with the previous ones; `secret` is then only its fallback for payloads
    // encrypted before (bare hex): those used the oldest secret still listed.
    secret: config.secrets.previous.at(-1) ?? config.secrets.current,
    secrets: betterAuthSecrets(config.secrets),
    trustedOrigins: config.http.trustedOrigins,
    telemetry: { enabled: false },
    // session.token holds SHA-256 of the token, not the token (ADR 0020).
    database: hashSessionTokensAtRest(drizzleAdapter(db, { provider: "pg", schema })),
    emailAndPassword: {
      enabled: true,
      autoSignIn: true,
      minPasswordLength: PASSWORD_MIN_LENGTH,
      maxPasswordLength: PASSWORD_MAX_LENGTH,
      // Password reset is ours (server/account/password-reset.ts): Better Auth's reset
      // endpoints are closed, and its links would keep the token unhashed in `verification`.
      // Under `required`, sign-in of an unverified account is refused (403 EMAIL_NOT_VERIFIED)
      // and sign-up starts no session; the gate refuses such sessions too.
      requireEmailVerification: config.mail.emailVerification === "required",
      // Under `required` a sign-up with a taken address answers as if it worked; its owner is told.
      onExistingUserSignUp: async ({ user }) => {
        await noteSignUpForExistingAccount(accountMail, user);
      },
      // Better Auth's reset still exists as a server API (`auth.api.resetPassword`): whoever
      // calls it ends every session too, recorded with its reason (ASVS 7.4.3).
      revokeSessionsOnPasswordReset: false,
      onPasswordReset: async ({ user }) => {
        await sessions.endAll(user.id, EndReason.PASSWORD_RESET, { userId: user.id });
      },
    },
    user: {
      // `input: false`: sign-up and update-user can never set it.
      additionalFields: { role: { type: "string", defaultValue: "user", input: false } },
    },
    databaseHooks: {
      user: {
        create: {
          before: async (newUser) => fitName(newUser),
          after: async (created) => {
            if (config.mail.emailVerification === "off") return;
            await sendVerificationLink(accountMail, created);
          },
        },
        update: { before: async (changes) => fitName(changes) },
      },
      session: {
        create: {
          // ASVS 7.2.4: signing in from a browser that still holds a session ends that old
          // session first (so one browser never keeps two live tokens, and re-authentication
          // never counts against the session limit).
          before: async (newSession, ctx) => {
            // Re-authentication replaces exactly the session it was made for, and only once: of
            // parallel re-authentications (or password changes) of one session, the first ends
            // it and the others find it gone and are refused before their insert, so no session
            // is left alive that no browser holds. A password change ends the other sessions
            // here too, before the new one exists, so it never ends its own successor.
            const reauthentication = currentReauthentication();
            if (reauthentication !== null) {
              const { sessionId, actor, endOthersAs } = reauthentication;
              const reason = EndReason.REAUTHENTICATED;
              if (!(await sessions.endById(newSession.userId, sessionId, reason, actor))) {
                throw new APIError("UNAUTHORIZED", {
                  code: ErrorReason.SESSION_REQUIRED,
                  message: "This session was already replaced: sign in again",
                });
              }
              if (endOthersAs !== null) {
                reauthentication.othersEnded = await sessions.endAll(
                  newSession.userId,
                  endOthersAs,
                  actor,
                );
              }
              return;
            }
            if (!ctx) return;
            const previousToken = await ctx.getSignedCookie(
              ctx.context.authCookies.sessionToken.name,
              ctx.context.secret,
            );
            if (!previousToken) return;
            // The actor is the browser, not the user signing in: the session it held may be
            // another user's, who must not see their session ended by someone else's account.
            const previous = eq(schema.session.token, hashSessionToken(previousToken));
            const replaced = await sessions.endWhere(
              previous,
              EndReason.REPLACED,
              requestOrigin(ctx.headers),
            );
            // Better Auth hands the same context to this insert's `after` hook.
            const [ended] = replaced;
            if (ended) replacedIn.set(ctx, ended);
          },
          after: async (created, ctx) => {
            if (!created) return;
            // The insert may have evicted sessions (limit): make every cache drop them first.
            await sessions.changed({});
            const reauthentication = isReauthentication();
            await recordSessionEvent(db, {
              userId: created.userId,
              sessionId: created.id,
              type: reauthentication
                ? SessionEventType.REAUTHENTICATED
                : SessionEventType.SIGNED_IN,
              ipAddress: created.ipAddress,
              userAgent: created.userAgent,
            });
            if (!reauthentication) await noteNewSignIn(accountMail, created);
            const predecessor = reauthentication
              ? currentReauthentication()?.sessionId
              : ctx && replacedIn.get(ctx)?.userId === created.userId
                ? replacedIn.get(ctx)?.id
                : undefined;
            if (predecessor) {
              await followReplacedSession(db, created.userId, predecessor, created.id);
            }
          },
        },
        delete: {
          // Better Auth deletes a session on sign-out and when it finds one expired. We delete
          // it ourselves instead (and cancel Better Auth's delete by returning false), so the
          // activity log says which, judged by the application's clock.
          before: async (doomed, ctx) => {
            const reason = endReasonAtDeletion(doomed, config.session);
            const actor =
              reason === EndReason.SIGN_OUT
                ? { userId: doomed.userId, sessionId: doomed.id, ...requestOrigin(ctx?.headers) }
                : {};
            await sessions.endWhere(eq(schema.session.id, doomed.id), reason, actor);
            return false;
          },
        },
        update: {
          // Better Auth updates a session only to slide its expiry.
          after: async (updated, ctx) => {
            if (!updated) return;
            await recordSessionEvent(db, {
              userId: updated.userId,
              sessionId: updated.id,
              type: SessionEventType.REFRESHED,
              ...requestOrigin(ctx?.headers),
            });
          },
        },
      },
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
      cookiePrefix: config.cookies.prefix,
      useSecureCookies: secure,
      ...(config.cookies.domain
        ? { crossSubDomainCookies: { enabled: true, domain: config.cookies.domain } }
        : {}),
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // Better Auth turns its Origin check off by itself when NODE_ENV is `test` or TEST is set
      // (every vitest run): on here in every environment, so tests check what production runs
      // and a server started with NODE_ENV=test still checks. It trusts config.http.trustedOrigins,
      // as our CSRF guard does (ADR 0023).
      disableOriginCheck: false,
    },
    // Per IP and path, in the database so it holds across instances; on in every NODE_ENV
    // unless RATE_LIMIT=off. Only sign-in and sign-up are limited: the other exposed endpoints
    // take no password, and counting them would cost a write per request.
    rateLimit: {
      enabled: config.rateLimit.enabled,
      storage: "database",
      window: config.rateLimit.ipWindowSec,
      max: config.rateLimit.ipMax,
      customRules: {
        [SIGN_IN_PATH]: { window: config.rateLimit.ipWindowSec, max: config.rateLimit.ipMax },
        "/sign-up/email": { window: config.rateLimit.ipWindowSec, max: config.rateLimit.ipMax },
        "/**": false,
      },
    },
    hooks: { before: createBeforeSignIn(db, config), after: createAfterSignIn(db, config) },
    // An error that is not an APIError (the database, a bug) is thrown to our HTTP layer, which
    // logs it through the redacting logger and answers 503 or 500. Left to Better Auth's router
    // it would be printed to stderr whole, SQL parameters (session tokens) included.
    onAPIError: { throw: true },
    logger: {
      level: betterAuthLogLevel(),
      disabled: logger.level === "silent",
      log: logBetterAuth,
    },
    plugins: [jwtForApiClients(config), onlyRoutedEndpoints()],
  });
  disabledPaths.push(...closedEndpointPaths(auth.api));
  return auth;
}

/**
 * Better Auth's router refuses every endpoint we do not route, by itself. `disabledPaths` (above)
 * holds the instance's endpoint paths, but compares them exactly, so a pattern such as
 * `/callback/:id` or `/reset-password/:token` never matches a request; this closes those too.
 */
function onlyRoutedEndpoints(): BetterAuthPlugin {
  return {
    id: "only-routed-endpoints",
    onRequest: async (request, ctx) => {
      const basePath = new URL(ctx.baseURL).pathname;
      const { pathname } = new URL(request.url);
      const path = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
      if (ROUTED_AUTH_PATHS.has(path)) return;
      return {
        response: Response.json(
          { code: "NOT_FOUND", message: `No endpoint ${pathname}` },
          { status: 404 },
        ),
      };
    },
  };
}

/**
 * JWTs for API clients (ADR 0012): GET /api/auth/token turns a cookie session into a short-lived
 * EdDSA JWT naming the session (`sid`) and the user (`sub`); /api/auth/jwks serves the public
 * key. Our tRPC context verifies them itself (server/sessions/authenticate/bearer.ts); Better Auth's own
 * endpoints do not accept them.
 */
function jwtForApiClients(config: Config) {
  return jwt({
    jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
    jwt: {
      issuer: config.http.baseUrl,
      audience: config.http.baseUrl,
      // A string is a duration; a number would be read as the absolute `exp` claim.
      expirationTime: `${config.jwt.expiresInSec}s`,
      // Only what a verifier needs: no name, email or role in a token anyone holding it can read.
      // `sub` (the user id) is the plugin's default subject.
      definePayload: ({ session }) => ({ sid: session.id }),
    },
    // Otherwise every get-session response (ours included) would sign a JWT (one key lookup)
    // and hand it out in a `set-auth-jwt` header.
    disableSettingJwtHeader: true,
  });
}

/**
 * Learns the sign-in's device and alerts the owner when it is new. A failure here (the database,
 * the outbox) is logged, never a failed sign-in: the user did nothing wrong.
 */
async function noteNewSignIn(
  accountMail: AccountMailContext,
  created: { id: string; userId: string; ipAddress?: string | null; userAgent?: string | null },
) {
  try {
    const [owner] = await accountMail.db
      .select({ email: schema.user.email })
      .from(schema.user)
      .where(eq(schema.user.id, created.userId));
    if (!owner) return;
    await noteSignIn(accountMail, {
      userId: created.userId,
      email: owner.email,
      sessionId: created.id,
      ipAddress: created.ipAddress,
      userAgent: created.userAgent,
      at: new Date(),
    });
  } catch (error) {
    accountMail.log.error({ err: error }, "New-device check failed");
  }
}

export type Auth = ReturnType<typeof createAuth>;
export type AuthSession = Auth["$Infer"]["Session"];
