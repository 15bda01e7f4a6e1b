import { describe, expect, it } from "vitest";
import { MAX_TRPC_BATCH_SIZE } from "../../shared/api-limits";
import { ErrorReason } from "../../shared/errors";
import { EndReason } from "../../shared/session-events";
import { startTestInstance, TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";
import { HttpClient } from "../support/http-client";
import { claimsOf } from "../support/jwt";
import { sessionIdOfToken } from "../support/sessions";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const TOKEN_COOKIE = "better-auth.session_token";
const ROTATED_SECRET = "rotated-secret-0123456789-abcdefghijklmnopqrstuvw";

interface Account {
  client: HttpClient;
  credentials: ReturnType<typeof newCredentials>;
  userId: string;
  sessionId: string;
  /** The raw session token of `client`'s cookie. */
  token: string;
}

describe.each(databaseKinds)("attacks on the session gate on %s", (kind) => {
  const server = useTestServer(kind);

  async function account(prefix: string, existing?: Account["credentials"]): Promise<Account> {
    const client = new HttpClient(server.baseUrl);
    const credentials = existing ?? newCredentials(prefix);
    const response = existing ? await client.signIn(existing) : await client.signUp(credentials);
    expect(response.status).toBe(200);
    const current = await (await client.request("/api/auth/get-session")).json();
    return {
      client,
      credentials,
      userId: current.user.id,
      sessionId: current.session.id,
      token: client.sessionToken(TOKEN_COOKIE),
    };
  }

  const isLive = async (token: string) =>
    (await sessionIdOfToken(server.database.db, token)) !== null;

  /** The user of a request with exactly these headers, as session.current sees it. */
  async function currentUser(headers: Record<string, string>) {
    const response = await new HttpClient(server.baseUrl).request("/api/trpc/session.current", {
      headers,
    });
    return { status: response.status, body: await response.json() };
  }

  const cookieOf = (client: HttpClient) => `${TOKEN_COOKIE}=${client.jar.get(TOKEN_COOKIE)}`;

  describe("Authorization headers of other schemes", () => {
    it("are ignored next to a cookie, and a bearer header never falls back to the cookie", async () => {
      const alice = await account("authz-alice");
      const bob = await account("authz-bob");
      const bobJwt = (await (await bob.client.request("/api/auth/token")).json()).token;
      const cookie = cookieOf(alice.client);

      for (const authorization of ["Basic YWxpY2U6cGFzc3dvcmQ=", "Digest username=x", "Token x"]) {
        const { status, body } = await currentUser({ cookie, authorization });
        expect(status, authorization).toBe(200);
        expect(body.result.data.user.id, authorization).toBe(alice.userId);
      }
      // A bearer header is the only credential looked at: a bad one is refused, not ignored.
      for (const bearer of [
        "garbage",
        alice.token,
        decodeURIComponent(signedCookie(alice.token, TEST_SECRET)),
      ]) {
        const { status, body } = await currentUser({ cookie, authorization: `Bearer ${bearer}` });
        expect(status, bearer).toBe(401);
        expect(body.error.data.reason, bearer).toBe(ErrorReason.TOKEN_INVALID);
      }
      // Bob's JWT next to Alice's cookie: Bob on tRPC, but the cookie doors answer Alice only.
      const both = { cookie, authorization: `Bearer ${bobJwt}` };
      expect((await currentUser(both)).body.result.data.user.id).toBe(bob.userId);
      const client = new HttpClient(server.baseUrl);
      const getSession = await (
        await client.request("/api/auth/get-session", { headers: both })
      ).json();
      expect(getSession.user.id).toBe(alice.userId);
      const minted = await (await client.request("/api/auth/token", { headers: both })).json();
      expect(claimsOf(minted.token).sub).toBe(alice.userId);
      // A JWT alone opens no cookie door: it cannot renew itself or pose as a cookie session.
      const jwtOnly = { authorization: `Bearer ${bobJwt}` };
      expect(
        await (await client.request("/api/auth/get-session", { headers: jwtOnly })).json(),
      ).toBe(null);
      expect((await client.request("/api/auth/token", { headers: jwtOnly })).status).toBe(401);
      const signOut = await client.postJson("/api/auth/sign-out", {}, jwtOnly);
      expect(signOut.status).toBeLessThan(500);
      expect(await isLive(bob.token)).toBe(true);
    });
  });

  describe("duplicated session cookies", () => {
    it("every door, and Better Auth behind it, acts on the first one", async () => {
      const alice = await account("dup-alice");
      const bob = await account("dup-bob");
      const pair = `${cookieOf(alice.client)}; ${cookieOf(bob.client)}`;
      const client = new HttpClient(server.baseUrl);

      expect((await currentUser({ cookie: pair })).body.result.data.user.id).toBe(alice.userId);
      const fromGetSession = await (
        await client.request("/api/auth/get-session", { headers: { cookie: pair } })
      ).json();
      expect(fromGetSession.user.id).toBe(alice.userId);
      const minted = await (
        await client.request("/api/auth/token", { headers: { cookie: pair } })
      ).json();
      expect(claimsOf(minted.token).sid).toBe(alice.sessionId);

      const signOut = await client.postJson("/api/auth/sign-out", {}, { cookie: pair });
      expect(signOut.status).toBe(200);
      expect(await isLive(alice.token)).toBe(false);
      expect(await isLive(bob.token)).toBe(true);
    });
  });

  describe("cookies of another secret", () => {
    it("a cookie signed with an unknown secret opens no door and signs nobody out", async () => {
      const alice = await account("secret-alice");
      const forged = `${TOKEN_COOKIE}=${signedCookie(alice.token, "unknown-secret-0123456789-abcdefghijklmn")}`;
      const client = new HttpClient(server.baseUrl);
      expect((await currentUser({ cookie: forged })).body).toEqual({ result: { data: null } });
      expect(
        await (
          await client.request("/api/auth/get-session", { headers: { cookie: forged } })
        ).json(),
      ).toBeNull();
      expect(
        (await client.request("/api/auth/token", { headers: { cookie: forged } })).status,
      ).toBe(401);
      await client.postJson("/api/auth/sign-out", {}, { cookie: forged });
      expect(await isLive(alice.token)).toBe(true);
    });

    it("a cookie of the previous secret works on an instance that lists it, and nowhere else", async () => {
      const alice = await account("rotation-alice");
      const rotated = await startTestInstance(server.database, {
        BETTER_AUTH_SECRET: ROTATED_SECRET,
        BETTER_AUTH_PREVIOUS_SECRETS: TEST_SECRET,
      });
      const unlisted = await startTestInstance(server.database, {
        BETTER_AUTH_SECRET: ROTATED_SECRET,
      });
      try {
        const oldCookie = cookieOf(alice.client);
        const onRotated = new HttpClient(rotated.baseUrl);
        const answer = await onRotated.request("/api/auth/get-session", {
          headers: { cookie: oldCookie },
        });
        expect((await answer.json()).user.id).toBe(alice.userId);
        // ...and the browser is handed the cookie re-signed with the current secret.
        expect(onRotated.lastSetCookies.join("\n")).toContain(
          `${TOKEN_COOKIE}=${signedCookie(alice.token, ROTATED_SECRET)}`,
        );
        const onUnlisted = new HttpClient(unlisted.baseUrl);
        expect(
          await (
            await onUnlisted.request("/api/auth/get-session", { headers: { cookie: oldCookie } })
          ).json(),
        ).toBeNull();
        await onUnlisted.postJson("/api/auth/sign-out", {}, { cookie: oldCookie });
        expect(await isLive(alice.token)).toBe(true);
      } finally {
        await rotated.close();
        await unlisted.close();
      }
    });
  });

  describe("methods the auth endpoints do not take", () => {
    const EXPOSED = [
      "/api/auth/ok",
      "/api/auth/error",
      "/api/auth/jwks",
      "/api/auth/get-session",
      "/api/auth/token",
      "/api/auth/sign-in/email",
      "/api/auth/sign-up/email",
      "/api/auth/sign-out",
    ];

    it("HEAD and OPTIONS answer without a body or a 5xx, and sign nobody out", async () => {
      const alice = await account("head-alice");
      for (const path of EXPOSED) {
        for (const method of ["HEAD", "OPTIONS"]) {
          const response = await alice.client.request(path, { method });
          const text = await response.text();
          expect(response.status, `${method} ${path}`).toBeLessThan(500);
          if (method === "HEAD") expect(text, `${method} ${path}`).toBe("");
          expect(text, `${method} ${path}`).not.toContain(alice.token);
        }
      }
      expect(await isLive(alice.token)).toBe(true);
    });

    it("GET on sign-in, sign-up and sign-out does nothing", async () => {
      const alice = await account("get-alice");
      const { email, password, name } = alice.credentials;
      const query = new URLSearchParams({ email, password, name }).toString();
      const stranger = new HttpClient(server.baseUrl);
      for (const path of ["/api/auth/sign-in/email", "/api/auth/sign-up/email"]) {
        const response = await stranger.request(`${path}?${query}`);
        expect(response.status, path).toBe(404);
        expect(stranger.jar.get(TOKEN_COOKIE), path).toBeUndefined();
      }
      expect((await alice.client.request("/api/auth/sign-out")).status).toBe(404);
      expect(await isLive(alice.token)).toBe(true);
    });
  });

  describe("tRPC batches and procedure paths", () => {
    const repeat = (procedure: string, times: number, separator = ",") =>
      Array.from({ length: times }, () => procedure).join(separator);

    it(`refuses a batch of more than ${MAX_TRPC_BATCH_SIZE} calls with 400 before running any`, async () => {
      const alice = await account("batch-alice");
      const phone = await account("batch-alice", alice.credentials);
      const over = MAX_TRPC_BATCH_SIZE + 1;
      const refusals = [
        await alice.client.request(`/api/trpc/${repeat("session.list", over)}?batch=1`),
        await alice.client.request(`/api/trpc/${repeat("session.list", over, "%2C")}?batch=1`),
        await alice.client.request(`/api/trpc/${repeat("session.list", over)}?batch=1`, {
          headers: { "trpc-accept": "application/jsonl" },
        }),
        await alice.client.postJson(
          `/api/trpc/${repeat("session.revokeOthers", over)}?batch=1`,
          {},
        ),
        await alice.client.request(`/api/trpc/${",".repeat(over - 1)}?batch=1`),
      ];
      for (const response of refusals) {
        const body = await response.text();
        expect(response.status, body).toBe(400);
        expect(body).toContain("Batch call exceeds maximum size");
      }
      // Nothing ran: the phone's session is still there.
      expect(await isLive(phone.token)).toBe(true);
      const atLimit = await alice.client.request(
        `/api/trpc/${repeat("session.list", MAX_TRPC_BATCH_SIZE)}?batch=1`,
      );
      expect(atLimit.status).toBe(200);
    });

    it("procedure path tricks reach nothing the caller may not call", async () => {
      const alice = await account("paths-alice");
      const bob = await account("paths-bob");
      const paths = "session.list,admin.revokeAllSessions";
      expect((await alice.client.request(`/api/trpc/${paths}`)).status).toBe(404);
      expect((await alice.client.request(`/api/trpc/${paths}?batch=1`)).status).toBe(400);
      expect((await alice.client.postJson(`/api/trpc/${paths}?batch=1`, {})).status).toBe(400);
      const mixed = await alice.client.postJson(
        "/api/trpc/admin.revokeAllSessions,admin.revokeUserSessions?batch=1",
        { 1: { email: bob.credentials.email } },
      );
      const answers = (await mixed.json()) as Array<{ error?: { data: { reason: string } } }>;
      expect(answers.map((answer) => answer.error?.data.reason)).toEqual([
        ErrorReason.ADMIN_REQUIRED,
        ErrorReason.ADMIN_REQUIRED,
      ]);
      for (const trick of [
        "admin.revokeAllSessions%00",
        "admin%2erevokeAllSessions/",
        "Admin.revokeAllSessions",
        "admin..revokeAllSessions",
        "session.revokeAll.constructor",
        "__proto__.revokeAllSessions",
      ]) {
        const response = await alice.client.postJson(`/api/trpc/${trick}`, {});
        expect(response.status, trick).toBe(404);
      }
      // An encoded dot is the same procedure, behind the same gate.
      await expectTrpcFailure(
        await new HttpClient(server.baseUrl).mutate("admin%2ErevokeAllSessions"),
        401,
        "UNAUTHORIZED",
        ErrorReason.SESSION_REQUIRED,
      );
      expect(await isLive(bob.token)).toBe(true);
      expect(await isLive(alice.token)).toBe(true);
    });
  });

  describe("problems found", () => {
    // A browser signed in as Alice where Bob signs in (a shared computer): Alice's session is
    // ended as `replaced`, rightly, but recorded with Bob as its actor, so Alice's activity
    // shows "Replaced by a new sign-in in the same browser (by an administrator)".
    it("signing in or up in a browser that holds another user's session is never shown to that user as an administrator's doing", async () => {
      const alice = await account("shared-alice");
      const bob = await account("shared-bob");
      const sharedBrowser = new HttpClient(server.baseUrl);
      for (const name of alice.client.jar.names()) {
        sharedBrowser.jar.set(name, alice.client.jar.get(name) ?? "");
      }
      expect((await sharedBrowser.signIn(bob.credentials)).status).toBe(200);
      expect(await isLive(alice.token)).toBe(false);
      expect(
        (await dataOf<{ user: { id: string } }>(await sharedBrowser.query("session.current"))).user
          .id,
      ).toBe(bob.userId);
      // A second browser of Alice's, and a sign-up where the first one used to be.
      const elsewhere = await account("shared-alice", alice.credentials);
      const signUpBrowser = new HttpClient(server.baseUrl);
      for (const name of elsewhere.client.jar.names()) {
        signUpBrowser.jar.set(name, elsewhere.client.jar.get(name) ?? "");
      }
      expect((await signUpBrowser.signUp(newCredentials("shared-carol"))).status).toBe(200);
      expect(await isLive(elsewhere.token)).toBe(false);

      const reader = await account("shared-alice", alice.credentials);
      const { events } = await dataOf<{
        events: Array<{ type: string; reason: string | null; byAdministrator: boolean }>;
      }>(await reader.client.query("session.activity", { limit: 20 }));
      const replaced = events.filter((event) => event.reason === EndReason.REPLACED);
      expect(replaced).toHaveLength(2);
      expect(replaced.map((event) => event.byAdministrator)).toEqual([false, false]);
    });

    // The gate reads `better-auth.session_token="…"` (a quoted cookie-value, RFC 6265 4.1.1)
    // as no session; Better Auth strips the quotes and acts on it. So POST /api/auth/sign-out
    // ends a session the gate never admitted (binding neither flagged nor enforced for it).
    it("the gate and Better Auth read a quoted session cookie alike", async () => {
      const alice = await account("quoted-alice");
      const quoted = `${TOKEN_COOKIE}="${alice.client.jar.get(TOKEN_COOKIE)}"`;
      const client = new HttpClient(server.baseUrl);
      const gateSaw = await (
        await client.request("/api/auth/get-session", { headers: { cookie: quoted } })
      ).json();
      const signOut = await client.postJson("/api/auth/sign-out", {}, { cookie: quoted });
      expect(signOut.status).toBe(200);
      const endedBySignOut = !(await isLive(alice.token));
      expect(
        gateSaw !== null,
        `sign-out ${endedBySignOut ? "ended" : "kept"} the session; the gate admitted it?`,
      ).toBe(endedBySignOut);
    });

    // Better Auth declares get-session for GET and POST; our door answers any method as GET
    // (GET /api/auth/token answers 405 to the others).
    it("GET /api/auth/get-session answers only the methods Better Auth declares for it", async () => {
      const alice = await account("methods-alice");
      const answers: string[] = [];
      for (const method of ["PUT", "DELETE", "PATCH", "OPTIONS"]) {
        const response = await alice.client.request("/api/auth/get-session", {
          method,
          headers: { "content-type": "application/json" },
          ...(method === "OPTIONS" ? {} : { body: "{}" }),
        });
        answers.push(`${method} -> ${response.status}`);
      }
      expect(answers.filter((answer) => answer.endsWith("-> 200"))).toEqual([]);
    });
  });
});
