/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL, or to the embedded database. */
import { openDatabase } from "../db/client";
import { DataDirInUseError } from "../db/data-dir-lock";
import { migrateDatabase } from "../db/migrate";
import { developmentSecret } from "../server/development-secret";
import { ConfigError, parseConfig } from "../server/env";

async function main(): Promise<number> {
  try {
    const config = parseConfig(process.env, { developmentSecret });
    const database = await openDatabase({
      ...config.database,
      owner: { kind: "command", label: "npm run db:migrate" },
    });
    try {
      await migrateDatabase(database);
    } finally {
      await database.close();
    }
    console.log(`Migrations applied (${database.kind}).`);
    return 0;
  } catch (error) {
    // The operator's to fix, told without a stack trace; anything else is a bug and keeps it.
    if (error instanceof ConfigError || error instanceof DataDirInUseError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main();
