/** Our app's dependencies, configured and started the way `npm start` (server/main.ts) does. */
import type { DatabaseHandle } from "../db/client";
import { createAppDependencies, startSessionCache } from "../server/app";
import { type Config, parseConfig } from "../server/env";
import { storeSessionPolicy } from "../server/sessions/lifecycle/stored-policy";
import type { AppDependencies } from "../server/trpc/context";

/** Fixed so runs are comparable; never a real secret. */
export const BENCH_SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/** Environment variables a row sets on top of production's defaults. */
export type ExtraEnv = Record<string, string>;

/** In-process session cache off: every request reads its session with one query (rows d3). */
export const NO_SESSION_CACHE: ExtraEnv = { SESSION_CACHE_TTL_SEC: "0" };

/** The configuration `npm start` would parse in production, on this base URL. */
export function productionConfig(
  baseUrl: string,
  databaseUrl?: string,
  extraEnv: ExtraEnv = {},
): Config {
  return parseConfig({
    NODE_ENV: "production",
    BETTER_AUTH_SECRET: BENCH_SECRET,
    BASE_URL: baseUrl,
    PORT: new URL(baseUrl).port,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  });
}

/**
 * The steps of server/main.ts between "database migrated" and "listen": keep them in step, or
 * rows d and d2 stop measuring what production runs (without `startSessionCache`, for one, the
 * in-process session cache is never trusted and every request reads the database).
 */
export async function startOurApp(
  database: DatabaseHandle,
  baseUrl: string,
  databaseUrl: string | undefined,
  extraEnv: ExtraEnv = {},
): Promise<AppDependencies> {
  const config = productionConfig(baseUrl, databaseUrl, extraEnv);
  await storeSessionPolicy(database.db, config.session);
  const deps = createAppDependencies(database, config);
  await startSessionCache(database, deps, (line) => console.warn(`[bench] ${line}`));
  return deps;
}
