/** Starts the server: configuration, database (+ migrations), Better Auth, HTTP; stops cleanly on SIGTERM/SIGINT. */
import { fileURLToPath } from "node:url";
import { openDatabase } from "../db/client";
import { migrateDatabase } from "../db/migrate";
import { createAppDependencies, startSessionCache } from "./app";
import { ConfigError, parseConfig } from "./env";
import { createHttpServer } from "./http/server";
import { startCleanupSchedule } from "./sessions/cleanup-schedule";
import { storeSessionPolicy } from "./sessions/policy";

const staticDir = fileURLToPath(new URL("../dist/client", import.meta.url));

async function main() {
  const config = parseConfig();
  const database = await openDatabase({
    url: config.databaseUrl,
    pgliteDataDir: config.pgliteDataDir,
  });
  await migrateDatabase(database);
  await storeSessionPolicy(database.db, config.session);
  const deps = createAppDependencies(database, config);
  const stopSessionCache = await startSessionCache(database, deps, (line) => console.warn(line));
  const server = createHttpServer(deps, { staticDir });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, resolve);
  });
  const where =
    database.kind === "pglite" ? `embedded PGlite in ${config.pgliteDataDir}` : "PostgreSQL";
  console.log(`Listening on ${config.baseUrl} (${config.nodeEnv}, database: ${where})`);
  const cleanup = startCleanupSchedule(database, config.session, {
    log: (line) => console.log(line),
    // The message only: a driver error's details may quote row data.
    onError: (error) =>
      console.error(
        `Session cleanup failed: ${error instanceof Error ? error.message : String(error)}`,
      ),
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: closing connections`);
    server.close();
    server.closeIdleConnections();
    // Requests in flight get a few seconds; then the rest are cut.
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    force.unref();
    // A cleanup in progress finishes its current batch before the database closes under it.
    await Promise.all([new Promise((resolve) => server.once("close", resolve)), cleanup.stop()]);
    await stopSessionCache();
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else console.error("The server could not start:", error);
  process.exit(1);
});
