/**
 * The composition root: every long-lived part of the server is made here, once, from an open
 * (migrated) database and the configuration. server/main.ts, the tests and the bench all start
 * the app through `startApp`, so each of them runs what production runs.
 *
 * Order matters once: the session cache's invalidation channel is listening before the session
 * store is made, so every session ended from then on reaches every instance's cache.
 */
import type { RequestListener } from "node:http";
import type { Logger } from "pino";
import type { DatabaseHandle } from "../db/client";
import { type AccountMailContext, createLaterQueue } from "./account/mail-context";
import { type Auth, createAuth } from "./auth/better-auth";
import type { AppDependencies } from "./dependencies";
import type { Config } from "./env";
import { createRequestHandler } from "./http/server";
import { logger } from "./logger";
import { startMailDelivery } from "./mail/delivery";
import { createMailer } from "./mail/mailer";
import { createSmtpSender } from "./mail/smtp";
import { createJwtVerifier, JwtKeyStore } from "./sessions/authenticate/bearer";
import { createSessionGate } from "./sessions/authenticate/gate";
import { createSessionCookieReader } from "./sessions/authenticate/session-cookie";
import {
  type CacheInvalidation,
  SESSION_CACHE_CHANNEL,
  startCacheInvalidation,
} from "./sessions/cache/invalidation";
import { createLiveness } from "./sessions/cache/liveness";
import { SessionCache } from "./sessions/cache/session-cache";
import { cleanupPolicy } from "./sessions/lifecycle/cleanup";
import { startCleanupSchedule } from "./sessions/lifecycle/cleanup-schedule";
import { createActivityRecorder } from "./sessions/lifecycle/last-active";
import {
  createSessionStore,
  type SessionCacheLink,
  type SessionStore,
} from "./sessions/lifecycle/session-store";
import { storeSessionPolicy } from "./sessions/lifecycle/stored-policy";

/** Where the app's own lines go: cache trust changes (warn), cleanup runs (info), failures (error). */
export type AppLog = Pick<Logger, "info" | "warn" | "error">;

export interface AppOptions {
  /** The built SPA served at `/` (vite build output). */
  staticDir: string;
  /** Default: the server's logger (./logger.ts). */
  log?: AppLog;
}

export interface App {
  deps: AppDependencies;
  /** The whole app as a node:http request listener. */
  handler: RequestListener;
  /** Stops the cleanup schedule (after its current batch) and the cache's channel; the database stays open. */
  stop(): Promise<void>;
}

export async function startApp(
  database: DatabaseHandle,
  config: Config,
  options: AppOptions,
): Promise<App> {
  const log = options.log ?? logger;
  const { db } = database;
  const policy = config.session;
  // The database triggers read the policy (session limit, absolute lifetime).
  await storeSessionPolicy(db, policy);

  // Untrusted (so unused) until its invalidation channel proves to work.
  const sessionCache = new SessionCache(
    config.sessionCache.ttlSec * 1000,
    config.sessionCache.maxEntries,
  );
  const invalidation = await startSessionCacheInvalidation(database, config, sessionCache, (line) =>
    log.warn(line),
  );
  const cacheLink: SessionCacheLink | undefined = invalidation
    ? {
        cache: sessionCache,
        // PGlite is one process: its notifications are delivered here as the change commits, and
        // there is no other instance to wait for. (A ping queued behind a busy PGlite could time
        // out and needlessly switch the cache off.)
        barrier: database.kind === "postgres" ? () => invalidation.barrier() : async () => {},
      }
    : undefined;
  const sessions = createSessionStore(db, cacheLink);

  const mail = startMail(database, config, log);
  // Filled just below: a reset hashes with Better Auth's own hasher, whatever it is configured to be.
  let auth: Auth | undefined;
  const afterAnswer = createLaterQueue(log);
  const accountMail: AccountMailContext = {
    db,
    mailer: mail.mailer,
    sessions,
    config: { mail: config.mail, rateLimit: config.rateLimit },
    hashPassword: async (password) => {
      if (!auth) throw new Error("Better Auth is not started yet");
      return (await auth.$context).password.hash(password);
    },
    log,
    later: afterAnswer.later,
  };
  auth = createAuth({
    db,
    config,
    sessions,
    liveness: createLiveness(db, sessionCache),
    accountMail,
  });
  // Better Auth's cookie names and attributes, read once (they follow from the configuration).
  const { authCookies } = await auth.$context;
  const cookieNames = {
    sessionToken: authCookies.sessionToken.name,
    sessionData: authCookies.sessionData.name,
  };
  // Creating the first signing key through Better Auth keeps its format (encrypted private key).
  const jwtKeys = new JwtKeyStore({ db, ensureKey: () => auth.api.getJwks() });
  const gate = createSessionGate({
    db,
    auth,
    sessions,
    cache: sessionCache,
    policy,
    readSessionCookie: createSessionCookieReader(authCookies, config),
    verifyJwt: createJwtVerifier({
      keys: jwtKeys,
      issuer: config.http.baseUrl,
      audience: config.http.baseUrl,
    }),
    activity: createActivityRecorder(db),
    requireVerifiedEmail: config.mail.emailVerification === "required",
  });
  const deps: AppDependencies = {
    db,
    config,
    auth,
    gate,
    sessions,
    sessionCache,
    cookieNames,
    accountMail,
  };

  const cleanup = startCleanupSchedule(database, cleanupPolicy(config), {
    log: (line) => log.info(line),
    // The logger keeps an error's message (SQL parameters cut off) and code, never its details.
    onError: (error) => log.error({ err: error }, "Session cleanup failed"),
  });
  return {
    deps,
    handler: createRequestHandler(deps, {
      staticDir: options.staticDir,
      onError: (error) => log.error({ err: error }, "Request failed"),
    }),
    async stop() {
      await afterAnswer.settle();
      await mail.stop();
      await cleanup.stop();
      await invalidation?.stop();
    },
  };
}

