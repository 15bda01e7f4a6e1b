/**
 * Better Auth "as shipped": the drizzle adapter on the project's schema, email + password, and
 * every other option at its default. The yardstick our own configuration (server/auth/better-auth.ts) is
 * compared with.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import type { Database } from "../db/client";
import * as schema from "../db/schema";

export interface ShippedAuthOptions {
  db: Database;
  baseUrl: string;
  secret: string;
  /** false: a database lookup on every getSession; true: Better Auth's signed cookie cache. */
  cookieCache: boolean;
}

export function createShippedAuth({ db, baseUrl, secret, cookieCache }: ShippedAuthOptions) {
  return betterAuth({
    baseURL: baseUrl,
    basePath: "/api/auth",
    secret,
    telemetry: { enabled: false },
    database: drizzleAdapter(db, { provider: "pg", schema }),
    emailAndPassword: { enabled: true },
    ...(cookieCache
      ? { session: { cookieCache: { enabled: true, maxAge: 300, strategy: "compact" as const } } }
      : {}),
  });
}
