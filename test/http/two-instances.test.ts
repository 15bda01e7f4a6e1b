/**
 * Revocation across instances (ADR 0011): two server processes on
 * one PostgreSQL, each with its in-process session cache. A session revoked through A is refused
 * by B on its very next request, and B keeps refusing revoked sessions when its LISTEN connection
 * is cut (it stops trusting its cache until it listens again).
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../db/client";
import { openTestDatabase } from "../support/database";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { HttpClient } from "../support/http-client";
import {
  revokeFrom,
  sameCookies,
  sessionCacheState,
  urlOfTestDatabase,
} from "../support/instances";
import { type run, startServerProcess, stop } from "../support/server-process";
import { waitFor } from "../support/wait";

const SECRET = "two-instances-secret-0123456789-abcdefghij";

describe.runIf(databaseKinds.includes("postgres"))("two instances on one PostgreSQL", () => {
  let database: DatabaseHandle;
  let databaseUrl: string;
  let a: { url: string; server: ReturnType<typeof run> };
  let b: { url: string; server: ReturnType<typeof run> };

  function start(origins: string) {
    return startServerProcess({
      TRUSTED_ORIGINS: origins,
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: SECRET,
    });
  }

  beforeAll(async () => {
    database = await openTestDatabase("postgres");
    // The servers use the database this handle created (and drops afterwards).
    databaseUrl = await urlOfTestDatabase(database);
    a = await start("");
    b = await start(a.url);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([
      a && stop(a.server.child, a.server.exited),
      b && stop(b.server.child, b.server.exited),
    ]);
    await database.close();
  });

  /** A client that signed in on A and now talks to `target` with the same cookies. */
  async function signedInOnA(credentials = newCredentials()) {
    const onA = new HttpClient(a.url);
    expect((await onA.signUp(credentials)).status).toBe(200);
    return { onA, credentials };
  }

  const revokeFromA = (victim: HttpClient, credentials: { email: string; password: string }) =>
    revokeFrom(a.url, victim, credentials);

  it("a session revoked on A is refused by B on its next request, though B had it cached", async () => {
    const { onA, credentials } = await signedInOnA();
    const onB = sameCookies(onA, b.url, a.url);
    // Twice on B: the second is a cache hit.
    expect((await onB.query("session.list")).status).toBe(200);
    expect((await onB.query("session.list")).status).toBe(200);
    await revokeFromA(onA, credentials);
    const refused = await onB.query("session.list");
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.data.reason).toBe("SESSION_REVOKED");
  });

  it("with B's listener connection cut, B stops trusting its cache and still refuses revoked sessions", async () => {
    const { onA, credentials } = await signedInOnA();
    const onB = sameCookies(onA, b.url, a.url);
    expect((await onB.query("session.list")).status).toBe(200); // cached on B

    const cut = await terminateListener(databaseUrl, b.server.child.pid ?? 0);
    expect(cut).toBe(1);
    // Revoked while B cannot hear about it.
    await revokeFromA(onA, credentials);
    expect((await onB.query("session.list")).status).toBe(401);

    // B listens again by itself, and serves from a flushed cache afterwards.
    await waitFor(async () => ((await sessionCacheState(b.url)) === "trusted" ? true : null));
    const again = await signedInOnA();
    const againOnB = sameCookies(again.onA, b.url, a.url);
    expect((await againOnB.query("session.list")).status).toBe(200);
    await revokeFromA(again.onA, again.credentials);
    expect((await againOnB.query("session.list")).status).toBe(401);
  });
});

/** Kills the LISTEN connection of the server process with this pid; returns how many were cut. */
async function terminateListener(databaseUrl: string, pid: number): Promise<number> {
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = ${`typed-sessions-listener:${pid}`}`;
    return rows.length;
  } finally {
    await admin.end();
  }
}
