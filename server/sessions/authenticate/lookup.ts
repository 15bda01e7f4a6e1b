/**
 * The two lookups of a session and its user that the gate (./gate.ts) makes on a cache miss:
 * by the cookie's token, and by id (JWTs name their session by id). Expired rows are returned
 * too, so the gate can end them with the right reason.
 */
import { eq, type SQL } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session, user } from "../../../db/schema";
import type { SessionWithUser } from "../session-with-user";

/** The columns a resolved session carries, written once for both lookups below. */
const sessionWithUser = {
  session: {
    id: session.id,
    token: session.token,
    userId: session.userId,
    expiresAt: session.expiresAt,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
  },
  user: {
    id: user.id,
    name: user.name,
    email: user.email,
    emailVerified: user.emailVerified,
    image: user.image,
    role: user.role,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  },
};

/** One indexed query: the session matching `where`, and its user. */
async function loadSessionWhere(db: Database, where: SQL): Promise<SessionWithUser | null> {
  const [row] = await db
    .select(sessionWithUser)
    .from(session)
    .innerJoin(user, eq(user.id, session.userId))
    .where(where)
    .limit(1);
  return row ?? null;
}

/**
 * The session with this token (a cookie's), expired or not, and its user. The table holds the
 * token's SHA-256 (`tokenHash`, ADR 0020); the session carries the token, as Better Auth's does.
 */
export async function loadSession(db: Database, token: string, tokenHash: string) {
  const found = await loadSessionWhere(db, eq(session.token, tokenHash));
  return found && { ...found, session: { ...found.session, token } };
}

/**
 * The session with this id (a JWT's), expired or not, and its user. Its `token` is the stored
 * hash: a JWT does not carry the session token.
 */
export function loadSessionById(db: Database, sessionId: string) {
  return loadSessionWhere(db, eq(session.id, sessionId));
}
