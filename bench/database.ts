/** The two databases under test: a fresh PostgreSQL database per run, a PGlite directory per process. */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";

export type DatabaseKind = "pglite" | "postgres";

export type DatabaseTarget =
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string };

export const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Opens the target from a server or timing child. A PGlite directory belongs to one process, so
 * that process migrates it; the PostgreSQL database was migrated by the runner.
 */
export async function openTarget(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === "postgres") return openDatabase({ url: target.url });
  const handle = await openDatabase({ pgliteDataDir: target.dataDir });
  await migrateDatabase(handle);
  return handle;
}

/** The server's version string, or why it cannot be reached. */
export async function probePostgres(
  adminUrl: string,
): Promise<{ version: string } | { error: string }> {
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ version: string }[]>`select version()`;
    return { version: row?.version ?? "unknown" };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export interface BenchPostgres {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates and migrates a fresh database on the admin URL's server; `drop` removes it. */
export async function createPostgresDatabase(
  adminUrl: string,
  name = `sessions_bench_${Date.now()}_${randomBytes(3).toString("hex")}`,
): Promise<BenchPostgres> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    // `with (force)` ends connections a crashed child may have left behind.
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
  try {
    // Two connections at least: migrateDatabase holds one for its advisory lock.
    const handle = await openDatabase({ url: url.toString(), maxConnections: 2 });
    await migrateDatabase(handle).finally(() => handle.close());
  } catch (error) {
    await drop();
    throw error;
  }
  return { url: url.toString(), name, drop };
}
