/** Through the real HTTP server: cookie attributes per mode, Origin checks, revocation, forged cookies. */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient, parseSetCookie } from "../support/http-client";

describe.each(databaseKinds)("HTTP sessions on %s", (kind) => {
  const server = useTestServer(kind, { TRUSTED_ORIGINS: "https://partner.example.com" });

  async function signedIn() {
    const client = new HttpClient(server.baseUrl);
    const credentials = newCredentials();
    const response = await client.signUp(credentials);
    expect(response.status).toBe(200);
    return { client, credentials, response };
  }

  it("development cookies: HttpOnly, SameSite=Lax, Path=/, not Secure, no prefix, no Domain", async () => {
    const { client } = await signedIn();
    const cookies = client.lastSetCookies.map(parseSetCookie);
    const token = cookies.find((c) => c.name === "better-auth.session_token");
    const cache = cookies.find((c) => c.name === "better-auth.session_data");
    for (const cookie of [token, cache]) {
      expect(cookie).toBeDefined();
      expect(cookie?.attributes.has("httponly")).toBe(true);
      expect(cookie?.attributes.get("samesite")?.toLowerCase()).toBe("lax");
      expect(cookie?.attributes.get("path")).toBe("/");
      expect(cookie?.attributes.has("secure")).toBe(false);
      expect(cookie?.attributes.has("domain")).toBe(false);
    }
    expect(token?.attributes.get("max-age")).toBe("604800");
    expect(cache?.attributes.get("max-age")).toBe("300");
  });

  it("signs the cookie as the README documents: token.base64(HMAC-SHA256(secret, token)), URL-encoded", async () => {
    const { client } = await signedIn();
    const raw = client.jar.get("better-auth.session_token") ?? "";
    const decoded = decodeURIComponent(raw);
    const cut = decoded.lastIndexOf(".");
    const token = decoded.slice(0, cut);
    const signature = decoded.slice(cut + 1);
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(signature).toBe(createHmac("sha256", TEST_SECRET).update(token).digest("base64"));
    expect(signature).toHaveLength(44);
  });

  it("never returns the session token in a response body", async () => {
    const { client, response } = await signedIn();
    const body = await response.text();
    const token = decodeURIComponent(client.jar.get("better-auth.session_token") ?? "").split(
      ".",
    )[0];
    expect(token).toHaveLength(32);
    expect(body).not.toContain(token);
    const signIn = await new HttpClient(server.baseUrl).signIn({
      email: JSON.parse(body).user.email,
      password: "correct horse battery",
    });
    expect(await signIn.json()).toMatchObject({ token: null });
    for (const path of [
      "/api/trpc/session.current",
      "/api/trpc/session.list",
      "/api/auth/get-session",
    ]) {
      const text = await (await client.request(path)).text();
      expect(text).not.toContain(token);
    }
  });

  it("keeps Better Auth's token-returning and token-taking endpoints closed", async () => {
    const { client } = await signedIn();
    for (const path of [
      "/api/auth/list-sessions",
      "/api/auth/revoke-session",
      "/api/auth/update-user",
    ]) {
      const response = path.endsWith("list-sessions")
        ? await client.request(path)
        : await client.postJson(path, { token: "x" });
      expect(response.status, path).toBe(404);
      expect((await response.json()).code, path).toBe("ENDPOINT_CLOSED");
    }
  });

  it("refuses cookie-authenticated mutations from a foreign or missing Origin", async () => {
    const { client } = await signedIn();
    const evil = await client.mutate("session.revokeOthers", undefined, {
      origin: "https://evil.example",
    });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({
      error: { data: { code: "FORBIDDEN", reason: "ORIGIN_NOT_ALLOWED" } },
    });
    const noOrigin = new HttpClient(server.baseUrl, null);
    for (const name of client.jar.names()) noOrigin.jar.set(name, client.jar.get(name) ?? "");
    expect((await noOrigin.mutate("session.revokeOthers")).status).toBe(403);
    // A form post (no preflight in a browser) is refused whatever its origin.
    const form = await client.request("/api/trpc/session.revokeOthers", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(form.status).toBe(415);
    // Mutations are never reachable with GET.
    expect((await client.query("session.revokeOthers")).status).toBe(405);
    // Better Auth's own endpoints check Origin too.
    const signOut = await client.postJson(
      "/api/auth/sign-out",
      {},
      { origin: "https://evil.example" },
    );
    expect(signOut.status).toBe(403);
    // The session survived all of that, and the allowed origin works.
    const ok = await client.mutate("session.revokeOthers");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ result: { data: { ended: 0, signedOut: false } } });
  });

  it("answers CORS preflights only for allowed origins, with credentials and Vary", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/api/trpc/session.revokeOthers`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      });
    const allowed = await preflight("https://partner.example.com");
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://partner.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("vary")).toMatch(/origin/i);
    const refused = await preflight("https://evil.example");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a revoked session on its next request although its cookie cache is valid", async () => {
    const { client: laptop, credentials } = await signedIn();
    const phone = new HttpClient(server.baseUrl);
    await phone.signIn(credentials);
    expect((await phone.query("session.list")).status).toBe(200);
    const stolen = phone.jar.clone();

    const list = (await (await laptop.query("session.list")).json()).result.data as Array<{
      id: string;
      isCurrent: boolean;
    }>;
    const phoneId = list.find((s) => !s.isCurrent)?.id;
    expect((await laptop.mutate("session.revoke", { id: phoneId })).status).toBe(200);

    const refused = await phone.query("session.list");
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({
      error: { data: { code: "UNAUTHORIZED", reason: "SESSION_REVOKED" } },
    });
    // ...and the response told the browser to drop both cookies.
    const cleared = phone.lastSetCookies.map(parseSetCookie);
    expect(
      cleared.find((c) => c.name === "better-auth.session_token")?.attributes.get("max-age"),
    ).toBe("0");
    // Better Auth's own get-session refuses the replayed cookies as well.
    const replay = new HttpClient(server.baseUrl);
    for (const name of stolen.names()) replay.jar.set(name, stolen.get(name) ?? "");
    expect(await (await replay.request("/api/auth/get-session")).json()).toBeNull();
    expect((await replay.query("session.list")).status).toBe(401);
  });

  it("refuses forged, tampered and foreign-secret cookies", async () => {
    const { client } = await signedIn();
    const genuine = decodeURIComponent(client.jar.get("better-auth.session_token") ?? "");
    const [token = "", signature = ""] = genuine.split(".");
    const sign = (value: string, secret: string) =>
      `${value}.${createHmac("sha256", secret).update(value).digest("base64")}`;
    const flipped = `${signature.startsWith("A") ? "B" : "A"}${signature.slice(1)}`;
    const forgeries = {
      "random token, no signature": "a".repeat(32),
      "real token, no signature": token,
      "real token, tampered signature": `${token}.${flipped}`,
      "real token, signed with another secret": sign(
        token,
        "another-secret-0123456789abcdefghijkl",
      ),
      "unknown token, correctly signed": sign("b".repeat(32), TEST_SECRET),
      "truncated cookie": genuine.slice(0, 40),
      empty: "",
    };
    for (const [label, value] of Object.entries(forgeries)) {
      const forger = new HttpClient(server.baseUrl);
      forger.jar.set("better-auth.session_token", encodeURIComponent(value));
      const response = await forger.query("session.list");
      expect(response.status, label).toBe(401);
      expect(await (await forger.query("session.current")).json(), label).toEqual({
        result: { data: null },
      });
    }
    // A session_data cookie edited to claim another user is refused (its signature breaks).
    const cache = client.jar.get("better-auth.session_data") ?? "";
    const payload = JSON.parse(Buffer.from(cache, "base64url").toString());
    payload.session.user.email = "admin@example.com";
    const tampered = new HttpClient(server.baseUrl);
    tampered.jar.set(
      "better-auth.session_token",
      client.jar.get("better-auth.session_token") ?? "",
    );
    tampered.jar.set(
      "better-auth.session_data",
      Buffer.from(JSON.stringify(payload)).toString("base64url"),
    );
    const current = (await (await tampered.query("session.current")).json()).result.data;
    expect(current.user.email).not.toBe("admin@example.com");
    // A lone, validly shaped session_data without its token authenticates nobody.
    const cacheOnly = new HttpClient(server.baseUrl);
    cacheOnly.jar.set("better-auth.session_data", cache);
    expect((await cacheOnly.query("session.list")).status).toBe(401);
  });

  it("answers bad input with BAD_REQUEST and zod issues, never a stack", async () => {
    const { client } = await signedIn();
    const response = await client.mutate("session.revoke", { id: 42 });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.data.code).toBe("BAD_REQUEST");
    expect(body.error.data.zodError.fieldErrors.id).toBeDefined();
    // A sentence, not zod's issues as JSON (those stay in data.zodError).
    expect(body.error.message).toBe("Check id: Invalid input: expected string, received number");
    expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:\d+/);
  });

  it("refuses a body over 1 MB with 413", async () => {
    const { client } = await signedIn();
    const response = await client.mutate("session.revoke", { id: "x".repeat(1_100_000) });
    expect(response.status).toBe(413);
  });

  it("reports database health", async () => {
    const response = await fetch(`${server.baseUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, database: "up", sessionCache: "trusted" });
  });
});

