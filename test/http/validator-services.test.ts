/**
 * The two example services that validate this app's session cookie on their own
 * (examples/validate-session-cookie/: fastapi_app.py and server.ts), each run as its README says,
 * against the real server on PostgreSQL: cookies the server issued, then signed out, revoked,
 * expired, aged past the absolute lifetime or forged, and a database that fails. Both services
 * must give every cookie the same answer.
 */
import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { hashSessionToken } from "../../server/sessions/token-hash";
import { TEST_SECRET } from "../support/app";
import { findPythonForFastApi, testDatabaseUrl } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";
import { HttpClient } from "../support/http-client";
import { revokeOtherDevice, signedUpBrowser } from "../support/scenarios";
import { type CollectedProcess, freePort, spawnCollecting } from "../support/server-process";
import { sessionIdOfToken } from "../support/sessions";
import { waitFor } from "../support/wait";

const PREFIX = "validator-test";
const COOKIE_NAME = `${PREFIX}.session_token`;
const PREVIOUS_SECRET = "validator-services-previous-secret-0123456789";
const ABSOLUTE_LIFETIME_SEC = 7 * 24 * 60 * 60;
const APPLICATION_NAME = "validate-session-cookie";
const EXAMPLES = fileURLToPath(new URL("../../examples/validate-session-cookie/", import.meta.url));

const python = findPythonForFastApi();

interface Service extends CollectedProcess {
  name: string;
  url: string;
}

/** Starts one example as its README says, on a free port; resolves once it answers. */
async function startService(name: "fastapi" | "node", databaseUrl: string): Promise<Service> {
  const port = await freePort();
  const [command, args] =
    name === "fastapi"
      ? [python?.path ?? "python3", [`${EXAMPLES}fastapi_app.py`]]
      : [process.execPath, ["--import", "tsx", `${EXAMPLES}server.ts`]];
  const service: Service = {
    name,
    url: `http://127.0.0.1:${port}`,
    ...spawnCollecting(command, args, {
      PATH: process.env.PATH ?? "",
      PYTHONDONTWRITEBYTECODE: "1",
      DATABASE_URL: databaseUrl,
      BETTER_AUTH_SECRET: TEST_SECRET,
      BETTER_AUTH_PREVIOUS_SECRETS: PREVIOUS_SECRET,
      SESSION_ABSOLUTE_LIFETIME_SEC: String(ABSOLUTE_LIFETIME_SEC),
      COOKIE_PREFIX: PREFIX,
      PORT: String(port),
    }),
  };
  try {
    const outcome = await waitFor(
      async () => {
        if (service.child.exitCode !== null) return "exited";
        await fetch(`${service.url}/me`);
        return "answered";
      },
      30_000,
      `the ${name} validator to answer`,
    );
    if (outcome === "exited") throw new Error(`exited with ${service.child.exitCode}`);
    return service;
  } catch (error) {
    service.child.kill("SIGKILL");
    throw new Error(`${name} validator did not start:\n${service.output()}`, { cause: error });
  }
}

/**
 * The same signature spelled differently: the last base64 character before the padding carries
 * two unused bits, which lenient decoders (Better Auth's atob among them) ignore.
 */
function otherSpelling(signature: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const last = alphabet.indexOf(signature[42] ?? "");
  return `${signature.slice(0, 42)}${alphabet[last ^ 1]}=`;
}

async function me(service: Service, cookie?: string) {
  const response = await fetch(`${service.url}/me`, { headers: cookie ? { cookie } : {} });
  const text = await response.text();
  let body: unknown = text; // a 500 from the framework is plain text
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, cacheControl: response.headers.get("cache-control") };
}

