/** Our app, configured and started by `startApp`, as `npm start` (server/main.ts) starts it. */
import type { DatabaseHandle } from "../db/client";
import { type App, startApp } from "../server/app";
import { type Config, parseConfig } from "../server/env";

/** Fixed so runs are comparable; never a real secret. */
export const BENCH_SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/** Environment variables a row sets on top of production's defaults. */
export type ExtraEnv = Record<string, string>;

/** In-process session cache off: every request reads its session with one query (rows d3). */
export const NO_SESSION_CACHE: ExtraEnv = { SESSION_CACHE_TTL_SEC: "0" };

/**
 * No SMTP server runs beside the bench, and production refuses to start without one while a mail
 * feature is on (server/env.ts): the bench measures sessions with mail turned off. (A sign-in
 * still learns its device for new-device alerts: that cost is measured.)
 */
export const MAIL_OFF: ExtraEnv = {
  EMAIL_VERIFICATION: "off",
  PASSWORD_RESET: "off",
  NEW_DEVICE_ALERTS: "off",
};

/** The configuration `npm start` would parse in production, on this base URL. */
export function productionConfig(
  baseUrl: string,
  databaseUrl?: string,
  extraEnv: ExtraEnv = {},
): Config {
  return parseConfig({
    NODE_ENV: "production",
    ...MAIL_OFF,
    BETTER_AUTH_SECRET: BENCH_SECRET,
    BASE_URL: baseUrl,
    PORT: new URL(baseUrl).port,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...extraEnv,
  });
}

/** What server/main.ts runs between "database migrated" and "listen", with the bench's configuration. */
export async function startOurApp(
  database: DatabaseHandle,
  baseUrl: string,
  databaseUrl: string | undefined,
  extraEnv: ExtraEnv = {},
): Promise<App> {
  const config = productionConfig(baseUrl, databaseUrl, extraEnv);
  // The SPA is never requested.
  return startApp(database, config, { staticDir: "/nonexistent-bench-static" });
}
