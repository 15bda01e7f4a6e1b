/**
 * Better Auth "as shipped": the drizzle adapter on the project's schema, email + password, and
 * every other option at its default. The yardstick our own configuration (server/auth/better-auth.ts) is
 * compared with.
 */
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { sql } from "drizzle-orm";
import type { Database } from "../db/client";
import * as schema from "../db/schema";

export interface ShippedAuthOptions {
  db: Database;
  baseUrl: string;
  secret: string;
  /** false: a database lookup on every getSession; true: Better Auth's signed cookie cache. */
  cookieCache: boolean;
}

/**
 * Lets Better Auth as shipped write its sessions into our schema. Our `session.token` holds the
 * SHA-256 hex of the cookie's token (ADR 0020), enforced by a CHECK; Better Auth as shipped
 * stores the token itself, and its sign-up would fail on that CHECK. So the database the shipped
 * rows use (their own PGlite directory, or a PostgreSQL database of their own beside the run's)
 * has the CHECK dropped; nothing else of the schema changes. Idempotent.
 */
export async function allowPlainSessionTokens(db: Database): Promise<void> {
  await db.execute(sql`alter table "session" drop constraint if exists "session_token_sha256_hex"`);
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
