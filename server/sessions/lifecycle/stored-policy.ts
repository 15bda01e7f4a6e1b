/** The parts of the session policy the database enforces, and the checks made per request. */
import type { Database } from "../../../db/client";
import { sessionPolicy } from "../../../db/schema";
import type { SessionPolicy } from "../../env";

/**
 * Writes the configured limit, limit policy and absolute lifetime into `session_policy`, which
 * the session triggers read. Called at every start-up, before requests are served.
 */
export async function storeSessionPolicy(db: Database, policy: SessionPolicy): Promise<void> {
  const row = {
    maxPerUser: policy.maxPerUser,
    limitPolicy: policy.limitPolicy,
    absoluteLifetimeSec: policy.absoluteLifetimeSec,
  };
  await db
    .insert(sessionPolicy)
    .values({ id: true, ...row })
    .onConflictDoUpdate({ target: sessionPolicy.id, set: row });
}
