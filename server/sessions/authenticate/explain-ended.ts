/**
 * Why a request that presented a credential has no session: the reason code a client can
 * explain to its user (evicted, revoked, expired, binding). Read from the session's end event,
 * which the database trigger records for every ended session (by token: `findSessionEnd` in
 * ../lifecycle/events.ts; by a JWT's claims: below).
 */
import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { sessionEvent } from "../../../db/schema";
import { ErrorReason } from "../../../shared/errors";
import { EndReason } from "../../../shared/session-events";

/** Why the session a valid JWT names is gone. One indexed lookup. */
export async function explainEndedSession(
  db: Database,
  claims: { sessionId: string; userId: string },
): Promise<ErrorReason> {
  const [ended] = await db
    .select({ reason: sessionEvent.reason })
    .from(sessionEvent)
    .where(
      and(
        eq(sessionEvent.userId, claims.userId),
        eq(sessionEvent.sessionId, claims.sessionId),
        // End events are the ones that carry the token's hash.
        isNotNull(sessionEvent.tokenHash),
      ),
    )
    .orderBy(desc(sessionEvent.id))
    .limit(1);
  return ended ? reasonForSessionEnd(ended.reason) : ErrorReason.SESSION_REQUIRED;
}

/** The reason code for a session that ended for this recorded reason (an end event's `reason`). */
export function reasonForSessionEnd(endReason: string | null): ErrorReason {
  switch (endReason) {
    case EndReason.LIMIT:
      return ErrorReason.SESSION_EVICTED;
    case EndReason.BINDING:
      return ErrorReason.SESSION_BINDING_MISMATCH;
    case EndReason.IDLE_TIMEOUT:
    case EndReason.ABSOLUTE_TIMEOUT:
      return ErrorReason.SESSION_EXPIRED;
    case EndReason.OTHER_DEVICE:
    case EndReason.ALL:
    case EndReason.ADMIN:
    case EndReason.PASSWORD_CHANGE:
    case EndReason.PASSWORD_RESET:
    case EndReason.ACCOUNT_DELETED:
    case EndReason.NOT_ME:
    case EndReason.EMAIL_CHANGE_UNDONE:
      return ErrorReason.SESSION_REVOKED;
    default:
      // Signed out, replaced or re-authenticated on this very device: nothing to explain.
      return ErrorReason.SESSION_REQUIRED;
  }
}
