/**
 * The activity log (`session_event`). End events are written by the database trigger (see
 * ./session-store.ts); the others are recorded here, from Better Auth's hooks and the gate.
 */
import { and, desc, eq, isNotNull, lt, sql } from "drizzle-orm";
import { deleteInBatches } from "../../../db/batches";
import type { Database } from "../../../db/client";
import { sessionEvent } from "../../../db/schema";
import type { SessionActivityEvent, SessionEventType } from "../../../shared/session-events";
import { hashSessionToken } from "../token-hash";
import { describeDevice } from "./device-description";

export interface NewSessionEvent {
  userId: string;
  sessionId: string;
  type: SessionEventType;
  reason?: string | null;
  actorUserId?: string | null;
  actorSessionId?: string | null;
  ipAddress?: string | null;
  userAgent?: string | null;
}

export async function recordSessionEvent(db: Database, event: NewSessionEvent): Promise<void> {
  await db.insert(sessionEvent).values({
    userId: event.userId,
    sessionId: event.sessionId,
    type: event.type,
    reason: event.reason ?? null,
    actorUserId: event.actorUserId ?? event.userId,
    actorSessionId: event.actorSessionId ?? event.sessionId,
    ipAddress: event.ipAddress || null,
    userAgent: event.userAgent || null,
  });
}

export interface ActivityPage {
  events: SessionActivityEvent[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: number | null;
}

/** The user's own events, newest first, `limit` at a time (keyset pagination on the id). */
export async function listActivity(
  db: Database,
  options: { userId: string; currentSessionId: string; limit: number; cursor?: number | null },
): Promise<ActivityPage> {
  const rows = await db
    .select({
      id: sessionEvent.id,
      type: sessionEvent.type,
      reason: sessionEvent.reason,
      sessionId: sessionEvent.sessionId,
      actorUserId: sessionEvent.actorUserId,
      ipAddress: sessionEvent.ipAddress,
      userAgent: sessionEvent.userAgent,
      createdAt: sessionEvent.createdAt,
    })
    .from(sessionEvent)
    .where(
      and(
        eq(sessionEvent.userId, options.userId),
        options.cursor ? lt(sessionEvent.id, options.cursor) : undefined,
      ),
    )
    .orderBy(desc(sessionEvent.id))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  return {
    events: page.map((row) => ({
      id: row.id,
      type: row.type,
      reason: row.reason,
      sessionId: row.sessionId,
      isCurrentSession: row.sessionId === options.currentSessionId,
      byAdministrator: row.actorUserId !== null && row.actorUserId !== options.userId,
      ipAddress: row.ipAddress,
      userAgent: row.userAgent,
      device: describeDevice(row.userAgent),
      at: row.createdAt.toISOString(),
    })),
    nextCursor: rows.length > options.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** How the session with this token ended, if it did: the newest end event recorded for it. */
export async function findSessionEnd(
  db: Database,
  token: string,
): Promise<{ type: SessionEventType; reason: string | null } | null> {
  const [row] = await db
    .select({ type: sessionEvent.type, reason: sessionEvent.reason })
    .from(sessionEvent)
    .where(
      and(isNotNull(sessionEvent.tokenHash), eq(sessionEvent.tokenHash, hashSessionToken(token))),
    )
    .orderBy(desc(sessionEvent.id))
    .limit(1);
  return row ?? null;
}

/** Deletes events older than the retention period, `batchSize` rows per statement; returns how many. */
export async function deleteOldEvents(
  db: Database,
  retentionDays: number,
  batchSize: number,
): Promise<number> {
  return deleteInBatches(
    db,
    sessionEvent,
    sessionEvent.id,
    sql`${sessionEvent.createdAt} < now() - make_interval(days => ${retentionDays})`,
    batchSize,
  );
}
