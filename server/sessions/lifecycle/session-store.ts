/**
 * The session store: ending sessions, always with a reason, and telling every session cache.
 * The database trigger `session_record_end` writes the activity event for every deleted session
 * row; the reason and the actor reach it through transaction-local settings set here, in the same
 * transaction as the delete. Once the delete has committed, this process's cache drops the
 * sessions and the call waits until every other instance has been told (../cache/invalidation.ts),
 * so a revoked session is refused on its very next request, wherever it lands.
 *
 * Made once per process by the composition root (server/app.ts) with its cache, or by the CLI
 * with no cache of its own but the same barrier, so that `npm run sessions -- revoke` returns once
 * every running server has been told; Better Auth's `createInternalAdapter` is the model.
 */
import { and, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session, user } from "../../../db/schema";
import type { EndReason } from "../../../shared/session-events";
import type { SessionCache } from "../cache/session-cache";

/** Who ended the session: the signed-in user (from one of their sessions), an admin, or the system. */
export interface Actor {
  userId?: string | null;
  sessionId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

/** The reason `cleanup` is the trigger's cue for `cleaned_up` events (server/sessions/lifecycle/cleanup.ts). */
export type EndCause = EndReason | "cleanup";

type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];

/**
 * Runs `work` in a transaction in which every session deleted is recorded with this cause and
 * actor. Use it for any delete that reaches the session table, including a user's cascade.
 */
export function withEndCause<T>(
  db: Database,
  cause: EndCause,
  actor: Actor,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select
      set_config('sessions.end_reason', ${cause}, true),
      set_config('sessions.actor_given', 'on', true),
      set_config('sessions.actor_user_id', ${actor.userId ?? ""}, true),
      set_config('sessions.actor_session_id', ${actor.sessionId ?? ""}, true),
      set_config('sessions.actor_ip', ${actor.ipAddress ?? ""}, true),
      set_config('sessions.actor_user_agent', ${actor.userAgent ?? ""}, true)`);
    return work(tx);
  });
}

/** `and` of conditions that are all present, which is never "no condition". */
function allOf(...conditions: [SQL, ...SQL[]]): SQL {
  return and(...conditions) as SQL;
}

/** What changed: sessions by id, and users whose every cached session is stale (name, email). */
export interface SessionChanges {
  sessionIds?: readonly string[];
  userIds?: readonly string[];
}

/** This process's session cache (if it has one), and how to know every other instance has heard of a change. */
export interface SessionCacheLink {
  cache?: SessionCache;
  /** Resolves once every instance has been told of the changes committed so far. */
  barrier(): Promise<void>;
}

export interface SessionStore {
  readonly db: Database;
  /** Deletes the sessions matching `where`, recorded with this cause; returns the ended ids and owners. */
  endWhere(where: SQL, cause: EndCause, actor: Actor): Promise<{ id: string; userId: string }[]>;
  /** Ends one of the user's sessions; false when no such session belongs to the user. */
  endById(userId: string, sessionId: string, cause: EndCause, actor: Actor): Promise<boolean>;
  /** Ends every session of the user except one; returns how many ended. */
  endOthers(userId: string, keepSessionId: string, cause: EndCause, actor: Actor): Promise<number>;
  /** Ends every session of the user; returns how many ended. */
  endAll(userId: string, cause: EndCause, actor: Actor): Promise<number>;
  /** Ends every session of the users with these ids (admin tools); returns how many ended. */
  endOfUsers(userIds: readonly string[], cause: EndCause, actor: Actor): Promise<number>;
  /** Deletes a user; the cascade ends their sessions, recorded as `account_deleted`. */
  deleteUser(userId: string, actor: Actor): Promise<boolean>;
  /**
   * Tells every cache of a change made outside the store (a user's name or email; the sessions a
   * new sign-in evicted in the database): dropped here at once, the others told before it returns.
   */
  changed(change: SessionChanges): Promise<void>;
}

export function createSessionStore(db: Database, cacheLink?: SessionCacheLink): SessionStore {
  async function changed(change: SessionChanges): Promise<void> {
    if (!cacheLink) return;
    const { cache } = cacheLink;
    if (change.sessionIds?.length) cache?.invalidateSessions(change.sessionIds);
    for (const userId of change.userIds ?? []) cache?.invalidateUser(userId);
    await cacheLink.barrier();
  }

  async function endWhere(where: SQL, cause: EndCause, actor: Actor) {
    const ended = await withEndCause(db, cause, actor, (tx) =>
      tx.delete(session).where(where).returning({ id: session.id, userId: session.userId }),
    );
    if (ended.length > 0) await changed({ sessionIds: ended.map((row) => row.id) });
    return ended;
  }

  return {
    db,
    endWhere,
    changed,
    async endById(userId, sessionId, cause, actor) {
      const where = allOf(eq(session.id, sessionId), eq(session.userId, userId));
      return (await endWhere(where, cause, actor)).length > 0;
    },
    async endOthers(userId, keepSessionId, cause, actor) {
      const where = allOf(eq(session.userId, userId), ne(session.id, keepSessionId));
      return (await endWhere(where, cause, actor)).length;
    },
    async endAll(userId, cause, actor) {
      return (await endWhere(eq(session.userId, userId), cause, actor)).length;
    },
    async endOfUsers(userIds, cause, actor) {
      if (userIds.length === 0) return 0;
      return (await endWhere(inArray(session.userId, [...userIds]), cause, actor)).length;
    },
    async deleteUser(userId, actor) {
      const deleted = await withEndCause(db, "account_deleted", actor, (tx) =>
        tx.delete(user).where(eq(user.id, userId)).returning({ id: user.id }),
      );
      await changed({ userIds: [userId] });
      return deleted.length > 0;
    },
  };
}
