import { and, eq, gt } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session } from "../../../db/schema";
import type { SessionCache } from "./session-cache";

/**
 * Answers "is this session still alive?" for Better Auth's cookie cache. Its signed
 * session_data cookie alone keeps a revoked session usable until the cache expires
 * (better-auth/better-auth#6893), so every cache hit is confirmed here. No door of ours reads
 * that cookie (the gate removes it), but Better Auth's own calls still would.
 */
export interface SessionLiveness {
  isLive(sessionId: string): Promise<boolean>;
}

/**
 * Liveness from the in-process session cache when it holds the session (it is invalidated on
 * every end, ./invalidation.ts), else one primary-key lookup.
 */
export function createLiveness(db: Database, cache: SessionCache): SessionLiveness {
  const fromDatabase = createDatabaseLiveness(db);
  return {
    async isLive(sessionId) {
      const nowMs = Date.now();
      const cached = cache.getById(sessionId, nowMs);
      if (cached) return cached.session.expiresAt.getTime() > nowMs;
      return fromDatabase.isLive(sessionId);
    },
  };
}

export function createDatabaseLiveness(db: Database): SessionLiveness {
  return {
    async isLive(sessionId) {
      const rows = await db
        .select({ id: session.id })
        .from(session)
        .where(and(eq(session.id, sessionId), gt(session.expiresAt, new Date())))
        .limit(1);
      return rows.length > 0;
    },
  };
}
