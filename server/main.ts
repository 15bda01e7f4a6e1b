/** Starts the server: configuration, database (+ migrations), Better Auth, HTTP; stops cleanly on SIGTERM/SIGINT. */
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { openDatabase } from "../db/client";
import { DataDirInUseError } from "../db/data-dir-lock";
import { migrateDatabase } from "../db/migrate";
import { startApp } from "./app";
import { developmentSecret } from "./development-secret";
import { ConfigError, parseConfig } from "./env";
import { logger } from "./logger";

const staticDir = fileURLToPath(new URL("../dist/client", import.meta.url));

async function main() {
  const config = parseConfig(process.env, { developmentSecret });
  logger.level = config.logLevel;
  const database = await openDatabase({
    ...config.database,
    owner: { kind: "server", label: "the server", url: config.http.baseUrl },
  });
  await migrateDatabase(database);
  const app = await startApp(database, config, { staticDir });
  const server = createServer(app.handler);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.http.port, config.http.host, resolve);
  });
  const where =
    database.kind === "pglite"
      ? `embedded PGlite in ${config.database.pgliteDataDir}`
      : "PostgreSQL";
  logger.info(`Listening on ${config.http.baseUrl} (${config.nodeEnv}, database: ${where})`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: closing connections`);
    server.close();
    server.closeIdleConnections();
    // Requests in flight get a few seconds; then the rest are cut.
    const force = setTimeout(() => server.closeAllConnections(), 5000);
    force.unref();
    // A cleanup in progress finishes its current batch before the database closes under it.
    await Promise.all([new Promise((resolve) => server.once("close", resolve)), app.stop()]);
    await database.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirInUseError)
    logger.fatal(error.message);
  else logger.fatal({ err: error }, "The server could not start");
  process.exit(1);
});