describe.runIf(testDatabaseUrl && python)(
  `cookie validator services (${python?.versions}; Node ${process.versions.node}) against the real server on PostgreSQL`,
  () => {
    const server = useTestServer("postgres", {
      COOKIE_PREFIX: PREFIX,
      BETTER_AUTH_PREVIOUS_SECRETS: PREVIOUS_SECRET,
      SESSION_ABSOLUTE_LIFETIME_SEC: String(ABSOLUTE_LIFETIME_SEC),
    });
    let databaseUrl = "";
    let admin: Sql;
    let services: Service[] = [];
    /** The same two services pointed at a port where no database listens. */
    let down: Service[] = [];
    /** Every token the suite saw, for the check that no service logs one. */
    const tokens: string[] = [];

    beforeAll(async () => {
      const [row] = (await server.database.db.execute(
        sql`select current_database() as name`,
      )) as unknown as Array<{ name: string }>;
      const url = new URL(testDatabaseUrl ?? "");
      url.pathname = `/${row?.name}`;
      databaseUrl = url.toString();
      admin = postgres(testDatabaseUrl ?? "", { max: 1, onnotice: () => {} });
      const closed = new URL(databaseUrl);
      closed.port = String(await freePort());
      const starting = await Promise.allSettled([
        startService("fastapi", databaseUrl),
        startService("node", databaseUrl),
        startService("fastapi", closed.toString()),
        startService("node", closed.toString()),
      ]);
      const started = starting.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      const failed = starting.find((s) => s.status === "rejected");
      if (failed) {
        for (const service of started) service.child.kill("SIGTERM");
        throw failed.reason;
      }
      services = started.slice(0, 2);
      down = started.slice(2);
    });

    afterAll(async () => {
      for (const service of [...services, ...down]) service.child.kill("SIGTERM");
      await admin?.end();
    });

    /** Every service's answer to one Cookie header, checked to be `status` (and `body`). */
    async function expectAll(cookie: string | undefined, status: number, body?: unknown) {
      for (const service of services) {
        const answer = await me(service, cookie);
        expect(
          answer.status,
          `${service.name}: ${JSON.stringify(answer.body)}\n${service.output()}`,
        ).toBe(status);
        if (body !== undefined) expect(answer.body, service.name).toEqual(body);
        expect(answer.cacheControl, service.name).toBe("no-store");
      }
    }

    /** A device signed up through the real server: its cookie, user and session row. */
    async function signedUp() {
      const { client, credentials, userId } = await signedUpBrowser(server.baseUrl, {
        prefix: "validators",
      });
      const token = client.sessionToken(COOKIE_NAME);
      const sessionId = await sessionIdOfToken(server.database.db, token);
      expect(sessionId).not.toBeNull();
      tokens.push(token);
      return {
        client,
        credentials,
        userId,
        sessionId: sessionId ?? "",
        token,
        cookie: `${COOKIE_NAME}=${client.jar.get(COOKIE_NAME)}`,
      };
    }

    it("listen on 127.0.0.1 when HOST is unset, and answer 401 without a cookie", async () => {
      const [fastapi, node] = services;
      expect(fastapi?.output()).toMatch(/running on http:\/\/127\.0\.0\.1:\d+/);
      expect(node?.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
      await expectAll(undefined, 401, { error: "unauthorized" });
      await expectAll("theme=dark", 401);
    });

    it("accept a live session: 200 with its user id, under either cookie name, among other cookies", async () => {
      const { cookie, userId } = await signedUp();
      await expectAll(cookie, 200, { userId });
      await expectAll(`__Secure-${cookie}`, 200, { userId });
      await expectAll(`theme=dark; ${cookie}; ${PREFIX}.session_data=x`, 200, { userId });
      // As Better Auth reads them: the first of two plain cookies, and __Secure- over any plain one.
      await expectAll(`${cookie}; ${COOKIE_NAME}=planted`, 200, { userId });
      await expectAll(`${COOKIE_NAME}=planted; __Secure-${cookie}`, 200, { userId });
    });

    it("refuse a session that was signed out", async () => {
      const { client, cookie, userId } = await signedUp();
      await expectAll(cookie, 200, { userId });
      expect((await client.postJson("/api/auth/sign-out", {})).status).toBe(200);
      await expectAll(cookie, 401);
    });

    it("refuse a session revoked from another device; the other device stays signed in", async () => {
      const { client: laptop, credentials, cookie: laptopCookie, userId } = await signedUp();
      const phone = new HttpClient(server.baseUrl);
      expect((await phone.signIn(credentials)).status).toBe(200);
      const phoneCookie = `${COOKIE_NAME}=${phone.jar.get(COOKIE_NAME)}`;
      await expectAll(phoneCookie, 200, { userId });

      await revokeOtherDevice(laptop);
      await expectAll(phoneCookie, 401);
      await expectAll(laptopCookie, 200, { userId });
    });

    it("refuse forged and altered cookies; accept one signed with a previous secret", async () => {
      const { cookie, token, sessionId, userId } = await signedUp();
      const [row] = await server.database.db
        .select({ token: session.token })
        .from(session)
        .where(eq(session.id, sessionId));
      const stored = row?.token ?? "";
      const sign = (value: string, secret: string) =>
        `${COOKIE_NAME}=${signedCookie(value, secret)}`;
      const value = decodeURIComponent(cookie.slice(COOKIE_NAME.length + 1));
      const signature = value.slice(value.lastIndexOf(".") + 1);
      const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;

      const forged: Array<[string, string]> = [
        [
          "one signature character changed",
          `${COOKIE_NAME}=${encodeURIComponent(`${token}.${flipped}`)}`,
        ],
        ["signed with another secret", sign(token, `${TEST_SECRET}-other`)],
        [
          "the stored value (SHA-256 of the token) signed with the secret",
          sign(stored, TEST_SECRET),
        ],
        ["the bare token", `${COOKIE_NAME}=${token}`],
        ["the token and a dot", `${COOKIE_NAME}=${token}.`],
        ["a malformed %-escape", `${cookie.slice(0, -3)}%3`],
        [
          "the right value under another prefix's name",
          `better-auth.session_token=${encodeURIComponent(value)}`,
        ],
        [
          "another spelling of the right signature (lenient base64 decoders accept it)",
          `${COOKIE_NAME}=${encodeURIComponent(`${token}.${otherSpelling(signature)}`)}`,
        ],
        [
          "the signature without its token",
          `${COOKIE_NAME}=${encodeURIComponent(`.${signature}`)}`,
        ],
        [
          "a 45-character signature",
          `${COOKIE_NAME}=${encodeURIComponent(`${token}.A${signature}`)}`,
        ],
        ["a 44-character non-ASCII signature", `${COOKIE_NAME}=${token}.${"é".repeat(43)}=`],
        [
          "an escape that is not UTF-8",
          `${COOKIE_NAME}=${token}%C3%28.${encodeURIComponent(signature)}`,
        ],
        ["10 KB of garbage", `${COOKIE_NAME}=${"x".repeat(10 * 1024)}`],
        ["a correctly signed value over 1 KB", sign("t".repeat(1100), TEST_SECRET)],
      ];
      for (const [name, forgery] of forged) {
        for (const service of services) {
          expect((await me(service, forgery)).status, `${service.name}: ${name}`).toBe(401);
        }
      }
      // A rotation does not sign anyone out: the app accepts (and re-signs) these, so do they.
      await expectAll(sign(token, PREVIOUS_SECRET), 200, { userId });
      await expectAll(cookie, 200, { userId });
    });

    it("refuse a session whose expires_at has passed", async () => {
      const { cookie, sessionId, userId } = await signedUp();
      await expectAll(cookie, 200, { userId });
      await server.database.db
        .update(session)
        .set({ expiresAt: new Date(Date.now() - 60_000) })
        .where(eq(session.id, sessionId));
      await expectAll(cookie, 401);
    });

    it("refuse a session past its absolute lifetime while expires_at is still ahead", async () => {
      const { cookie, sessionId, userId } = await signedUp();
      // Only created_at moves (the update trigger caps expires_at only when expires_at is written).
      const createdAgo = (seconds: number) =>
        server.database.db
          .update(session)
          .set({ createdAt: new Date(Date.now() - seconds * 1000) })
          .where(eq(session.id, sessionId));
      await createdAgo(ABSOLUTE_LIFETIME_SEC - 3600);
      await expectAll(cookie, 200, { userId });
      await createdAgo(ABSOLUTE_LIFETIME_SEC + 3600);
      const [row] = await server.database.db
        .select({ expiresAt: session.expiresAt })
        .from(session)
        .where(eq(session.id, sessionId));
      expect(row?.expiresAt.getTime()).toBeGreaterThan(Date.now());
      await expectAll(cookie, 401);
    });

    it("answer 503 (not 401, not 500) while the database refuses them, and recover by themselves", async () => {
      const { cookie, userId } = await signedUp();
      await expectAll(cookie, 200, { userId });
      const name = new URL(databaseUrl).pathname.slice(1);
      // New connections are refused and the services' open ones cut; the app's are left alone.
      await admin.unsafe(`alter database "${name}" allow_connections false`);
      try {
        const cut = await admin`
          select pg_terminate_backend(pid, 5000) as cut from pg_stat_activity
          where datname = ${name} and application_name = ${APPLICATION_NAME}`;
        expect(cut.length).toBeGreaterThanOrEqual(services.length);
        await expectAll(cookie, 503, { error: "session store unavailable" });
        // No cookie, or a forged one, needs no database: still 401.
        await expectAll(undefined, 401);
        await expectAll(`${COOKIE_NAME}=forged.${"A".repeat(43)}=`, 401);
      } finally {
        await admin.unsafe(`alter database "${name}" allow_connections true`);
      }
      await expectAll(cookie, 200, { userId });
    });

    it("start, and answer 503, when the database is not there at all (a closed port)", async () => {
      const { cookie } = await signedUp();
      for (const service of down) {
        const answer = await me(service, cookie);
        expect(answer.status, `${service.name}: ${service.output()}`).toBe(503);
        expect(answer.body).toEqual({ error: "session store unavailable" });
        expect((await me(service)).status, service.name).toBe(401);
        expect(service.child.exitCode, service.name).toBeNull();
      }
    });

    it("never log a cookie, a token or the value stored for it", () => {
      expect(tokens.length).toBeGreaterThan(5);
      for (const service of services) {
        const output = service.output();
        expect(output, service.name).toContain("session lookup failed"); // the outage was logged
        for (const token of tokens) {
          expect(output, service.name).not.toContain(token);
          expect(output, service.name).not.toContain(hashSessionToken(token));
        }
        expect(output, service.name).not.toContain(TEST_SECRET);
      }
    });
  },
);