/**
 * The mailer, and with an SMTP server the delivery worker that sends the outbox. Without one
 * (development) mail stays in the outbox, shown at /dev/mailbox; production refuses to start
 * that way while a feature needs mail (env.ts).
 */
function startMail(database: DatabaseHandle, config: Config, log: AppLog) {
  const { smtpUrl, from } = config.mail;
  const smtp = smtpUrl === null ? null : createSmtpSender(smtpUrl, from);
  const delivery = smtp && startMailDelivery({ db: database.db, send: smtp.send, log });
  const mailer = createMailer(
    database.db,
    { mail: config.mail, baseUrl: config.http.baseUrl },
    delivery,
  );
  if (delivery) {
    // Mail queued while no instance was running goes out now.
    delivery.kick();
  } else {
    log.info(
      `Mail: no SMTP_URL, mail is kept in the database; read it at ${config.http.baseUrl}/dev/mailbox`,
    );
  }
  return {
    mailer,
    async stop() {
      await delivery?.stop();
      smtp?.close();
    },
  };
}

/**
 * Listens for session changes of other instances (LISTEN/NOTIFY on PostgreSQL, in-process on
 * PGlite); the cache is trusted only while that works. Null when there is no cache (TTL 0) or
 * no way to listen (behind a transaction pooler without DATABASE_LISTEN_URL): every request then
 * reads the database, which is correct, only slower.
 */
async function startSessionCacheInvalidation(
  database: DatabaseHandle,
  config: Config,
  cache: SessionCache,
  log: (line: string) => void,
): Promise<CacheInvalidation | null> {
  if (config.sessionCache.ttlSec === 0) return null;
  if (!database.canListen) {
    log(
      "session cache off: DATABASE_URL goes through a transaction pooler, where LISTEN hears nothing; set DATABASE_LISTEN_URL to a direct connection to use it",
    );
    return null;
  }
  return startCacheInvalidation(
    database.channel(SESSION_CACHE_CHANNEL),
    cache,
    // PGlite's channel lives in this process and cannot drop: no heartbeat needed.
    database.kind === "postgres"
      ? { heartbeatMs: 2000, staleAfterMs: 6000, log }
      : { heartbeatMs: 0, staleAfterMs: 0, log },
  );
}

/**
 * The session store of a process that ends sessions but serves none (`npm run sessions`): no
 * cache of its own, but the same barrier, so a revocation returns once every running server has
 * been told. On PGlite the process is alone with its database (ADR 0017): nothing to tell.
 */
export async function startSessionStoreWithoutCache(
  database: DatabaseHandle,
): Promise<{ sessions: SessionStore; stop(): Promise<void> }> {
  if (database.kind !== "postgres" || !database.canListen) {
    return { sessions: createSessionStore(database.db), stop: async () => {} };
  }
  const invalidation = await startCacheInvalidation(database.channel(SESSION_CACHE_CHANNEL), null, {
    heartbeatMs: 0,
    staleAfterMs: 0,
  });
  return {
    sessions: createSessionStore(database.db, { barrier: () => invalidation.barrier() }),
    stop: () => invalidation.stop(),
  };
}
