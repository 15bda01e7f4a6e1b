/**
 * Keeps every instance's SessionCache honest. The database announces ended and changed sessions
 * and users on the `session_cache` channel (migration 0003); each instance listens. The cache is
 * trusted only while the channel provably works: from the first of our own pings that comes back
 * after LISTEN is in place, until a disconnect or until the pings stop coming back; then it is
 * flushed and bypassed until they return.
 *
 * The pings leave through the application's pool, not the listening connection. So a listener
 * that hears no other connection (LISTEN through a transaction pooler such as PgBouncer, where it
 * stays on one pooled server connection) never hears a ping either, and the cache is never
 * trusted: every request reads the database, which is slower and still correct.
 *
 * `barrier()` makes a change visible before a call returns: notifications reach a listener in
 * commit order, so once our own ping (sent after the change committed) comes back, this
 * instance has applied the change, and PostgreSQL has delivered it to every other listener.
 */
import { randomBytes } from "node:crypto";
import type { NotificationChannel } from "../../../db/notifications";
import type { SessionCache } from "./session-cache";

export const SESSION_CACHE_CHANNEL = "session_cache";

export interface InvalidationOptions {
  /** How often a ping is sent; 0 = no heartbeat (PGlite, whose channel cannot drop). */
  heartbeatMs: number;
  /** Without our own ping back for this long, the cache stops being trusted. */
  staleAfterMs: number;
  /** How long `barrier()` waits for its ping before giving up trust. */
  barrierTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CacheInvalidation {
  barrier(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Listens on `channel` for `cache`. Without a cache (a process that ends sessions but serves
 * none, the CLI), only the barrier: a call returns once every listening instance has been told.
 */
export async function startCacheInvalidation(
  channel: NotificationChannel,
  cache: SessionCache | null,
  options: InvalidationOptions,
): Promise<CacheInvalidation> {
  const instance = randomBytes(6).toString("hex");
  const pingPrefix = `p:${instance}:`;
  let up = false;
  let sequence = 0;
  let lastPingSeenMs = Date.now();
  const waiting = new Map<number, () => void>();
  const log = options.log ?? (() => {});

  const distrust = (why: string) => {
    if (cache?.isTrusted) log(`session cache: not trusted (${why}); reading the database`);
    cache?.setTrusted(false);
  };

  function onMessage(payload: string) {
    if (payload.startsWith("s:")) cache?.invalidateSessions(payload.slice(2).split(","));
    else if (payload.startsWith("u:")) cache?.invalidateUser(payload.slice(2));
    else if (payload.startsWith(pingPrefix)) {
      lastPingSeenMs = Date.now();
      const seen = Number(payload.slice(pingPrefix.length));
      for (const [n, resolve] of waiting) {
        if (n <= seen) {
          waiting.delete(n);
          resolve();
        }
      }
      // Pings flow again after a silence: the channel works; start from an empty cache.
      if (cache && up && !cache.isTrusted) cache.setTrusted(true);
    }
  }

  await channel.start({
    onMessage,
    onDown: () => {
      up = false;
      distrust("listener connection lost");
    },
    onUp: () => {
      up = true;
      // Trust waits for a ping to come back: LISTEN succeeding proves nothing behind a pooler.
      lastPingSeenMs = Date.now();
      ping().catch(() => {});
    },
  });

  async function ping(): Promise<number> {
    sequence += 1;
    const n = sequence;
    await channel.notify(`${pingPrefix}${n}`);
    return n;
  }

  /** Sends a ping and resolves when it has come back; rejects after `timeoutMs`. */
  async function pingAndWait(timeoutMs: number): Promise<void> {
    sequence += 1;
    const n = sequence;
    // Waiting starts before sending: our ping may overtake the NOTIFY's own reply.
    const returned = pingReturned(n, timeoutMs);
    returned.catch(() => {});
    await channel.notify(`${pingPrefix}${n}`);
    await returned;
  }

  /** Resolves when our ping number `n` has come back; rejects after `timeoutMs`. */
  function pingReturned(n: number, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      waiting.set(n, resolve);
      setTimeout(() => {
        if (waiting.delete(n)) reject(new Error("barrier timed out"));
      }, timeoutMs).unref();
    });
  }

  // Start-up waits (briefly) for the channel to prove itself, so a fresh instance serves from
  // its cache at once when it can; otherwise it starts bypassing it and the heartbeat retries.
  const startTimeoutMs = options.barrierTimeoutMs ?? 2000;
  try {
    await pingAndWait(startTimeoutMs);
  } catch {
    log("session cache: not trusted (no notification came back); reading the database");
  }

  const heartbeat =
    options.heartbeatMs > 0
      ? setInterval(() => {
          if (Date.now() - lastPingSeenMs > options.staleAfterMs) distrust("heartbeat lost");
          if (up) ping().catch(() => distrust("heartbeat could not be sent"));
        }, options.heartbeatMs)
      : null;
  heartbeat?.unref();

  return {
    async barrier() {
      if (cache && !cache.isTrusted) return; // nothing cached to be wrong about
      try {
        await pingAndWait(options.barrierTimeoutMs ?? 2000);
      } catch {
        distrust("barrier not confirmed");
      }
    },
    async stop() {
      if (heartbeat) clearInterval(heartbeat);
      cache?.setTrusted(false);
      await channel.close();
    },
  };
}
