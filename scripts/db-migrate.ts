/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL, or to the embedded database. */
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { parseConfig } from "../server/env";

const config = parseConfig();
const database = await openDatabase({
  url: config.databaseUrl,
  pgliteDataDir: config.pgliteDataDir,
});
await migrateDatabase(database);
await database.close();
console.log(`Migrations applied (${database.kind}).`);
