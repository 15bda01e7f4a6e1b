import { eq } from "drizzle-orm";
import type { Database } from "../../../db/client";
import { session } from "../../../db/schema";

/**
 * "Last active" for the device list. Better Auth only writes `updated_at` on a sliding refresh
 * (once a day by default), so we write it ourselves, at most once per interval per session
 * (Lucia's advice): one small write per active device every few minutes, not one per request.
 */
export interface ActivityRecorder {
  touch(current: { id: string; updatedAt: Date | string }): Promise<void>;
}

export const ACTIVITY_WRITE_INTERVAL_MS = 5 * 60 * 1000;
/** Bounds the per-instance memory of recent writes; past it the map starts over. */
const MAX_TRACKED_SESSIONS = 50_000;

export function createActivityRecorder(db: Database): ActivityRecorder {
  const lastWriteMs = new Map<string, number>();
  return {
    async touch(current) {
      const now = Date.now();
      const last = lastWriteMs.get(current.id) ?? new Date(current.updatedAt).getTime();
      if (now - last < ACTIVITY_WRITE_INTERVAL_MS) return;
      if (lastWriteMs.size >= MAX_TRACKED_SESSIONS) lastWriteMs.clear();
      lastWriteMs.set(current.id, now);
      await db
        .update(session)
        .set({ updatedAt: new Date(now) })
        .where(eq(session.id, current.id));
    },
  };
}
