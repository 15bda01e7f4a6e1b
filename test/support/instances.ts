/**
 * Several server processes on one PostgreSQL database: the same browser's cookies taken from
 * one instance to another, and a revocation made on one of them.
 */
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import type { DatabaseHandle } from "../../db/client";
import { testDatabaseUrl } from "./environment";
import { HttpClient } from "./http-client";

/** The URL of the database `handle` is connected to, on the TEST_DATABASE_URL server. */
export async function urlOfTestDatabase(handle: DatabaseHandle): Promise<string> {
  const result = await handle.db.execute(sql`select current_database() as name`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    name: string;
  }[];
  const url = new URL(testDatabaseUrl ?? "");
  url.pathname = `/${rows[0]?.name ?? ""}`;
  return url.toString();
}

/** A client on `baseUrl` holding the cookies `from` holds: the same browser, another instance. */
export function sameCookies(from: HttpClient, baseUrl: string, origin: string): HttpClient {
  const client = new HttpClient(baseUrl, origin);
  for (const name of from.jar.names()) client.jar.set(name, from.jar.get(name) ?? "");
  return client;
}

export async function currentSessionId(client: HttpClient): Promise<string> {
  const body = await (await client.query("session.current")).json();
  return body.result.data.session.id as string;
}

/** Signs in with `credentials` on `baseUrl` from another browser and revokes `victim`'s session there. */
export async function revokeFrom(
  baseUrl: string,
  victim: HttpClient,
  credentials: { email: string; password: string },
): Promise<void> {
  const other = new HttpClient(baseUrl);
  expect((await other.signIn(credentials)).status).toBe(200);
  const id = await currentSessionId(victim);
  expect((await other.mutate("session.revoke", { id })).status).toBe(200);
}

/** What an instance's /healthz says of its session cache. */
export async function sessionCacheState(baseUrl: string): Promise<string> {
  const body = await (await fetch(`${baseUrl}/healthz`)).json();
  return body.sessionCache as string;
}
