import { and, eq, ne } from "drizzle-orm";
import type { Database } from "../../db/client";
import { isUniqueViolation } from "../../db/errors";
import { user } from "../../db/schema";

export type ChangeEmailOutcome = "changed" | "taken" | "unchanged";

/**
 * Sets a new, unverified email address. The unique index decides races: two users asking for
 * the same address at once get one "changed" and one "taken", never a 500.
 */
export async function changeEmail(
  db: Database,
  userId: string,
  newEmail: string,
): Promise<ChangeEmailOutcome> {
  const [current] = await db.select({ email: user.email }).from(user).where(eq(user.id, userId));
  if (current?.email === newEmail) return "unchanged";
  const [other] = await db
    .select({ id: user.id })
    .from(user)
    .where(and(eq(user.email, newEmail), ne(user.id, userId)));
  if (other) return "taken";
  try {
    await db
      .update(user)
      .set({ email: newEmail, emailVerified: false, updatedAt: new Date() })
      .where(eq(user.id, userId));
    return "changed";
  } catch (error) {
    if (isUniqueViolation(error)) return "taken";
    throw error;
  }
}
