/**
 * JWTs for API clients through the router (createCaller on a real context): a JWT obtained with
 * the cookie session authenticates a client that has no cookie; it is verified in memory, its
 * session comes from the same cache as cookies (so ending the session refuses it at once), it
 * expires at its boundary, forgeries are refused with TOKEN_INVALID, and it never counts as fresh.
 */
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jwks, session } from "../../db/schema";
import { JWT_CLOCK_TOLERANCE_SEC } from "../../server/sessions/authenticate/bearer";
import { createContext } from "../../server/trpc/context";
import { ErrorReason } from "../../shared/errors";
import { createTestApp, TEST_SECRET } from "../support/app";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import {
  claimsOf,
  kidOf,
  refusedJwts,
  signedByServer,
  withFlippedSignatureByte,
} from "../support/jwt";
import { eventsOf } from "../support/sessions";

describe.each(databaseKinds)("JWTs for API clients on %s", (kind) => {
  const app = useTestApp(kind);
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A user signed in in a browser (cookie) and an API client holding a JWT of that session. */
  async function browserAndApiClient(target = app) {
    const credentials = newCredentials("api");
    const browser = new Device(target.deps);
    await browser.signUp(credentials);
    const token = await browser.apiToken();
    const client = new Device(target.deps);
    client.bearer = token;
    return { credentials, browser, client, token };
  }

  function apiClient(token: string, target = app) {
    const client = new Device(target.deps);
    client.bearer = token;
    return client;
  }

  async function contextOf(device: Device) {
    return createContext({ deps: app.deps, headers: device.headers(), resHeaders: new Headers() });
  }

  it("a JWT from the cookie session authenticates a client without cookies, as that session", async () => {
    const { browser, client, credentials } = await browserAndApiClient();
    const current = await browser.call((c) => c.session.current());

    const sessions = await client.call((c) => c.session.list());
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ id: current?.session.id, isCurrent: true });
    const seen = await client.call((c) => c.session.current());
    expect(seen?.user.email).toBe(credentials.email);
    expect(seen?.session.id).toBe(current?.session.id);
    expect(client.jar.names()).toEqual([]);

    expect((await contextOf(client)).authMethod).toBe("jwt");
    expect((await contextOf(browser)).authMethod).toBe("cookie");
    expect((await contextOf(new Device(app.deps))).authMethod).toBeNull();
  });

  it("carries sid, sub, iss, aud and exp = iat + 900 s, and nothing about the user", async () => {
    const before = Math.floor(Date.now() / 1000);
    const { browser, token } = await browserAndApiClient();
    const current = await browser.call((c) => c.session.current());
    const claims = claimsOf(token);
    expect(Object.keys(claims).sort()).toEqual(["aud", "exp", "iat", "iss", "sid", "sub"]);
    expect(claims).toMatchObject({
      sid: current?.session.id,
      sub: current?.user.id,
      iss: app.deps.config.http.baseUrl,
      aud: app.deps.config.http.baseUrl,
    });
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it("is valid until exp (plus the clock tolerance) and refused from then on", async () => {
    const t0 = Math.floor(Date.now() / 1000) * 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(t0);
    const { client, token } = await browserAndApiClient();
    const { exp } = claimsOf(token);
    expect(exp).toBe(t0 / 1000 + 900);
    const refusedFromMs = (exp + JWT_CLOCK_TOLERANCE_SEC) * 1000;

    vi.setSystemTime(refusedFromMs - 1);
    await expect(client.call((c) => c.session.list())).resolves.toHaveLength(1);
    vi.setSystemTime(refusedFromMs);
    await expectTrpcError(
      client.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.TOKEN_INVALID,
    );
  });

  it("is refused on the very next request once its session is ended from another device", async () => {
    const { client, credentials, browser } = await browserAndApiClient();
    const { id } = (await browser.call((c) => c.session.current()))?.session ?? { id: "" };
    // Cached now: the next call would not read the database without an invalidation.
    await client.call((c) => c.session.list());
    await client.call((c) => c.session.list());

    const other = new Device(app.deps);
    await other.signIn(credentials);
    await other.call((c) => c.session.revoke({ id }));

    const error = await expectTrpcError(
      client.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
    expect(error.message).toMatch(/ended from another device/);
    // session.current (public) says so too, rather than answering "signed out".
    await expectTrpcError(
      client.call((c) => c.session.current()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
  });

  it("is refused once its browser signs out, and once the account is deleted", async () => {
    const signedOut = await browserAndApiClient();
    await signedOut.client.call((c) => c.session.list());
    await app.deps.auth.api.signOut({ headers: signedOut.browser.headers() });
    await expectTrpcError(
      signedOut.client.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REQUIRED,
    );

    const deleted = await browserAndApiClient();
    await deleted.client.call((c) => c.session.list());
    await deleted.browser.call((c) => c.account.delete());
    await expectTrpcError(
      deleted.client.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
  });

  it("refuses forged, foreign, expired and malformed tokens with TOKEN_INVALID", async () => {
    const { token } = await browserAndApiClient();
    const otherUser = await browserAndApiClient();
    const auth = app.deps.auth;
    const forgeries: Record<string, string> = {
      ...(await refusedJwts(auth, token, TEST_SECRET)),
      "no sid": await signedByServer(auth, token, { sid: undefined }),
      "another user's sub": await signedByServer(auth, token, {
        sub: claimsOf(otherUser.token).sub,
      }),
      "three garbage parts": "a.b.c",
      empty: "",
      "far too long": `${token}${"A".repeat(5000)}`,
    };
    for (const [what, forged] of Object.entries(forgeries)) {
      const client = apiClient(forged);
      const error = await expectTrpcError(
        client.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.TOKEN_INVALID,
      ).catch((failure: unknown) => {
        throw new Error(`${what}: ${String(failure)}`);
      });
      expect(error.message, what).toMatch(/API token/);
    }
    // The genuine token still works, and a correct signature by our key is what made it so.
    await expect(apiClient(token).call((c) => c.session.list())).resolves.toHaveLength(1);
    expect(kidOf(forgeries["another issuer"] ?? "")).toBe(kidOf(token));
  });

  it("never satisfies freshProcedure, even right after sign-in, nor re-authentication", async () => {
    const { browser, client, credentials } = await browserAndApiClient();
    const error = await expectTrpcError(
      client.call((c) => c.session.revokeOthers()),
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
    );
    expect(error.message).toBe("API tokens cannot do this: confirm your password in the app");
    await expectTrpcError(
      client.call((c) => c.account.changeEmail({ newEmail: `new-${credentials.email}` })),
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
    );
    // Re-authentication would hand the API client a (fresh) cookie session.
    await expectTrpcError(
      client.call((c) => c.session.reauthenticate({ password: credentials.password })),
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
    );
    expect(client.jar.names()).toEqual([]);
    // The browser's cookie, signed in at the same moment, is fresh.
    await expect(browser.call((c) => c.session.revokeOthers())).resolves.toEqual({
      ended: 0,
      signedOut: false,
    });
    expect(await browser.call((c) => c.session.list())).toHaveLength(1);
  });

  it("with a bearer token the cookie is ignored: the JWT's session, or TOKEN_INVALID", async () => {
    const alice = await browserAndApiClient();
    const bob = await browserAndApiClient();
    const both = new Device(app.deps);
    for (const name of alice.browser.jar.names()) {
      both.jar.set(name, alice.browser.jar.get(name) ?? "");
    }
    both.bearer = bob.token;
    const seen = await both.call((c) => c.session.current());
    expect(seen?.user.email).toBe(bob.credentials.email);
    expect((await contextOf(both)).authMethod).toBe("jwt");

    both.bearer = withFlippedSignatureByte(bob.token);
    await expectTrpcError(
      both.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.TOKEN_INVALID,
    );
  });

  it("costs no database query on a cache hit, and verification never reads the jwks table", async () => {
    const { client } = await browserAndApiClient();
    await client.call((c) => c.session.current()); // keys loaded, session cached
    const db = app.deps.db;
    const spies = (["select", "insert", "update", "delete", "execute", "transaction"] as const).map(
      (method) => vi.spyOn(db, method),
    );
    try {
      // session.current itself reads nothing: the call as a whole makes no query.
      await expect(client.call((c) => c.session.current())).resolves.not.toBeNull();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    const keys = await db.select().from(jwks);
    await db.delete(jwks);
    try {
      await expect(client.call((c) => c.session.list())).resolves.toHaveLength(1);
      // A session read from the database (cache dropped) is still verified with the keys in memory.
      app.deps.sessionCache.invalidateUser(claimsOf(client.bearer ?? "").sub);
      await expect(client.call((c) => c.session.list())).resolves.toHaveLength(1);
    } finally {
      await db.insert(jwks).values(keys);
    }
  });

  it("applies the absolute lifetime (ending the session) and JWT_EXPIRES_IN_SEC", async () => {
    const shortLived = await createTestApp(kind, {
      SESSION_ABSOLUTE_LIFETIME_SEC: "600",
      JWT_EXPIRES_IN_SEC: "1200",
    });
    try {
      const t0 = Math.floor(Date.now() / 1000) * 1000;
      vi.useFakeTimers({ toFake: ["Date"] });
      vi.setSystemTime(t0);
      const { client, token } = await browserAndApiClient(shortLived);
      const { exp, iat, sid } = claimsOf(token);
      expect(exp - iat).toBe(1200);

      vi.setSystemTime(t0 + 600_000 - 1);
      await expect(client.call((c) => c.session.list())).resolves.toHaveLength(1);
      vi.setSystemTime(t0 + 600_000);
      await expectTrpcError(
        client.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EXPIRED,
      );
      const db = shortLived.database.db;
      expect(await db.select({ id: session.id }).from(session).where(eq(session.id, sid))).toEqual(
        [],
      );
      const ended = (await eventsOf(db, claimsOf(token).sub)).filter((e) => e.type === "expired");
      expect(ended).toEqual([
        expect.objectContaining({ sessionId: sid, reason: "absolute_timeout" }),
      ]);
      await expectTrpcError(
        client.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EXPIRED,
      );
    } finally {
      vi.useRealTimers();
      await shortLived.close();
    }
  });

  it("Better Auth's get-session hands out no JWT header", async () => {
    const { browser } = await browserAndApiClient();
    const result = await app.deps.auth.api.getSession({
      headers: browser.headers(),
      query: { disableCookieCache: true },
      returnHeaders: true,
    });
    expect(result.response?.session).toBeTruthy();
    expect(result.headers.get("set-auth-jwt")).toBeNull();
    expect(result.headers.get("access-control-expose-headers") ?? "").not.toMatch(/auth-jwt/i);
  });
});
