/**
 * What `npm run sessions` does, as plain functions (scripts/sessions.ts only parses arguments and
 * prints). An operator at the command line is the actor: no user, no session, no address.
 */
import { and, eq, inArray, lte, ne, type SQL, sql } from "drizzle-orm";
import type { Database, DatabaseHandle } from "../../../db/client";
import { session, USER_ROLES, type UserRole, user } from "../../../db/schema";
import { EndReason } from "../../../shared/session-events";
import {
  CLEANUP_LOCK_KEY,
  type CleanupPolicy,
  type CleanupProgress,
  runSessionCleanup,
  type SessionCleanupReport,
} from "./cleanup";
import type { Actor, SessionStore } from "./session-store";

/** How administrative actions from the CLI are recorded (ASVS 7.4.5: who ended the sessions). */
export const CLI_ACTOR: Actor = {
  userId: null,
  sessionId: null,
  ipAddress: null,
  userAgent: "cli",
};

/** An expected failure of a command (unknown user, bad role): its message is for the operator. */
export class AdminCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdminCommandError";
  }
}

/** The user with this email (Better Auth stores emails in lower case), or an AdminCommandError. */
async function findUserByEmail(db: Database, email: string) {
  const normalized = email.trim().toLowerCase();
  const [found] = await db
    .select({ id: user.id, email: user.email, role: user.role })
    .from(user)
    .where(eq(user.email, normalized));
  if (!found) throw new AdminCommandError(`No user with email '${normalized}'`);
  return found;
}

/**
 * Ends every session of the user, recorded as `revoked` / `admin` by `actor` (the CLI, or the
 * administrator calling `admin.revokeUserSessions`); returns how many.
 */
export async function revokeSessionsByEmail(
  sessions: SessionStore,
  email: string,
  actor: Actor = CLI_ACTOR,
): Promise<{ email: string; sessionsEnded: number }> {
  const found = await findUserByEmail(sessions.db, email);
  const sessionsEnded = await sessions.endOfUsers([found.id], EndReason.ADMIN, actor);
  return { email: found.email, sessionsEnded };
}

/** Sessions per delete when ending everyone's: short transactions, a bounded list of ids to announce. */
export const REVOKE_ALL_BATCH_SIZE = 5000;

/**
 * Ends the session of every user (ASVS 7.4.5; after a leak, say), recorded as `revoked` /
 * `admin` by `actor`, every instance's cache told batch by batch as for any revoke. Sessions
 * created after the command started are left alone, so it ends; `keepSessionId` is left alone
 * too (the administrator's own session, when asked from the app). Returns how many ended.
 */
export async function revokeAllSessions(
  sessions: SessionStore,
  actor: Actor = CLI_ACTOR,
  options: { keepSessionId?: string; batchSize?: number } = {},
): Promise<{ sessionsEnded: number }> {
  const batchSize = options.batchSize ?? REVOKE_ALL_BATCH_SIZE;
  const startedAt = new Date();
  const conditions: SQL[] = [lte(session.createdAt, startedAt)];
  if (options.keepSessionId) conditions.push(ne(session.id, options.keepSessionId));
  const existing = and(...conditions) as SQL;
  let sessionsEnded = 0;
  for (;;) {
    const batch = await sessions.db
      .select({ id: session.id })
      .from(session)
      .where(existing)
      .limit(batchSize);
    if (batch.length === 0) return { sessionsEnded };
    const ids = batch.map((row) => row.id);
    const ended = await sessions.endWhere(inArray(session.id, ids), EndReason.ADMIN, actor);
    sessionsEnded += ended.length;
  }
}

/** True for a role `user.role` can hold. */
export function isUserRole(value: string): value is UserRole {
  return (USER_ROLES as readonly string[]).includes(value);
}

/** Sets the user's role: how the first administrator is made. */
export async function setUserRole(
  db: Database,
  email: string,
  role: string,
): Promise<{ email: string; previousRole: UserRole; role: UserRole }> {
  if (!isUserRole(role)) {
    throw new AdminCommandError(`Unknown role '${role}': use one of ${USER_ROLES.join(", ")}`);
  }
  const found = await findUserByEmail(db, email);
  await db.update(user).set({ role, updatedAt: sql`now()` }).where(eq(user.id, found.id));
  return { email: found.email, previousRole: found.role, role };
}

/**
 * A full cleanup, unless another instance (a server's schedule) is running one: then `null`, as
 * doing it twice at once would only compete for the same rows.
 */
export async function cleanupSessions(
  handle: DatabaseHandle,
  policy: CleanupPolicy,
  onProgress?: (progress: CleanupProgress) => void,
): Promise<SessionCleanupReport | null> {
  const outcome = await handle.tryExclusive(CLEANUP_LOCK_KEY, () =>
    runSessionCleanup(handle, policy, { onProgress }),
  );
  return outcome.ran ? outcome.value : null;
}
