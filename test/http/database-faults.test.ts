/**
 * Database faults: the real server process on a private PostgreSQL that the test stops
 * and starts. While the database is down, session checks fail closed (503 STORE_UNAVAILABLE,
 * never a 500, never a revoked session accepted from the in-process cache) and the process stays
 * up; when it is back, the server recovers by itself with no session lost or resurrected. A
 * server killed mid sign-in leaves no advisory lock or half-made state that breaks the next one.
 */
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newCredentials } from "../support/device";
import { databaseKinds, requirePostgres } from "../support/environment";
import { HttpClient } from "../support/http-client";
import { sessionCacheState } from "../support/instances";
import {
  findPostgresBinDir,
  type PrivatePostgres,
  startPrivatePostgres,
} from "../support/private-postgres";
import { type run, startServerProcess, stop, waitForOutput } from "../support/server-process";
import { sleep, waitFor } from "../support/wait";

/**
 * How long the server may take to serve again once PostgreSQL is back (db/client.ts caps the
 * reconnection backoff at 1 s).
 */
const RECOVERY_BOUND_MS = 20_000;
/** How long a request may take to be refused during the outage (connect timeout 5 s). */
const OUTAGE_ANSWER_BOUND_MS = 8_000;
/**
 * How long the server may take to notice that PostgreSQL stopped (its listener's connection
 * closing). Usually milliseconds; generous, since a loaded machine delays the close event and
 * the test no longer depends on it being quick (it waits for the server to say so).
 */
const DISTRUST_BOUND_MS = 10_000;
const SECRET = "database-faults-secret-0123456789-abcdefghij";
const binDir = findPostgresBinDir();
if (databaseKinds.includes("postgres") && !binDir) {
  const line = "No initdb (PG_BIN_DIR, /usr/lib/postgresql/*/bin): database fault tests SKIPPED.";
  if (requirePostgres) throw new Error(line);
  console.warn(`\n!!! SKIPPED: ${line}\n`);
}

/** What one request of the background load saw. */
interface Observation {
  who: "live" | "revoked";
  startedAt: number;
  finishedAt: number;
  status: number;
  body: string;
}

