/**
 * The in-process side of "a revoked session is refused on its very next request": code that
 * ends or changes sessions calls `afterSessionsChanged`, which drops them from every session cache
 * of this process at once and then waits for each cache's invalidation barrier, so other
 * instances have been notified too (see ./cache-invalidation.ts) before the caller returns.
 */
import type { SessionCache } from "./cache/session-cache";

interface RegisteredCache {
  cache: SessionCache;
  barrier(): Promise<void>;
}

const caches = new Set<RegisteredCache>();

/** Registers a cache of this process; returns its unregistration. */
export function registerSessionCache(entry: RegisteredCache): () => void {
  caches.add(entry);
  return () => caches.delete(entry);
}

export async function afterSessionsChanged(change: {
  sessionIds?: readonly string[];
  userIds?: readonly string[];
}): Promise<void> {
  if (caches.size === 0) return;
  for (const { cache } of caches) {
    if (change.sessionIds?.length) cache.invalidateSessions(change.sessionIds);
    for (const userId of change.userIds ?? []) cache.invalidateUser(userId);
  }
  await Promise.all([...caches].map((entry) => entry.barrier()));
}
