/**
 * JWTs for API clients over the wire: GET /api/auth/token with the session cookie, tRPC calls
 * with only `Authorization: Bearer`, revocation on the next request, forgeries refused with
 * TOKEN_INVALID, no freshness, the CSRF rule for bearer-only requests, /api/auth/jwks serving the
 * public key only, and the cookie policies applied where the JWT is issued.
 */
import { eq, sql } from "drizzle-orm";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { jwks, session } from "../../db/schema";
import { TEST_SECRET, type TestServer } from "../support/app";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { claimsOf, kidOf, refusedJwts, signedByForeignKey } from "../support/jwt";
import { signedUpBrowser } from "../support/scenarios";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

interface DeviceSession {
  id: string;
  isCurrent: boolean;
}

/** An API client: no cookies, no Origin, only the bearer token. */
function apiClient(baseUrl: string, token: string): HttpClient {
  const client = new HttpClient(baseUrl, null, "api-client/1.0");
  client.defaultHeaders = { authorization: `Bearer ${token}` };
  return client;
}

/** A browser signed up over HTTP (an "api" user), sending `headers` with every request. */
async function signedIn(server: TestServer, headers: Record<string, string> = {}) {
  const { client: browser, credentials } = await signedUpBrowser(server.baseUrl, {
    prefix: "api",
    headers,
  });
  return { browser, credentials };
}

async function tokenFor(browser: HttpClient): Promise<string> {
  const response = await browser.request("/api/auth/token");
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(Object.keys(body)).toEqual(["token"]);
  return body.token as string;
}

