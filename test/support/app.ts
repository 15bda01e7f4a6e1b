/**
 * Real parts for tests: a real database, real Better Auth, the real router and the real HTTP
 * handler. Nothing is mocked.
 */
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { DatabaseHandle } from "../../db/client";
import { startApp } from "../../server/app";
import type { AppDependencies } from "../../server/dependencies";
import { type Config, parseConfig } from "../../server/env";
import { openTestDatabase } from "./database";
import type { DatabaseKind } from "./environment";

/** Where `npm run build` puts the SPA (the server serves whatever is there). */
const BUILT_SPA = fileURLToPath(new URL("../../dist/client", import.meta.url));

export const TEST_SECRET = "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

/**
 * Rate limits stay on in tests (as in production), generous enough for suites that sign in many
 * times from one address; test/http/rate-limit.test.ts sets strict ones.
 */
export const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_IP_MAX: "100000",
  RATE_LIMIT_ACCOUNT_MAX: "100000",
};

/**
 * NODE_ENV=production for suites about something other than mail: production refuses to start
 * without SMTP_URL while a mail feature is on (server/env.ts), so these turn every one off.
 */
export const PRODUCTION_WITHOUT_MAIL = {
  NODE_ENV: "production",
  EMAIL_VERIFICATION: "off",
  PASSWORD_RESET: "off",
  NEW_DEVICE_ALERTS: "off",
};

/** Configuration as the server would parse it, with a fixed secret and overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  return parseConfig({
    NODE_ENV: "test",
    BETTER_AUTH_SECRET: TEST_SECRET,
    DATA_DIR: "/tmp/sessions-test-unused",
    // The cleanup runs when a test calls it, not on a timer under the suite.
    SESSION_CLEANUP_INTERVAL_SEC: "0",
    ...GENEROUS_RATE_LIMITS,
    ...env,
  });
}

export interface TestApp {
  database: DatabaseHandle;
  deps: AppDependencies;
  close(): Promise<void>;
}

export async function createTestApp(
  kind: DatabaseKind,
  env: Record<string, string> = {},
): Promise<TestApp> {
  return testAppOn(await openTestDatabase(kind), env);
}

/** The app on a database the test prepared itself (closed with the app). */
export async function testAppOn(
  database: DatabaseHandle,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const app = await startApp(database, testConfig(env), { staticDir: BUILT_SPA });
  return {
    database,
    deps: app.deps,
    async close() {
      await app.stop();
      await database.close();
    },
  };
}

export interface TestServer {
  baseUrl: string;
  deps: AppDependencies;
  database: DatabaseHandle;
  close(): Promise<void>;
}

/** The real request handler on a loopback port; BASE_URL is that port unless overridden. */
export async function startTestServer(
  kind: DatabaseKind,
  env: Record<string, string> = {},
  staticDir = BUILT_SPA,
): Promise<TestServer> {
  const database = await openTestDatabase(kind);
  const instance = await startTestInstance(database, env, staticDir);
  return {
    baseUrl: instance.baseUrl,
    deps: instance.deps,
    database,
    async close() {
      await instance.close();
      await database.close();
    },
  };
}

export interface TestInstance {
  baseUrl: string;
  deps: AppDependencies;
  close(): Promise<void>;
}

/**
 * Another instance of the app (its own dependencies, Better Auth and session cache) on a database
 * another test server already uses: what a second process of one deployment would be.
 */
export async function startTestInstance(
  database: DatabaseHandle,
  env: Record<string, string> = {},
  staticDir = BUILT_SPA,
): Promise<TestInstance> {
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://localhost:${port}`;
  const config = testConfig({ PORT: String(port), BASE_URL: baseUrl, ...env });
  const app = await startApp(database, config, { staticDir });
  handler = app.handler;
  return {
    baseUrl,
    deps: app.deps,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.stop();
    },
  };
}
