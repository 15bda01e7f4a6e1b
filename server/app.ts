/** Wires the parts together; shared by the server's main and by tests, which open their own database. */
import type { DatabaseHandle } from "../db/client";
import { createAuth } from "./auth/better-auth";
import type { Config } from "./env";
import { createJwtVerifier, JwtKeyStore } from "./sessions/authenticate/bearer";
import { createSessionGate } from "./sessions/authenticate/gate";
import { createCookieResigner } from "./sessions/authenticate/secret-rotation";
import { SESSION_CACHE_CHANNEL, startCacheInvalidation } from "./sessions/cache/invalidation";
import { createLiveness } from "./sessions/cache/liveness";
import { SessionCache } from "./sessions/cache/session-cache";
import { createActivityRecorder } from "./sessions/lifecycle/last-active";
import { registerSessionCache } from "./sessions/session-changes";
import type { AppDependencies } from "./trpc/context";

export function createAppDependencies(database: DatabaseHandle, config: Config): AppDependencies {
  const { db } = database;
  const policy = config.session;
  // Untrusted (so unused) until startSessionCache has its invalidation channel listening.
  const sessionCache = new SessionCache(policy.cacheTtlSec * 1000, policy.cacheMaxEntries);
  const auth = createAuth({ db, config, liveness: createLiveness(db, sessionCache) });
  // Creating the first signing key through Better Auth keeps its format (encrypted private key).
  const jwtKeys = new JwtKeyStore({ db, ensureKey: () => auth.api.getJwks() });
  const resignCookie = createCookieResigner(auth, config);
  const gate = createSessionGate({
    db,
    auth,
    cache: sessionCache,
    policy,
    secret: config.secret,
    resignCookie,
    verifyJwt: createJwtVerifier({
      keys: jwtKeys,
      issuer: config.baseUrl,
      audience: config.baseUrl,
    }),
    activity: createActivityRecorder(db),
  });
  return { db, config, auth, sessionCache, gate, resignCookie };
}

/**
 * Starts serving sessions from the in-process cache: listens for invalidations (LISTEN/NOTIFY on
 * PostgreSQL, in-process on PGlite) and trusts the cache only while that works. Without it every
 * request reads the database, which is correct, only slower. Returns the stop function.
 */
export async function startSessionCache(
  database: DatabaseHandle,
  deps: AppDependencies,
  log: (line: string) => void = () => {},
): Promise<() => Promise<void>> {
  if (deps.config.session.cacheTtlSec === 0) return async () => {};
  if (!database.canListen) {
    log(
      "session cache off: DATABASE_URL goes through a transaction pooler, where LISTEN hears nothing; set DATABASE_LISTEN_URL to a direct connection to use it",
    );
    return async () => {};
  }
  const invalidation = await startCacheInvalidation(
    database.channel(SESSION_CACHE_CHANNEL),
    deps.sessionCache,
    // PGlite's channel lives in this process and cannot drop: no heartbeat needed.
    database.kind === "postgres"
      ? { heartbeatMs: 2000, staleAfterMs: 6000, log }
      : { heartbeatMs: 0, staleAfterMs: 0, log },
  );
  const unregister = registerSessionCache({
    cache: deps.sessionCache,
    // PGlite is one process: its notifications are delivered here as the change commits, and
    // there is no other instance to wait for. (A ping queued behind a busy PGlite could time
    // out and needlessly switch the cache off.)
    barrier: database.kind === "postgres" ? () => invalidation.barrier() : async () => {},
  });
  return async () => {
    unregister();
    await invalidation.stop();
  };
}
