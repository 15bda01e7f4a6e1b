/**
 * Ending sessions, always with a reason. The database trigger `session_record_end` writes the
 * activity event for every deleted session row; the reason and the actor reach it through
 * transaction-local settings set here, in the same transaction as the delete.
 */
import { and, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session, user } from "../../../db/schema";
import type { EndReason } from "../../../shared/session-events";
import { afterSessionsChanged } from "../session-changes";

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

/** Deletes the sessions matching `where`, recorded with this cause; returns the ended ids and owners. */
export async function endSessionsWhere(
  db: Database,
  // Required on purpose: drizzle reads an undefined condition as "every row".
  where: SQL,
  cause: EndCause,
  actor: Actor,
) {
  const ended = await withEndCause(db, cause, actor, (tx) =>
    tx.delete(session).where(where).returning({ id: session.id, userId: session.userId }),
  );
  if (ended.length > 0) await afterSessionsChanged({ sessionIds: ended.map((row) => row.id) });
  return ended;
}

/** Ends one of the user's sessions; false when no such session belongs to the user. */
export async function endSessionById(
  db: Database,
  userId: string,
  sessionId: string,
  cause: EndCause,
  actor: Actor,
): Promise<boolean> {
  const ended = await endSessionsWhere(
    db,
    allOf(eq(session.id, sessionId), eq(session.userId, userId)),
    cause,
    actor,
  );
  return ended.length > 0;
}

/** Ends every session of the user except one; returns how many ended. */
export async function endOtherSessions(
  db: Database,
  userId: string,
  keepSessionId: string,
  cause: EndCause,
  actor: Actor,
): Promise<number> {
  const ended = await endSessionsWhere(
    db,
    allOf(eq(session.userId, userId), ne(session.id, keepSessionId)),
    cause,
    actor,
  );
  return ended.length;
}

/** Ends every session of the user; returns how many ended. */
export async function endAllSessions(
  db: Database,
  userId: string,
  cause: EndCause,
  actor: Actor,
): Promise<number> {
  const ended = await endSessionsWhere(db, eq(session.userId, userId), cause, actor);
  return ended.length;
}

/** Ends every session of the users with these ids (admin tools). */
export async function endSessionsOfUsers(
  db: Database,
  userIds: string[],
  cause: EndCause,
  actor: Actor,
): Promise<number> {
  if (userIds.length === 0) return 0;
  const ended = await endSessionsWhere(db, inArray(session.userId, userIds), cause, actor);
  return ended.length;
}

/** Deletes a user; the cascade ends their sessions, recorded as `account_deleted`. */
export async function deleteUserAndSessions(db: Database, userId: string, actor: Actor) {
  const deleted = await withEndCause(db, "account_deleted", actor, (tx) =>
    tx.delete(user).where(eq(user.id, userId)).returning({ id: user.id }),
  );
  await afterSessionsChanged({ userIds: [userId] });
  return deleted.length > 0;
}

/** Deletes a session that outlived its inactivity timeout or absolute lifetime, recorded as `expired`. */
export async function endExpiredSession(
  db: Database,
  sessionId: string,
  reason: typeof EndReason.IDLE_TIMEOUT | typeof EndReason.ABSOLUTE_TIMEOUT,
): Promise<void> {
  await endSessionsWhere(db, eq(session.id, sessionId), reason, {});
}
