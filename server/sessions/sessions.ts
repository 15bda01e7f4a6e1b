/**
 * Session domain operations as plain functions over the database. Every write is scoped by the
 * owner's user id, so another user's session id can never be read or ended through them.
 */
import { and, desc, eq, gt, ne } from "drizzle-orm";
import type { Database } from "../../db/client";
import { session } from "../../db/schema";
import { type DeviceDescription, describeDevice } from "./device";

export interface DeviceSession {
  id: string;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  device: DeviceDescription;
  isCurrent: boolean;
}

/** Every live session of a user, most recently active first. Never a token. */
export async function listLiveSessions(
  db: Database,
  userId: string,
  currentSessionId: string,
): Promise<DeviceSession[]> {
  const rows = await db
    .select({
      id: session.id,
      createdAt: session.createdAt,
      updatedAt: session.updatedAt,
      expiresAt: session.expiresAt,
      ipAddress: session.ipAddress,
      userAgent: session.userAgent,
    })
    .from(session)
    .where(and(eq(session.userId, userId), gt(session.expiresAt, new Date())))
    .orderBy(desc(session.updatedAt), desc(session.createdAt));
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt.toISOString(),
    lastActiveAt: row.updatedAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    ipAddress: row.ipAddress,
    userAgent: row.userAgent,
    device: describeDevice(row.userAgent),
    isCurrent: row.id === currentSessionId,
  }));
}

/** Ends one of the user's sessions; false when no such session belongs to the user. */
export async function endSessionById(db: Database, userId: string, sessionId: string) {
  const ended = await db
    .delete(session)
    .where(and(eq(session.id, sessionId), eq(session.userId, userId)))
    .returning({ id: session.id });
  return ended.length > 0;
}

/** Ends every session of the user except one; returns how many ended. */
export async function endOtherSessions(db: Database, userId: string, keepSessionId: string) {
  const ended = await db
    .delete(session)
    .where(and(eq(session.userId, userId), ne(session.id, keepSessionId)))
    .returning({ id: session.id });
  return ended.length;
}

/** Ends every session of the user; returns how many ended. */
export async function endAllSessions(db: Database, userId: string) {
  const ended = await db
    .delete(session)
    .where(eq(session.userId, userId))
    .returning({ id: session.id });
  return ended.length;
}
