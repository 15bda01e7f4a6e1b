/**
 * Better Auth's own client (`better-auth/client`, the locked version) against the real server, from
 * Node: what it can do here (sign up, sign in, get the session, get a JWT, sign out), and what
 * every other call gets: Better Auth's error shape, 404 ENDPOINT_CLOSED, a message naming the
 * tRPC procedure that replaces it. The map of closed endpoints must name every endpoint of the
 * instance that is not exposed, so a Better Auth upgrade that adds one fails here.
 */
import { createAuthClient } from "better-auth/client";
import { jwtClient } from "better-auth/client/plugins";
import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { closedEndpointPaths } from "../../server/auth/better-auth";
import {
  AUTH_PREFIX,
  CLOSED_AUTH_ENDPOINTS,
  ENDPOINT_CLOSED,
  EXPOSED_AUTH_PATHS,
} from "../../server/http/auth-door";
import { appRouter } from "../../server/routers";
import { ErrorReason } from "../../shared/errors";
import { CookieJar } from "../support/cookie-jar";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { dataOf } from "../support/trpc-http";

/**
 * A Node client as a browser would be: a cookie jar, and an `Origin` on every request (our CSRF
 * rule refuses a cookie-bearing POST without one; a browser adds it itself).
 */
function betterAuthClient(baseUrl: string, origin: string | null = baseUrl) {
  const jar = new CookieJar();
  const send = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    if (origin !== null) headers.set("origin", origin);
    const cookie = jar.header();
    if (cookie) headers.set("cookie", cookie);
    const response = await fetch(input, { ...init, headers });
    jar.store(response.headers.getSetCookie());
    return response;
  };
  const client = createAuthClient({
    baseURL: baseUrl,
    basePath: AUTH_PREFIX,
    plugins: [jwtClient()],
    fetchOptions: { customFetchImpl: send },
  });
  /** A tRPC mutation with this client's cookies (what replaces the closed calls). */
  const mutate = (procedure: string, input: unknown) =>
    send(`${baseUrl}/api/trpc/${procedure}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(input),
    });
  return { client, jar, mutate };
}

const procedures = appRouter._def.procedures as unknown as Record<string, unknown>;

describe.each(databaseKinds)("better-auth/client against the server on %s", (kind) => {
  const server = useTestServer(kind);

  it("names a replacement (or why there is none) for every endpoint of the instance that is not exposed, and only those", async () => {
    const exposed = new Set([...EXPOSED_AUTH_PATHS].map((p) => p.slice(AUTH_PREFIX.length)));
    const closed = closedEndpointPaths(server.deps.auth.api).filter((p) => !exposed.has(p));
    // A Better Auth upgrade adding an endpoint fails here: add it to CLOSED_AUTH_ENDPOINTS
    // (server/http/auth-door.ts) and to the README's table ("Better Auth's client").
    expect(closed.filter((path) => !(path in CLOSED_AUTH_ENDPOINTS))).toEqual([]);
    // An endpoint an upgrade removed (or a typo) fails too.
    expect(Object.keys(CLOSED_AUTH_ENDPOINTS).filter((path) => !closed.includes(path))).toEqual([]);
    for (const [path, entry] of Object.entries(CLOSED_AUTH_ENDPOINTS)) {
      if ("use" in entry) expect(procedures, path).toHaveProperty([entry.use]);
    }

    // Every one of them answers over HTTP, whatever the method: 404 ENDPOINT_CLOSED, in
    // Better Auth's shape, naming its replacement.
    for (const path of closed) {
      const response = await fetch(
        `${server.baseUrl}${AUTH_PREFIX}${path.replace(/:[^/]+/g, "x")}`,
      );
      const body = await response.json();
      expect(response.status, path).toBe(404);
      expect(body.code, path).toBe(ENDPOINT_CLOSED);
      const entry = CLOSED_AUTH_ENDPOINTS[path];
      if (!entry) continue;
      expect(body.message, path).toContain(
        "use" in entry ? `tRPC procedure ${entry.use} (` : entry.unavailable,
      );
    }
    // A path that is no Better Auth endpoint at all is plainly not found.
    for (const path of ["/nothing-here", "/list-sessions/", "/callback/", "/sign-in"]) {
      const response = await fetch(`${server.baseUrl}${AUTH_PREFIX}${path}`);
      expect(response.status, path).toBe(404);
      expect((await response.json()).code, path).toBe("NOT_FOUND");
    }
  });

  it("signs up, reads the session, gets a JWT, signs out and signs in again", async () => {
    const { client, jar } = betterAuthClient(server.baseUrl);
    const credentials = newCredentials("ba-client");

    const signedUp = await client.signUp.email(credentials);
    expect(signedUp.error).toBeNull();
    expect(signedUp.data?.user).toMatchObject({ name: credentials.name, email: credentials.email });
    // The session token stays in the HttpOnly cookie.
    expect(signedUp.data?.token).toBeNull();

    const current = await client.getSession();
    expect(current.error).toBeNull();
    expect(current.data?.user.email).toBe(credentials.email);
    expect(current.data?.session).not.toHaveProperty("token");

    const token = await client.token();
    expect(token.error).toBeNull();
    const jwks = await client.jwks();
    expect(jwks.error).toBeNull();
    const { payload } = await jwtVerify(
      token.data?.token ?? "",
      createLocalJWKSet(jwks.data ?? { keys: [] }),
      {
        issuer: server.baseUrl,
        audience: server.baseUrl,
        algorithms: ["EdDSA"],
      },
    );
    expect(payload).toMatchObject({ sid: current.data?.session.id, sub: current.data?.user.id });

    const signedOut = await client.signOut();
    expect(signedOut).toEqual({ data: { success: true }, error: null });
    expect((await client.getSession()).data).toBeNull();
    expect(jar.names()).toEqual([]);

    const wrong = await client.signIn.email({
      email: credentials.email,
      password: "not it at all",
    });
    expect(wrong.error).toMatchObject({ status: 401, code: "INVALID_EMAIL_OR_PASSWORD" });
    expect(wrong.error?.message).toBeTruthy();

    const signedIn = await client.signIn.email(credentials);
    expect(signedIn.error).toBeNull();
    expect(signedIn.data?.token).toBeNull();
    expect((await client.getSession()).data?.user.email).toBe(credentials.email);

    // A taken address: 409 EMAIL_TAKEN (ADR 0019), with its message.
    const again = await betterAuthClient(server.baseUrl).client.signUp.email(credentials);
    expect(again.error).toMatchObject({
      status: 409,
      code: ErrorReason.EMAIL_TAKEN,
      message: "That email is already in use",
    });
  });

  it("answers every closed call with error.status 404, error.code ENDPOINT_CLOSED and a message naming the procedure that replaces it, and changes nothing", async () => {
    const { client } = betterAuthClient(server.baseUrl);
    const credentials = newCredentials("ba-closed");
    await client.signUp.email(credentials);
    const session = (await client.getSession()).data?.session;
    expect(session).toBeDefined();

    const calls = {
      "session.list": () => client.listSessions(),
      "session.revoke": () => client.revokeSession({ token: "a token we never hand out" }),
      "session.revokeOthers": () => client.revokeOtherSessions(),
      "session.revokeAll": () => client.revokeSessions(),
      "account.changePassword": () =>
        client.changePassword({
          currentPassword: credentials.password,
          newPassword: "another long password",
        }),
      "account.changeName": () => client.updateUser({ name: "Renamed through Better Auth" }),
      "account.changeEmail": () => client.changeEmail({ newEmail: `x-${credentials.email}` }),
      "account.delete": () => client.deleteUser({ password: credentials.password }),
    };
    for (const [procedure, call] of Object.entries(calls)) {
      const { data, error } = await call();
      expect(data, procedure).toBeNull();
      expect(error?.status, procedure).toBe(404);
      expect((error as { code?: string } | null)?.code, procedure).toBe(ENDPOINT_CLOSED);
      const method = procedure === "session.list" ? "GET" : "POST";
      expect(error?.message, procedure).toMatch(
        new RegExp(`^Use the tRPC procedure ${procedure} \\(${method} /api/trpc/${procedure}\\)`),
      );
    }

    // Nothing changed: the same session, name and email, and the password still signs in.
    const after = (await client.getSession()).data;
    expect(after?.session.id).toBe(session?.id);
    expect(after?.user).toMatchObject({ name: credentials.name, email: credentials.email });
    const other = betterAuthClient(server.baseUrl).client;
    expect((await other.signIn.email(credentials)).error).toBeNull();
  });

  it("answers a refused request (CSRF rule) in Better Auth's shape too", async () => {
    const browser = betterAuthClient(server.baseUrl);
    await browser.client.signUp.email(newCredentials("ba-origin"));
    // The same cookies from a client that sends no Origin: Node's fetch does not add one.
    const bare = betterAuthClient(server.baseUrl, null);
    for (const name of browser.jar.names()) bare.jar.set(name, browser.jar.get(name) ?? "");
    expect((await bare.client.signOut()).error).toMatchObject({
      status: 403,
      code: ErrorReason.ORIGIN_NOT_ALLOWED,
      message: "Missing Origin header",
    });
    const foreign = betterAuthClient(server.baseUrl, "https://evil.example");
    for (const name of browser.jar.names()) foreign.jar.set(name, browser.jar.get(name) ?? "");
    expect((await foreign.client.signOut()).error).toMatchObject({
      status: 403,
      code: ErrorReason.ORIGIN_NOT_ALLOWED,
      message: "Origin https://evil.example is not allowed",
    });
    expect((await browser.client.getSession()).data).not.toBeNull();
  });

  it("changes the display name through its tRPC replacement, seen at once by get-session", async () => {
    const { client, mutate } = betterAuthClient(server.baseUrl);
    await client.signUp.email(newCredentials("ba-rename"));
    expect(await dataOf(await mutate("account.changeName", { name: "  Ada Lovelace " }))).toEqual({
      name: "Ada Lovelace",
    });
    expect((await client.getSession()).data?.user.name).toBe("Ada Lovelace");
  });
});
