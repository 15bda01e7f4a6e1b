/**
 * Reading a user's sessions (devices). Every query is scoped by the owner's user id, so another
 * user's session can never be read through it; ending sessions lives in ./session-store.ts.
 */
import { and, desc, eq, gt } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session } from "../../../db/schema";
import { type DeviceDescription, describeDevice } from "./device-description";

export interface DeviceSession {
  id: string;
  createdAt: string;
  lastActiveAt: string;
  expiresAt: string;
  ipAddress: string | null;
  userAgent: string | null;
  device: DeviceDescription;
  isCurrent: boolean;
  /** A request came from another network or browser than the session was created on (binding `audit`). */
  bindingMismatch: boolean;
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
      bindingMismatchAt: session.bindingMismatchAt,
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
    bindingMismatch: row.bindingMismatchAt !== null,
  }));
}
