/**
 * The in-process session cache: a bounded map from SHA-256(token) to the resolved session, with a
 * short TTL as a backstop. It is only trusted while the invalidation channel is known to be
 * listening (./invalidation.ts); untrusted, it answers nothing and every request reads the
 * database. A read that raced an invalidation is not stored (the generation check).
 */
import type { SessionWithUser } from "../session-with-user";

interface Entry {
  auth: SessionWithUser;
  storedAtMs: number;
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** A session can be cached under several keys: its token's hash, and its id (API tokens). */
  private readonly keysBySession = new Map<string, Set<string>>();
  private readonly keysByUser = new Map<string, Set<string>>();
  private trusted = false;
  private currentGeneration = 0;
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(ttlMs: number, maxEntries: number) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
  }

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

  get(key: string, nowMs: number): SessionWithUser | null {
    if (!this.trusted) return null;
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (nowMs - entry.storedAtMs >= this.ttlMs || nowMs < entry.storedAtMs) {
      this.remove(key);
      return null;
    }
    return entry.auth;
  }

  /** The cached session with this id under any key, if any (liveness checks use it). */
  getById(sessionId: string, nowMs: number): SessionWithUser | null {
    for (const key of [...(this.keysBySession.get(sessionId) ?? [])]) {
      const found = this.get(key, nowMs);
      if (found) return found;
    }
    return null;
  }

  /** Stores a session read from the database, unless anything was invalidated since `generation`. */
  set(key: string, auth: SessionWithUser, generation: number, nowMs: number): void {
    if (!this.trusted || generation !== this.currentGeneration) return;
    this.remove(key);
    if (this.entries.size >= this.maxEntries) {
      // Oldest first: Map keeps insertion order.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.remove(oldest);
    }
    this.entries.set(key, { auth, storedAtMs: nowMs });
    addTo(this.keysBySession, auth.session.id, key);
    addTo(this.keysByUser, auth.user.id, key);
  }

  invalidateSessions(sessionIds: Iterable<string>): void {
    this.currentGeneration += 1;
    for (const id of sessionIds) {
      for (const key of [...(this.keysBySession.get(id) ?? [])]) this.remove(key);
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
    this.keysBySession.clear();
    this.keysByUser.clear();
    this.trusted = trusted;
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    removeFrom(this.keysBySession, entry.auth.session.id, key);
    removeFrom(this.keysByUser, entry.auth.user.id, key);
  }
}

function addTo(index: Map<string, Set<string>>, id: string, key: string) {
  const keys = index.get(id) ?? new Set<string>();
  keys.add(key);
  index.set(id, keys);
}

function removeFrom(index: Map<string, Set<string>>, id: string, key: string) {
  const keys = index.get(id);
  keys?.delete(key);
  if (keys?.size === 0) index.delete(id);
}
