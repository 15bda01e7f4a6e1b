/**
 * With the database unreachable, requests that need it fail closed: 503 SERVICE_UNAVAILABLE
 * (reason STORE_UNAVAILABLE), never a 500, never a stack, and never a guessed session. The app
 * starts as the server does, on PostgreSQL reached through a TCP proxy; then the proxy is cut,
 * so its port refuses connections (test/http/database-faults.test.ts stops a real PostgreSQL and
 * starts it again).
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../db/client";
import { type App, startApp } from "../../server/app";
import { TEST_SECRET, testConfig } from "../support/app";
import { openTestDatabase } from "../support/database";
import { databaseKinds } from "../support/environment";
import { signedCookie } from "../support/forgeries";
import { HttpClient } from "../support/http-client";
import { urlOfTestDatabase } from "../support/instances";
import { startTcpProxy } from "../support/tcp-proxy";

describe.runIf(databaseKinds.includes("postgres"))("with the database unreachable", () => {
  let owner: DatabaseHandle;
  let database: DatabaseHandle;
  let app: App;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    // Created (and dropped afterwards) directly; the app reaches it only through the proxy.
    owner = await openTestDatabase("postgres");
    const url = new URL(await urlOfTestDatabase(owner));
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = "127.0.0.1";
    url.port = String(proxy.port);
    database = await openDatabase({ url: url.toString(), maxConnections: 2 });
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    baseUrl = `http://localhost:${port}`;
    const config = testConfig({ PORT: String(port), BASE_URL: baseUrl });
    // The app's own lines (its cache giving up on the cut channel) are not this suite's subject.
    app = await startApp(database, config, {
      staticDir: "/nonexistent",
      log: { info() {}, warn() {}, error() {} },
    });
    server.on("request", app.handler);
    await proxy.cut();
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await app.stop();
    await database.close().catch(() => {});
    await owner.close();
  });

  /** A correctly signed cookie for a token the server has to look up. */
  function unknownSignedCookie() {
    return signedCookie(randomBytes(24).toString("base64url").slice(0, 32), TEST_SECRET);
  }

  it("answers protected and public calls that need a session with 503, no stack", async () => {
    const client = new HttpClient(baseUrl);
    client.jar.set("better-auth.session_token", unknownSignedCookie());
    for (const path of ["session.list", "session.current"]) {
      const response = await client.query(path);
      expect(response.status).toBe(503);
      const body = await response.json();
      expect(body.error.data).toMatchObject({
        code: "SERVICE_UNAVAILABLE",
        reason: "STORE_UNAVAILABLE",
      });
      expect(JSON.stringify(body)).not.toMatch(/stack|ECONNREFUSED|at .*\.ts/);
    }
    const mutation = await client.mutate("session.revokeOthers");
    expect(mutation.status).toBe(503);
    // Better Auth's door answers in Better Auth's shape (what better-auth/client reads).
    const getSession = await client.request("/api/auth/get-session");
    expect(getSession.status).toBe(503);
    expect(await getSession.json()).toEqual({
      code: "SERVICE_UNAVAILABLE",
      message: "The service is temporarily unavailable. Try again in a moment.",
    });
  });

  it("still answers what needs no database, and reports the outage on /healthz", async () => {
    const anonymous = new HttpClient(baseUrl);
    const current = await anonymous.query("session.current");
    expect(current.status).toBe(200);
    expect((await current.json()).result.data).toBeNull();
    // A forged cookie is refused before any lookup: 401, not 503.
    anonymous.jar.set(
      "better-auth.session_token",
      encodeURIComponent(`${"a".repeat(32)}.${"b".repeat(43)}=`),
    );
    expect((await anonymous.query("session.list")).status).toBe(401);
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ ok: false, database: "down" });
  });
});