describe.runIf(databaseKinds.includes("postgres") && binDir)(
  "database faults on a private PostgreSQL",
  () => {
    let database: PrivatePostgres;
    const servers: ReturnType<typeof run>[] = [];

    async function startServer() {
      const started = await startServerProcess({
        DATABASE_URL: database.url,
        BETTER_AUTH_SECRET: SECRET,
      });
      servers.push(started.server);
      return started;
    }

    beforeAll(async () => {
      database = await startPrivatePostgres(binDir ?? "");
    }, 60_000);

    afterAll(async () => {
      await Promise.all(
        servers.map((s) => (s.child.exitCode === null ? stop(s.child, s.exited) : null)),
      );
      await database?.destroy();
    }, 60_000);

    it("fails closed while PostgreSQL is down and recovers by itself when it is back", async () => {
      const { url, server } = await startServer();
      const live: HttpClient[] = [];
      for (let i = 0; i < 3; i += 1) {
        const client = new HttpClient(url);
        expect((await client.signUp(newCredentials("fault"))).status).toBe(200);
        live.push(client);
      }
      // A user with two sessions: the victim's is revoked from the other right before the stop,
      // after having been served (and cached) until then.
      const victimCredentials = newCredentials("victim");
      const revoker = new HttpClient(url);
      expect((await revoker.signUp(victimCredentials)).status).toBe(200);
      const victim = new HttpClient(url);
      expect((await victim.signIn(victimCredentials)).status).toBe(200);
      live.push(revoker);
      for (const client of live) expect((await client.query("session.list")).status).toBe(200);

      const observations: Observation[] = [];
      let loading = true;
      let victimRevoked = false;
      // The victim keeps sending the cookies it had before the revoke (a 401 may clear them).
      let victimCookies: [string, string][] = [];
      async function load(client: HttpClient, who: Observation["who"], procedure: string) {
        while (loading) {
          if (who === "revoked" && !victimRevoked) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          if (who === "revoked")
            for (const [name, value] of victimCookies) client.jar.set(name, value);
          const startedAt = Date.now();
          const response = await client.query(procedure);
          const body = await response.text();
          observations.push({
            who,
            startedAt,
            finishedAt: Date.now(),
            status: response.status,
            body,
          });
        }
      }
      // session.current is answered from the session alone, so it is the call a trusted cache
      // could answer without the database; session.list also reads the database.
      const loops = [
        ...live.flatMap((client) => [
          load(client, "live", "session.list"),
          load(client, "live", "session.current"),
        ]),
        load(victim, "revoked", "session.current"),
        load(victim, "revoked", "session.list"),
      ];

      await sleep(1000);
      const victimBody = await (await victim.query("session.current")).json();
      const victimId = victimBody.result.data.session.id as string;
      victimCookies = victim.jar.names().map((name) => [name, victim.jar.get(name) ?? ""]);
      expect((await revoker.mutate("session.revoke", { id: victimId })).status).toBe(200);
      const revokedAt = Date.now();
      victimRevoked = true;
      await sleep(300);
      // Trusted before the stop, or there would be no change of trust to wait for below.
      await waitFor(
        async () => ((await sessionCacheState(url)) === "trusted" ? true : null),
        RECOVERY_BOUND_MS,
        "a trusted session cache before the stop",
      );
      const outputBeforeStop = server.output().length;
      await database.stop();
      const stoppedAt = Date.now();
      // Not a fixed grace after the stop but the event itself: the server says it stopped
      // trusting its cache when the listener's connection closes (pg_ctl stop ends it). From
      // then on no request may be answered from the cache. How long that takes depends on the
      // machine; DISTRUST_BOUND_MS only says it does happen.
      await waitForOutput(server, "session cache: not trusted", {
        from: outputBeforeStop,
        timeoutMs: DISTRUST_BOUND_MS,
      });
      const distrustedAt = Date.now();
      const health = await fetch(`${url}/healthz`);
      expect({ status: health.status, body: await health.json() }).toMatchObject({
        status: 503,
        body: { ok: false, database: "down", sessionCache: "bypassed" },
      });
      // Requests wait for postgres.js to give up on a connection (its backoff grows with every
      // failed attempt), so an outage answer can take seconds: wait for the first one.
      await waitFor(
        async () =>
          observations.some(
            (seen) => seen.who === "live" && seen.startedAt > distrustedAt && seen.status === 503,
          )
            ? true
            : null,
        OUTAGE_ANSWER_BOUND_MS,
        "a live session's request to be refused with 503",
      );
      expect(server.child.exitCode).toBeNull();

      const distrustMs = distrustedAt - stoppedAt;
      const firstRefusalMs = Date.now() - stoppedAt;
      // Requests may be answered while `pg_ctl start` is still waiting to see the server ready:
      // the outage ends, for the assertions below, when the restart begins.
      const restartingAt = Date.now();
      await database.start();
      const restartedAt = Date.now();
      const recovered = await waitFor(async () => {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
        const body = await response.json();
        return response.status === 200 && body.sessionCache === "trusted" ? body : null;
      }, RECOVERY_BOUND_MS);
      const recoveryMs = Date.now() - restartedAt;
      expect(recovered).toMatchObject({ ok: true, database: "up", sessionCache: "trusted" });
      await sleep(500);
      loading = false;
      await Promise.all(loops);
      expect(server.child.exitCode).toBeNull();

      // Fail closed: no 500, no stack, 503 STORE_UNAVAILABLE once PostgreSQL is gone.
      for (const seen of observations) {
        expect(seen.status, seen.body).not.toBe(500);
        expect(seen.body).not.toMatch(/stack|ECONNREFUSED|\bat .*\.ts/);
        if (seen.status === 503) {
          expect(JSON.parse(seen.body).error.data).toMatchObject({
            code: "SERVICE_UNAVAILABLE",
            reason: "STORE_UNAVAILABLE",
          });
        }
      }
      // The revoked session is never accepted: not before the stop, not from the cache during
      // the outage, not after.
      const victimSeen = observations.filter((seen) => seen.who === "revoked");
      expect(victimSeen.length).toBeGreaterThan(0);
      for (const seen of victimSeen.filter((s) => s.body !== '{"result":{"data":null}}')) {
        const when = `${seen.startedAt - revokedAt} ms after the revoke, stop at ${stoppedAt - revokedAt}, restart at ${restartedAt - revokedAt}`;
        expect([401, 503], `${when}: ${seen.body}`).toContain(seen.status);
      }
      // Requests sent once the server had stopped trusting its cache and answered before
      // PostgreSQL began to start again: 503 for every live session (the revoked one is checked
      // above, over the whole run).
      const duringOutage = observations.filter(
        (seen) => seen.startedAt > distrustedAt && seen.finishedAt < restartingAt,
      );
      expect(duringOutage.some((seen) => seen.who === "live")).toBe(true);
      for (const seen of duringOutage) {
        if (seen.who === "live") expect(seen.status, seen.body).toBe(503);
      }
      // Load ran on both sides of the outage.
      expect(
        observations.some((s) => s.who === "live" && s.status === 200 && s.startedAt < stoppedAt),
      ).toBe(true);
      expect(
        observations.some((s) => s.who === "live" && s.status === 200 && s.startedAt > restartedAt),
      ).toBe(true);

      // Nothing lost, nothing resurrected.
      for (const client of live) expect((await client.query("session.list")).status).toBe(200);
      for (const [name, value] of victimCookies) victim.jar.set(name, value);
      const refused = await victim.query("session.list");
      expect(refused.status).toBe(401);
      expect((await refused.json()).error.data.reason).toBe("SESSION_REVOKED");
      console.info(
        `database-faults: cache distrusted ${distrustMs} ms and first 503 ${firstRefusalMs} ms after PostgreSQL stopped; recovered ${recoveryMs} ms after it restarted`,
      );
    }, 80_000);

    it("a server killed mid sign-in leaves nothing that breaks the next sign-in", async () => {
      const first = await startServer();
      const credentials = newCredentials("killed");
      expect((await new HttpClient(first.url).signUp(credentials)).status).toBe(200);

      const attempts = Array.from({ length: 40 }, () =>
        new HttpClient(first.url).signIn(credentials).then(
          (response) => response.status,
          () => "cut" as const,
        ),
      );
      // Killed as soon as the first sign-in has finished: the rest are in flight.
      await Promise.race(attempts);
      first.server.child.kill("SIGKILL");
      await first.server.exited;
      const outcomes = await Promise.all(attempts);
      expect(outcomes).toContain("cut");
      for (const outcome of outcomes) expect([200, "cut"]).toContain(outcome);

      const second = await startServer();
      const client = new HttpClient(second.url);
      expect((await client.signIn(credentials)).status).toBe(200);
      expect((await client.query("session.list")).status).toBe(200);
      // The session limit's transaction-scoped advisory locks died with the killed connections.
      const admin = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const held = await waitFor(async () => {
          const [row] = await admin`
            select count(*)::int as "count" from pg_locks where locktype = 'advisory'`;
          return row?.count === 0 ? 0 : null;
        }, 5_000);
        expect(held).toBe(0);
      } finally {
        await admin.end();
      }
      expect((await new HttpClient(second.url).signIn(credentials)).status).toBe(200);
    }, 60_000);
  },
);
