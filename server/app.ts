/** Wires the parts together; shared by the server's main and by tests, which open their own database. */
import type { DatabaseHandle } from "../db/client";
import { createAuth } from "./auth";
import type { Config } from "./env";
import { createActivityRecorder } from "./sessions/activity";
import { createDatabaseLiveness } from "./sessions/liveness";
import type { AppDependencies } from "./trpc/context";

export function createAppDependencies(database: DatabaseHandle, config: Config): AppDependencies {
  const { db } = database;
  const liveness = createDatabaseLiveness(db);
  return {
    db,
    config,
    auth: createAuth({ db, config, liveness }),
    activity: createActivityRecorder(db),
  };
}
