import { eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { user } from "../../db/schema";

/**
 * Sets the user's display name (already checked against `nameSchema`). Returns the stored name,
 * or null when there is no such user.
 */
export async function changeName(
  db: Database,
  userId: string,
  name: string,
): Promise<string | null> {
  const [updated] = await db
    .update(user)
    .set({ name, updatedAt: new Date() })
    .where(eq(user.id, userId))
    .returning({ name: user.name });
  return updated?.name ?? null;
}
