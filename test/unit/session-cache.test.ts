/**
 * The session cache's trust rules with a scripted channel (the real LISTEN/NOTIFY paths are
 * covered by test/http/two-instances.test.ts): what is cached is served only while the channel
 * provably works (one of our own pings came back), and a read that raced an invalidation is never
 * stored.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChannelHandlers, NotificationChannel } from "../../db/notifications";
import { startCacheInvalidation } from "../../server/sessions/cache/invalidation";
import { SessionCache } from "../../server/sessions/cache/session-cache";
import type { SessionWithUser } from "../../server/sessions/session-with-user";

function sessionOf(id: string, userId = "u1"): SessionWithUser {
  const now = new Date();
  return {
    session: { id, token: `t-${id}`, userId, expiresAt: now, createdAt: now, updatedAt: now },
    user: {
      id: userId,
      name: "n",
      email: "e@example.com",
      emailVerified: false,
      role: "user",
      createdAt: now,
      updatedAt: now,
    },
  };
}

/** A channel the test drives: it echoes notifications unless told to drop them. */
function scriptedChannel({ echo = true } = {}) {
  let handlers: ChannelHandlers | null = null;
  const channel: NotificationChannel = {
    async start(given) {
      handlers = given;
      given.onUp();
    },
    async notify(payload) {
      if (echo) queueMicrotask(() => handlers?.onMessage(payload));
    },
    async close() {},
  };
  return {
    channel,
    send: (payload: string) => handlers?.onMessage(payload),
    down: () => handlers?.onDown(),
    up: () => handlers?.onUp(),
    dropEchoes: () => {
      echo = false;
    },
    echoAgain: () => {
      echo = true;
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("SessionCache", () => {
  it("serves nothing until trusted, and forgets everything when trust changes", () => {
    const cache = new SessionCache(30_000, 10);
    cache.set("k", sessionOf("s1"), cache.generation, 0);
    expect(cache.get("k", 1)).toBeNull();
    cache.setTrusted(true);
    cache.set("k", sessionOf("s1"), cache.generation, 0);
    expect(cache.get("k", 1)?.session.id).toBe("s1");
    cache.setTrusted(false);
    cache.setTrusted(true);
    expect(cache.get("k", 2)).toBeNull();
  });

  it("expires entries at the TTL (just before: served, at: gone) and stays bounded", () => {
    const cache = new SessionCache(1000, 2);
    cache.setTrusted(true);
    cache.set("a", sessionOf("a"), cache.generation, 0);
    expect(cache.get("a", 999)).not.toBeNull();
    expect(cache.get("a", 1000)).toBeNull();
    for (const id of ["x", "y", "z"]) cache.set(id, sessionOf(id), cache.generation, 0);
    expect(cache.size).toBe(2);
    expect(cache.get("x", 1)).toBeNull();
  });

  it("drops by session and by user, and does not store a read that raced an invalidation", () => {
    const cache = new SessionCache(30_000, 10);
    cache.setTrusted(true);
    cache.set("k1", sessionOf("s1", "u1"), cache.generation, 0);
    cache.set("k2", sessionOf("s2", "u1"), cache.generation, 0);
    cache.set("k3", sessionOf("s3", "u2"), cache.generation, 0);
    cache.invalidateSessions(["s1"]);
    expect(cache.get("k1", 1)).toBeNull();
    cache.invalidateUser("u1");
    expect(cache.get("k2", 1)).toBeNull();
    expect(cache.get("k3", 1)).not.toBeNull();

    const before = cache.generation;
    cache.invalidateSessions(["s4"]); // arrives while s4 is being read from the database
    cache.set("k4", sessionOf("s4"), before, 0);
    expect(cache.get("k4", 1)).toBeNull();
  });
});

describe("cache invalidation", () => {
  it("applies announced ends, distrusts on disconnect, and trusts a flushed cache when listening again", async () => {
    const cache = new SessionCache(30_000, 10);
    const script = scriptedChannel();
    const invalidation = await startCacheInvalidation(script.channel, cache, {
      heartbeatMs: 0,
      staleAfterMs: 0,
    });
    expect(cache.isTrusted).toBe(true);
    cache.set("k1", sessionOf("s1"), cache.generation, Date.now());
    script.send("s:s0,s1");
    expect(cache.get("k1", Date.now())).toBeNull();

    cache.set("k2", sessionOf("s2"), cache.generation, Date.now());
    script.down();
    expect(cache.isTrusted).toBe(false);
    expect(cache.get("k2", Date.now())).toBeNull();
    script.up();
    expect(cache.isTrusted).toBe(false); // listening again proves nothing yet
    await new Promise((resolve) => setImmediate(resolve)); // its ping comes back
    expect(cache.isTrusted).toBe(true);
    expect(cache.get("k2", Date.now())).toBeNull();
    await invalidation.stop();
  });

  it("a barrier waits for its own ping; a lost ping ends trust", async () => {
    const cache = new SessionCache(30_000, 10);
    const script = scriptedChannel();
    const invalidation = await startCacheInvalidation(script.channel, cache, {
      heartbeatMs: 0,
      staleAfterMs: 0,
      barrierTimeoutMs: 50,
    });
    await invalidation.barrier();
    expect(cache.isTrusted).toBe(true);
    script.dropEchoes();
    await invalidation.barrier();
    expect(cache.isTrusted).toBe(false);
    await invalidation.stop();
  });

  it("without its heartbeat coming back for the stale period, the cache is not trusted", async () => {
    vi.useFakeTimers();
    const cache = new SessionCache(30_000, 10);
    const script = scriptedChannel();
    const invalidation = await startCacheInvalidation(script.channel, cache, {
      heartbeatMs: 1000,
      staleAfterMs: 3000,
    });
    await vi.advanceTimersByTimeAsync(5000);
    expect(cache.isTrusted).toBe(true); // pings come back
    script.dropEchoes();
    await vi.advanceTimersByTimeAsync(3000);
    expect(cache.isTrusted).toBe(true); // just before the stale period
    await vi.advanceTimersByTimeAsync(1100);
    expect(cache.isTrusted).toBe(false);
    await invalidation.stop();
  });

  it("a listener that never hears its own pings (LISTEN behind a transaction pooler) is never trusted", async () => {
    vi.useFakeTimers();
    const cache = new SessionCache(30_000, 10);
    const script = scriptedChannel({ echo: false });
    const started = startCacheInvalidation(script.channel, cache, {
      heartbeatMs: 1000,
      staleAfterMs: 3000,
      barrierTimeoutMs: 2000,
    });
    await vi.advanceTimersByTimeAsync(2000);
    const invalidation = await started;
    expect(cache.isTrusted).toBe(false); // LISTEN succeeded, yet nothing came back
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cache.isTrusted).toBe(false);
    cache.set("k", sessionOf("s1"), cache.generation, Date.now());
    expect(cache.get("k", Date.now())).toBeNull();

    script.echoAgain(); // the next heartbeat comes back: from then on the channel works
    await vi.advanceTimersByTimeAsync(1000);
    expect(cache.isTrusted).toBe(true);
    await invalidation.stop();
  });
});