describe.each(databaseKinds)("JWTs for API clients over HTTP on %s", (kind) => {
  const server = useTestServer(kind);

  it("an instance that checked a token before any key existed accepts the first real one at once", async () => {
    expect(await server.database.db.select({ id: jwks.id }).from(jwks)).toEqual([]);
    const { browser } = await signedIn(server);
    const nowSec = Math.floor(Date.now() / 1000);
    const forged = await signedByForeignKey({
      sid: "no-such-session",
      sub: "nobody",
      iss: server.baseUrl,
      aud: server.baseUrl,
      iat: nowSec,
      exp: nowSec + 900,
    });
    await expectTrpcFailure(
      await apiClient(server.baseUrl, forged).query("session.list"),
      401,
      "UNAUTHORIZED",
      "TOKEN_INVALID",
    );
    // Loading the (empty) key table created the signing key, so the first real token is known.
    expect(await server.database.db.select({ id: jwks.id }).from(jwks)).toHaveLength(1);
    const token = await tokenFor(browser);
    expect((await apiClient(server.baseUrl, token).query("session.list")).status).toBe(200);
  });

  it("a cookie session obtains a JWT; the JWT alone calls tRPC; its claims are sid, sub, iss, aud, exp", async () => {
    const { browser } = await signedIn(server);
    const tokenResponse = await browser.request("/api/auth/token");
    expect(tokenResponse.headers.get("cache-control")).toBe("no-store");
    const { token } = (await tokenResponse.json()) as { token: string };
    const nowSec = Date.now() / 1000;

    const current = await dataOf<{ user: { id: string }; session: { id: string } }>(
      await browser.query("session.current"),
    );
    const claims = claimsOf(token);
    expect(claims).toMatchObject({
      sid: current.session.id,
      sub: current.user.id,
      iss: server.baseUrl,
      aud: server.baseUrl,
    });
    expect(claims.exp - claims.iat).toBe(900);
    expect(Math.abs(claims.exp - (nowSec + 900))).toBeLessThan(5);
    // It is not the session token, and says nothing else about the user.
    expect(token).not.toContain(
      decodeURIComponent(browser.jar.get("better-auth.session_token") ?? "x").split(".")[0],
    );
    expect(Object.keys(claims).sort()).toEqual(["aud", "exp", "iat", "iss", "sid", "sub"]);

    const client = apiClient(server.baseUrl, token);
    const response = await client.query("session.list");
    const sessions = await dataOf<DeviceSession[]>(response);
    expect(sessions).toEqual([
      expect.objectContaining({ id: current.session.id, isCurrent: true }),
    ]);
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("refuses the JWT on the very next request once its session is ended from another device", async () => {
    const { browser, credentials } = await signedIn(server);
    const token = await tokenFor(browser);
    const client = apiClient(server.baseUrl, token);
    expect((await client.query("session.list")).status).toBe(200);

    const other = new HttpClient(server.baseUrl);
    expect((await other.signIn(credentials)).status).toBe(200);
    const revoked = await other.mutate("session.revoke", { id: claimsOf(token).sid });
    expect(revoked.status).toBe(200);

    await expectTrpcFailure(
      await client.query("session.list"),
      401,
      "UNAUTHORIZED",
      "SESSION_REVOKED",
    );
    // The cookie that obtained it is refused too, and can no longer obtain another.
    const again = await browser.request("/api/auth/token");
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ code: "SESSION_REVOKED" });
  });

  it("refuses forged, foreign, expired and malformed tokens with 401 TOKEN_INVALID", async () => {
    const { browser } = await signedIn(server);
    const token = await tokenFor(browser);
    const forgeries = await refusedJwts(server.deps.auth, token, TEST_SECRET);
    expect(kidOf(forgeries["another issuer"] ?? "")).toBe(kidOf(token));
    for (const [what, forged] of Object.entries(forgeries)) {
      const response = await apiClient(server.baseUrl, forged).query("session.list");
      const body = await response.json();
      expect(response.status, what).toBe(401);
      expect(body.error.data, what).toMatchObject({
        code: "UNAUTHORIZED",
        reason: "TOKEN_INVALID",
      });
    }
    expect((await apiClient(server.baseUrl, token).query("session.list")).status).toBe(200);
  });

  it("a JWT never satisfies freshProcedure; a bearer-only POST needs no Origin, a cookie one does", async () => {
    const { browser } = await signedIn(server);
    const token = await tokenFor(browser);
    // No cookie, no Origin: not CSRF-able, so the guard lets it through to the procedure.
    const error = await expectTrpcFailure(
      await apiClient(server.baseUrl, token).mutate("session.revokeOthers"),
      403,
      "FORBIDDEN",
      "SESSION_NOT_FRESH",
    );
    expect(error.message).toBe("API tokens cannot do this: confirm your password in the app");
    await expectTrpcFailure(
      await apiClient(server.baseUrl, token).mutate("session.reauthenticate", {
        password: "correct horse battery",
      }),
      403,
      "FORBIDDEN",
      "SESSION_NOT_FRESH",
    );

    // The same bearer with a cookie and no Origin: the CSRF rule for cookies applies.
    const withCookie = new HttpClient(server.baseUrl, null);
    for (const name of browser.jar.names()) withCookie.jar.set(name, browser.jar.get(name) ?? "");
    withCookie.defaultHeaders = { authorization: `Bearer ${token}` };
    await expectTrpcFailure(
      await withCookie.mutate("session.revokeOthers"),
      403,
      "FORBIDDEN",
      "ORIGIN_NOT_ALLOWED",
    );
    // The browser's own cookie, signed in at the same moment, is fresh.
    expect((await browser.mutate("session.revokeOthers")).status).toBe(200);
  });

  it("/api/auth/jwks serves the public key only, and other services can verify a JWT with it", async () => {
    const { browser } = await signedIn(server);
    const token = await tokenFor(browser);
    const response = await new HttpClient(server.baseUrl, null).request("/api/auth/jwks");
    expect(response.status).toBe(200);
    const set = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(set.keys.length).toBeGreaterThan(0);
    for (const key of set.keys) {
      expect(key).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
      expect(key).not.toHaveProperty("d");
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "x"]);
    }
    expect(set.keys.map((key) => key.kid)).toContain(kidOf(token));
    const { payload } = await jwtVerify(token, createLocalJWKSet(set as never), {
      issuer: server.baseUrl,
      audience: server.baseUrl,
      algorithms: ["EdDSA"],
    });
    expect(payload.sid).toBe(claimsOf(token).sid);
  });

  it("get-session hands out no JWT; sign-jwt and verify-jwt are not reachable", async () => {
    const { browser } = await signedIn(server);
    for (const response of [
      await browser.request("/api/auth/get-session"),
      await browser.request("/api/auth/get-session?disableCookieCache=true"),
    ]) {
      expect(response.status).toBe(200);
      expect(response.headers.get("set-auth-jwt")).toBeNull();
      expect(response.headers.get("access-control-expose-headers")).toBeNull();
    }
    for (const path of ["/api/auth/sign-jwt", "/api/auth/verify-jwt"]) {
      expect((await browser.postJson(path, { payload: { sub: "x" } })).status, path).toBe(404);
    }
  });

  it("verification reads no key from the database: deleting the jwks rows breaks nothing", async () => {
    const { browser } = await signedIn(server);
    const token = await tokenFor(browser);
    const client = apiClient(server.baseUrl, token);
    expect((await client.query("session.list")).status).toBe(200);
    const db = server.database.db;
    const keys = await db.select().from(jwks);
    await db.delete(jwks);
    try {
      expect((await client.query("session.list")).status).toBe(200);
      // Also with the session read from the database rather than the cache.
      server.deps.sessionCache.invalidateSessions([claimsOf(token).sid]);
      expect((await client.query("session.list")).status).toBe(200);
    } finally {
      await db.insert(jwks).values(keys);
    }
  });

  it("/api/auth/token wants a cookie: none, or only a JWT (a JWT cannot renew itself), is 401", async () => {
    const { browser } = await signedIn(server);
    const token = await tokenFor(browser);
    const anonymous = await new HttpClient(server.baseUrl).request("/api/auth/token");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "SESSION_REQUIRED" });
    const renewal = await apiClient(server.baseUrl, token).request("/api/auth/token");
    expect(renewal.status).toBe(401);
    const posted = await browser.postJson("/api/auth/token", {});
    expect(posted.status).toBe(405);
  });

  describe("the cookie's policies apply where the JWT is issued and where it is used", () => {
    const strict = useTestServer(kind, {
      SESSION_BINDING: "strict",
      TRUSTED_PROXIES: "127.0.0.1",
      SESSION_ABSOLUTE_LIFETIME_SEC: "3600",
    });
    const from = (ip: string) => ({ "x-forwarded-for": ip });

    it("a cookie used from another network cannot be turned into a JWT, and its session ends", async () => {
      const { browser } = await signedIn(strict, from("203.0.113.7"));
      const token = await tokenFor(browser);
      browser.defaultHeaders = from("198.51.100.7");
      const response = await browser.request("/api/auth/token");
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: "SESSION_BINDING_MISMATCH" });
      // Its JWTs end with it, and say why.
      await expectTrpcFailure(
        await apiClient(strict.baseUrl, token).query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
    });

    it("binding applies to a JWT as to its cookie: another network ends the session", async () => {
      const { browser } = await signedIn(strict, from("203.0.113.7"));
      const token = await tokenFor(browser);
      // The same network and browser as the session's: admitted.
      const sameDevice = new HttpClient(strict.baseUrl, null);
      sameDevice.defaultHeaders = { authorization: `Bearer ${token}`, ...from("203.0.113.7") };
      expect((await sameDevice.query("session.list")).status).toBe(200);
      // The JWT carried off to another network: the session ends, as its cookie's would.
      const elsewhere = apiClient(strict.baseUrl, token);
      elsewhere.defaultHeaders = { ...elsewhere.defaultHeaders, ...from("198.51.100.7") };
      await expectTrpcFailure(
        await elsewhere.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
      browser.defaultHeaders = from("203.0.113.7");
      await expectTrpcFailure(
        await browser.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
    });

    it("a session past its absolute lifetime obtains no JWT, and its JWTs are refused", async () => {
      const { browser } = await signedIn(strict, from("203.0.113.7"));
      const token = await tokenFor(browser);
      const { sid } = claimsOf(token);
      await strict.database.db
        .update(session)
        .set({ createdAt: sql`${session.createdAt} - make_interval(secs => 3601)` })
        .where(eq(session.id, sid));
      // The row moved in time without a change the cache hears of: drop the cached copy.
      strict.deps.sessionCache.invalidateSessions([sid]);
      // Better Auth alone would mint one: the row's expiry is still ahead.
      const response = await browser.request("/api/auth/token");
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ code: "SESSION_EXPIRED" });
      await expectTrpcFailure(
        await apiClient(strict.baseUrl, token).query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_EXPIRED",
      );
    });
  });
});
