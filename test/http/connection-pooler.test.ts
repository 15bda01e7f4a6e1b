/**
 * Behind a transaction pooler (Debian's PgBouncer, started here in `pool_mode = transaction`),
 * where consecutive statements may run on different server connections and LISTEN hears only
 * the pooled connection it happened to run on. Server processes reach PostgreSQL only through
 * it (`DATABASE_POOLER=transaction`), and a revocation made on one is refused by every other on
 * its next request, whichever way each one listens:
 * - A and B LISTEN on a direct connection (`DATABASE_LISTEN_URL`) and serve from their caches;
 * - C has no direct connection: its cache is off, it reads the database;
 * - D is misconfigured to LISTEN through the pooler too: its pings never come back, so it never
 *   trusts its cache (the fail-safe), and reads the database.
 * Migrations at start-up and the cleanup CLI take their advisory locks through the pooler too,
 * and leave none behind.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrationsFolder } from "../../db/migrate";
import { newCredentials } from "../support/device";
import { findPgBouncer, requirePgBouncer, testDatabaseUrl } from "../support/environment";
import { HttpClient } from "../support/http-client";
import { revokeFrom, sameCookies, sessionCacheState } from "../support/instances";
import { type PgBouncer, pgBouncerVersion, startPgBouncer } from "../support/pgbouncer";
import { type run, runScript, startServerProcess, stop } from "../support/server-process";

const SECRET = "connection-pooler-secret-0123456789-abcdef";
const pgBouncerBinary = findPgBouncer();
const runnable = testDatabaseUrl !== undefined && (pgBouncerBinary !== null || requirePgBouncer);

type Instance = { url: string; server: ReturnType<typeof run> };

describe.runIf(runnable)(`behind PgBouncer (${pgBouncerVersion(pgBouncerBinary ?? "")})`, () => {
  const name = `sessions_pooler_${Date.now()}`;
  let admin: postgres.Sql;
  let pooler: PgBouncer;
  let directUrl: string;
  let pooledUrl: string;
  const instances: Instance[] = [];
  let a: Instance;
  let b: Instance;
  let c: Instance;
  let d: Instance;

  function start(env: Record<string, string>) {
    return startServerProcess({
      DATABASE_URL: pooledUrl,
      DATABASE_POOLER: "transaction",
      BETTER_AUTH_SECRET: SECRET,
      ...env,
    }).then((instance) => {
      instances.push(instance);
      return instance;
    });
  }

  /** Advisory locks held on the test database, by anyone. */
  async function advisoryLocksHeld(): Promise<number> {
    const rows = await admin`
      select count(*)::int as held from pg_locks l join pg_database d on d.oid = l.database
      where l.locktype = 'advisory' and l.granted and d.datname = ${name}`;
    return rows[0]?.held as number;
  }

  beforeAll(async () => {
    if (!pgBouncerBinary) throw new Error("REQUIRE_PGBOUNCER=1 but no pgbouncer binary was found");
    admin = postgres(testDatabaseUrl ?? "", { max: 1, onnotice: () => {} });
    // An empty database: the first instances migrate it, through the pooler.
    await admin.unsafe(`create database "${name}"`);
    const url = new URL(testDatabaseUrl ?? "");
    url.pathname = `/${name}`;
    directUrl = url.toString();
    pooler = await startPgBouncer(pgBouncerBinary, directUrl);
    pooledUrl = pooler.through(directUrl);
    // A and B start together: both try to migrate, the advisory lock lets one do it.
    [a, b] = await Promise.all([
      start({ DATABASE_LISTEN_URL: directUrl }),
      start({ DATABASE_LISTEN_URL: directUrl }),
    ]);
    [c, d] = await Promise.all([start({}), start({ DATABASE_LISTEN_URL: pooledUrl })]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(instances.map(({ server }) => stop(server.child, server.exited)));
    await pooler?.stop();
    await admin?.unsafe(`drop database if exists "${name}" with (force)`);
    await admin?.end();
  });

  async function signedInOnA() {
    const credentials = newCredentials();
    const onA = new HttpClient(a.url);
    expect((await onA.signUp(credentials)).status).toBe(200);
    return { onA, credentials };
  }

  it("instances that started together migrated once and hold no advisory lock", async () => {
    const migrated = postgres(directUrl, { max: 1, onnotice: () => {} });
    try {
      const rows =
        await migrated`select count(*)::int as applied from drizzle.__drizzle_migrations`;
      const journal = JSON.parse(
        readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8"),
      ) as { entries: unknown[] };
      expect(rows[0]?.applied).toBe(journal.entries.length);
    } finally {
      await migrated.end();
    }
    expect(await advisoryLocksHeld()).toBe(0);
  });

  it("listening directly, A and B trust their caches and B refuses a session revoked on A, though it had it cached", async () => {
    expect(await sessionCacheState(a.url)).toBe("trusted");
    expect(await sessionCacheState(b.url)).toBe("trusted");
    const { onA, credentials } = await signedInOnA();
    const onB = sameCookies(onA, b.url, b.url);
    expect((await onB.query("session.list")).status).toBe(200);
    expect((await onB.query("session.list")).status).toBe(200); // a cache hit
    await revokeFrom(a.url, onA, credentials);
    const refused = await onB.query("session.list");
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.data.reason).toBe("SESSION_REVOKED");
  });

  it("without a direct connection C keeps its cache off and refuses a revoked session on its next request", async () => {
    expect(await sessionCacheState(c.url)).toBe("bypassed");
    const { onA, credentials } = await signedInOnA();
    const onC = sameCookies(onA, c.url, c.url);
    expect((await onC.query("session.list")).status).toBe(200);
    await revokeFrom(a.url, onA, credentials);
    expect((await onC.query("session.list")).status).toBe(401);
  });

  it("listening through the pooler, D never hears its own pings, never trusts its cache, and refuses a revoked session", async () => {
    const { onA, credentials } = await signedInOnA();
    const onD = sameCookies(onA, d.url, d.url);
    expect((await onD.query("session.list")).status).toBe(200);
    expect((await onD.query("session.list")).status).toBe(200);
    await revokeFrom(a.url, onA, credentials);
    expect((await onD.query("session.list")).status).toBe(401);
    // Several heartbeats later (every 2 s) it still has not heard one of them.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(await sessionCacheState(d.url)).toBe("bypassed");
  });

  it("the cleanup CLI runs through the pooler and leaves no advisory lock behind", async () => {
    for (let run = 0; run < 2; run += 1) {
      const result = await runScript("scripts/sessions.ts", ["cleanup"], {
        DATABASE_URL: pooledUrl,
        DATABASE_POOLER: "transaction",
        BETTER_AUTH_SECRET: SECRET,
        NODE_ENV: "test",
      });
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    }
    expect(await advisoryLocksHeld()).toBe(0);
  });
});
