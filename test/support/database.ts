/**
 * A fresh, migrated database per test file: in-memory PGlite, or a new database on the
 * TEST_DATABASE_URL server that is dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "../../db/client";
import { migrateDatabase, migrationsFolder } from "../../db/migrate";
import { type DatabaseKind, testDatabaseUrl } from "./environment";

/** `migrationsFolder`: another set of migrations to apply (see `migrationsBefore`). */
export async function openTestDatabase(
  kind: DatabaseKind,
  options: { migrationsFolder?: string } = {},
): Promise<DatabaseHandle> {
  const folder = options.migrationsFolder ?? migrationsFolder;
  if (kind === "pglite") {
    const handle = await openDatabase({});
    await migrateDatabase(handle, folder);
    return handle;
  }
  if (!testDatabaseUrl) throw new Error("TEST_DATABASE_URL is required for PostgreSQL tests");
  const name = `sessions_test_${Date.now()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(testDatabaseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), maxConnections: 10 });
  await migrateDatabase(handle, folder);
  return {
    ...handle,
    async close() {
      await handle.close();
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/**
 * A temporary migrations folder with the committed migrations that come before `tag` (e.g.
 * "0006_session_tokens_hashed"): a database migrated with it is what the release before left.
 * Migrating it again with the real folder then applies `tag` and what follows, as an upgrade does.
 */
export async function migrationsBefore(tag: string): Promise<string> {
  const journalPath = path.join(migrationsFolder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as {
    entries: Array<{ idx: number; tag: string }>;
  };
  const cut = journal.entries.findIndex((entry) => entry.tag === tag);
  if (cut === -1) throw new Error(`No migration '${tag}' in ${journalPath}`);
  const entries = journal.entries.slice(0, cut);
  const folder = await mkdtemp(path.join(tmpdir(), "migrations-before-"));
  await mkdir(path.join(folder, "meta"));
  await writeFile(
    path.join(folder, "meta", "_journal.json"),
    JSON.stringify({ ...journal, entries }),
  );
  for (const entry of entries) {
    const file = `${entry.tag}.sql`;
    await copyFile(path.join(migrationsFolder, file), path.join(folder, file));
  }
  return folder;
}
