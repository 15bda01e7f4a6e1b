/**
 * The in-process session cache: a bounded map from SHA-256(token) to the resolved session, with a
 * short TTL as a backstop. It is only trusted while the invalidation channel is known to be
 * listening (./cache-invalidation.ts); untrusted, it answers nothing and every request reads the
 * database. A read that raced an invalidation is not stored (the generation check).
 */
import type { AuthSession } from "../auth";

interface Entry {
  auth: AuthSession;
  storedAtMs: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keyBySession = new Map<string, string>();
  private readonly keysByUser = new Map<string, Set<string>>();
  private trusted = false;
  private currentGeneration = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Bumped by every invalidation: take it before a database read, hand it to `set`. */
  get generation(): number {
    return this.currentGeneration;
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, nowMs: number): AuthSession | null {
    if (!this.trusted) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (nowMs - entry.storedAtMs >= this.ttlMs || nowMs < entry.storedAtMs) {
      this.remove(key);
      return null;
    }
    return entry.auth;
  }

  /** The cached session with this id, if any (the cookie-cache liveness check uses it). */
  getById(sessionId: string, nowMs: number): AuthSession | null {
    const key = this.keyBySession.get(sessionId);
    return key === undefined ? null : this.get(key, nowMs);
  }

  /** Stores a session read from the database, unless anything was invalidated since `generation`. */
  set(key: string, auth: AuthSession, generation: number, nowMs: number): void {
    if (!this.trusted || generation !== this.currentGeneration) return;
    this.remove(key);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.remove(oldest);
    }
    this.entries.set(key, { auth, storedAtMs: nowMs });
    this.keyBySession.set(auth.session.id, key);
    const keys = this.keysByUser.get(auth.user.id) ?? new Set<string>();
    keys.add(key);
    this.keysByUser.set(auth.user.id, keys);
  }

  invalidateSessions(sessionIds: Iterable<string>): void {
    this.currentGeneration += 1;
    for (const id of sessionIds) {
      const key = this.keyBySession.get(id);
      if (key !== undefined) this.remove(key);
    }
  }

  invalidateUser(userId: string): void {
    this.currentGeneration += 1;
    for (const key of [...(this.keysByUser.get(userId) ?? [])]) this.remove(key);
  }

  /** Trusted: serve from the cache. Untrusted: flush, and serve nothing until trusted again. */
  setTrusted(trusted: boolean): void {
    this.currentGeneration += 1;
    this.entries.clear();
    this.keyBySession.clear();
    this.keysByUser.clear();
    this.trusted = trusted;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    const { session, user } = entry.auth;
    if (this.keyBySession.get(session.id) === key) this.keyBySession.delete(session.id);
    const keys = this.keysByUser.get(user.id);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByUser.delete(user.id);
  }
}
