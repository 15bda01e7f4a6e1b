import { fileURLToPath } from "node:url";
import type { DatabaseHandle } from "./client";

export const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/** An arbitrary, fixed advisory-lock key for "migrations running". */
const MIGRATION_LOCK_KEY = 72_001_001;

/**
 * Applies the committed drizzle-kit migrations; idempotent, run at every start-up. `folder` is
 * for tests that build a database as an older release left it.
 */
export function migrateDatabase(handle: DatabaseHandle, folder = migrationsFolder): Promise<void> {
  return handle.exclusive(MIGRATION_LOCK_KEY, () => applyMigrations(handle, folder));
}

async function applyMigrations(handle: DatabaseHandle, folder: string): Promise<void> {
  if (handle.kind === "postgres") {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the driver-specific type
    await migrate(handle.db as any, { migrationsFolder: folder });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the driver-specific type
    await migrate(handle.db as any, { migrationsFolder: folder });
  }
}