describe("HTTP cookies in production mode", () => {
  const origin = "https://app.example.com";
  const server = useTestServer("pglite", {
    NODE_ENV: "production",
    BASE_URL: origin,
    COOKIE_DOMAIN: "example.com",
  });

  it("sets Secure, __Secure- prefixed, HttpOnly, SameSite=Lax cookies for the configured domain", async () => {
    const client = new HttpClient(server.baseUrl, origin);
    const response = await client.signUp(newCredentials());
    expect(response.status).toBe(200);
    const cookies = client.lastSetCookies.map(parseSetCookie);
    const names = cookies.map((c) => c.name);
    expect(names).toContain("__Secure-better-auth.session_token");
    expect(names).toContain("__Secure-better-auth.session_data");
    for (const cookie of cookies) {
      expect(cookie.attributes.has("secure"), cookie.name).toBe(true);
      expect(cookie.attributes.has("httponly"), cookie.name).toBe(true);
      expect(cookie.attributes.get("samesite")?.toLowerCase(), cookie.name).toBe("lax");
      expect(cookie.attributes.get("domain"), cookie.name).toBe("example.com");
    }
    // The prefixed cookie authenticates.
    expect((await client.query("session.list")).status).toBe(200);
  });

  it("hides error details in production", async () => {
    const client = new HttpClient(server.baseUrl, origin);
    const body = await (await client.query("session.list")).json();
    expect(body.error.data.code).toBe("UNAUTHORIZED");
    expect(JSON.stringify(body)).not.toContain("stack");
  });
});
