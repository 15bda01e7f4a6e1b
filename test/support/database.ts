/**
 * A fresh, migrated database per test file: in-memory PGlite, or a new database on the
 * TEST_DATABASE_URL server that is dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "../../db/client";
import { migrateDatabase } from "../../db/migrate";
import { type DatabaseKind, testDatabaseUrl } from "./environment";

export async function openTestDatabase(kind: DatabaseKind): Promise<DatabaseHandle> {
  if (kind === "pglite") {
    const handle = await openDatabase({});
    await migrateDatabase(handle);
    return handle;
  }
  if (!testDatabaseUrl) throw new Error("TEST_DATABASE_URL is required for PostgreSQL tests");
  const name = `sessions_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), maxConnections: 10 });
  await migrateDatabase(handle);
  return {
    ...handle,
    async close() {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}
