/**
 * Database views tests check against: live sessions, recorded events, users, and the session a
 * cookie's token stands for.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../db/client";
import { session, sessionEvent, user } from "../../db/schema";
import { hashSessionToken } from "../../server/sessions/token-hash";

export async function liveSessionIds(db: Database, userId: string, now = new Date()) {
  const rows = await db
    .select({ id: session.id })
    .from(session)
    .where(and(eq(session.userId, userId), gt(session.expiresAt, now)));
  return rows.map((row) => row.id).sort();
}

/** Live sessions by the database's own clock (what the limit trigger counts). */
export async function liveSessionCount(db: Database, userId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(session)
    .where(and(eq(session.userId, userId), sql`${session.expiresAt} > now()`));
  return row?.count ?? 0;
}

export function eventsOf(db: Database, userId: string) {
  return db
    .select({
      type: sessionEvent.type,
      reason: sessionEvent.reason,
      sessionId: sessionEvent.sessionId,
      actorUserId: sessionEvent.actorUserId,
      actorSessionId: sessionEvent.actorSessionId,
      ipAddress: sessionEvent.ipAddress,
      tokenHash: sessionEvent.tokenHash,
    })
    .from(sessionEvent)
    .where(eq(sessionEvent.userId, userId))
    .orderBy(asc(sessionEvent.id));
}

export async function userIdOf(db: Database, email: string): Promise<string> {
  const [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, email));
  if (!row) throw new Error(`No user ${email}`);
  return row.id;
}

export async function roleOf(db: Database, email: string): Promise<string | null> {
  const [row] = await db.select({ role: user.role }).from(user).where(eq(user.email, email));
  if (!row) throw new Error(`No user ${email}`);
  return row.role;
}

/**
 * The id of the session a raw token (from a cookie) stands for, looked up by its hash as the
 * table stores it (ADR 0020); null when no session row has it (ended, or never existed).
 */
export async function sessionIdOfToken(db: Database, token: string): Promise<string | null> {
  const [row] = await db
    .select({ id: session.id })
    .from(session)
    .where(eq(session.token, hashSessionToken(token)));
  return row?.id ?? null;
}
