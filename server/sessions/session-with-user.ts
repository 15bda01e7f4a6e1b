/**
 * A session and its user, as the gate resolves it and the cache keeps it: the columns the
 * lookups read (./authenticate/lookup.ts), in the shape Better Auth's getSession answers, so
 * either can stand for the other.
 */
export interface SessionWithUser {
  session: {
    id: string;
    /** The token for a cookie's session; the stored hash for a session found by id. */
    token: string;
    userId: string;
    expiresAt: Date;
    createdAt: Date;
    updatedAt: Date;
    ipAddress?: string | null | undefined;
    userAgent?: string | null | undefined;
  };
  user: {
    id: string;
    name: string;
    email: string;
    emailVerified: boolean;
    image?: string | null | undefined;
    role?: string | null | undefined;
    createdAt: Date;
    updatedAt: Date;
  };
}
