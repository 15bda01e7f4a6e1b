/**
 * The session cookies through the real HTTP server (ASVS 3.3): every attribute of both cookies in
 * each mode (development or production, with or without COOKIE_DOMAIN), the signature the README
 * documents, the prefix, the token never leaving the cookie, and what a revoked, forged, tampered
 * or downgraded cookie gets. Cross-site requests carrying them: test/http/csrf.test.ts.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PRODUCTION_WITHOUT_MAIL, TEST_SECRET } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { sign } from "../support/forgeries";
import { HttpClient, parseSetCookie } from "../support/http-client";
import { revokeOtherDevice, signedUpBrowser } from "../support/scenarios";

/** Every attribute of both session cookies, as the browser receives them. */
function sessionCookies(lines: string[], prefix: string) {
  const cookies = lines.map(parseSetCookie);
  const token = cookies.find((c) => c.name === `${prefix}better-auth.session_token`);
  const data = cookies.find((c) => c.name === `${prefix}better-auth.session_data`);
  expect(token, `${prefix}better-auth.session_token in ${lines.join(" | ")}`).toBeDefined();
  expect(data, `${prefix}better-auth.session_data in ${lines.join(" | ")}`).toBeDefined();
  return { token: token as NonNullable<typeof token>, data: data as NonNullable<typeof data> };
}

/** The cookie's attributes, in a comparable shape. */
function attributesOf(cookie: ReturnType<typeof parseSetCookie>) {
  return Object.fromEntries([...cookie.attributes].sort(([a], [b]) => a.localeCompare(b)));
}

const modes = [
  {
    label: "development, no COOKIE_DOMAIN",
    env: {},
    prefix: "",
    secure: false,
    domain: undefined,
  },
  {
    label: "development, COOKIE_DOMAIN=example.com",
    env: { COOKIE_DOMAIN: "example.com" },
    prefix: "",
    secure: false,
    domain: "example.com",
  },
  {
    label: "production, no COOKIE_DOMAIN",
    env: { ...PRODUCTION_WITHOUT_MAIL, BASE_URL: "https://app.example.com" },
    // Not __Host-: ADR 0013.
    prefix: "__Secure-",
    secure: true,
    domain: undefined,
  },
  {
    label: "production, COOKIE_DOMAIN=example.com",
    env: {
      ...PRODUCTION_WITHOUT_MAIL,
      BASE_URL: "https://app.example.com",
      COOKIE_DOMAIN: "example.com",
    },
    prefix: "__Secure-",
    secure: true,
    domain: "example.com",
  },
] as const;

describe.each(modes)("session cookies in $label", (mode) => {
  const server = useTestServer("pglite", mode.env);

  const origin = () => ("BASE_URL" in mode.env ? mode.env.BASE_URL : server.baseUrl);

  /** Exactly these attributes, nothing more (no Expires, no Partitioned, no SameSite=None). */
  function expected(maxAge: string) {
    return {
      ...(mode.domain ? { domain: mode.domain } : {}),
      httponly: "",
      "max-age": maxAge,
      path: "/",
      samesite: "Lax",
      ...(mode.secure ? { secure: "" } : {}),
    };
  }

  it("sets both cookies with exactly the documented attributes, and they authenticate", async () => {
    const client = new HttpClient(server.baseUrl, origin());
    expect((await client.signUp(newCredentials("cookies"))).status).toBe(200);
    const { token, data } = sessionCookies(client.lastSetCookies, mode.prefix);
    expect(attributesOf(token)).toEqual(expected("604800"));
    expect(attributesOf(data)).toEqual(expected("300"));
    // No other cookie is set, and none without the prefix in production.
    expect(client.lastSetCookies).toHaveLength(2);
    // Browsers drop a cookie whose name and value exceed 4096 bytes (ASVS 3.3.5).
    for (const cookie of [token, data]) {
      expect(`${cookie.name}=${cookie.value}`.length, cookie.name).toBeLessThan(4096);
    }
    expect((await client.query("session.list")).status).toBe(200);
  });

  it("round-trips: sign in, call a protected procedure, sign out clears both cookies", async () => {
    const credentials = newCredentials("roundtrip");
    expect((await new HttpClient(server.baseUrl, origin()).signUp(credentials)).status).toBe(200);
    const client = new HttpClient(server.baseUrl, origin());
    expect((await client.signIn(credentials)).status).toBe(200);
    sessionCookies(client.lastSetCookies, mode.prefix);
    const stolen = client.jar.clone();

    const list = await client.query("session.list");
    expect(list.status).toBe(200);
    expect((await list.json()).result.data).toHaveLength(2);
    const session = await client.request("/api/auth/get-session");
    expect((await session.json())?.user?.email).toBe(credentials.email);

    const signOut = await client.postJson("/api/auth/sign-out", {});
    expect(signOut.status).toBe(200);
    // The clearing cookies carry the same name, Path, Domain and Secure, or a browser would keep
    // the originals.
    const cleared = sessionCookies(client.lastSetCookies, mode.prefix);
    expect(attributesOf(cleared.token)).toEqual(expected("0"));
    expect(attributesOf(cleared.data)).toEqual(expected("0"));
    expect(cleared.token.value).toBe("");
    expect(client.jar.names()).toEqual([]);

    // The session itself is over: replaying the old cookies authenticates nobody.
    const replay = new HttpClient(server.baseUrl, origin());
    for (const name of stolen.names()) replay.jar.set(name, stolen.get(name) ?? "");
    expect((await replay.query("session.list")).status).toBe(401);
    expect(await (await replay.request("/api/auth/get-session")).json()).toBeNull();
  });

  // Registered only for the modes they concern, so no run reports them as skipped.
  if (mode.prefix !== "") {
    it("ignores the cookies without their prefix", async () => {
      const client = new HttpClient(server.baseUrl, origin());
      expect((await client.signUp(newCredentials("prefix"))).status).toBe(200);
      // A cookie a non-secure origin could have set (no __Secure-) is not the session cookie.
      const downgraded = new HttpClient(server.baseUrl, origin());
      for (const name of client.jar.names()) {
        downgraded.jar.set(name.replace(mode.prefix, ""), client.jar.get(name) ?? "");
      }
      expect((await downgraded.query("session.list")).status).toBe(401);
    });
  }

  if ("NODE_ENV" in mode.env) {
    it("hides error details in production", async () => {
      const client = new HttpClient(server.baseUrl, origin());
      const body = await (await client.query("session.list")).json();
      expect(body.error.data.code).toBe("UNAUTHORIZED");
      expect(JSON.stringify(body)).not.toContain("stack");
    });
  }
});

describe.each(databaseKinds)("session cookies on %s", (kind) => {
  const server = useTestServer(kind);
  const signedIn = () => signedUpBrowser(server.baseUrl);

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
    const { client, credentials, body: signUp } = await signedIn();
    const body = JSON.stringify(signUp);
    const token = client.sessionToken();
    expect(token).toHaveLength(32);
    expect(body).not.toContain(token);
    const signIn = await new HttpClient(server.baseUrl).signIn(credentials);
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

  it("refuses a revoked session on its next request although its cookie cache is valid", async () => {
    const { client: laptop, credentials } = await signedIn();
    const phone = new HttpClient(server.baseUrl);
    await phone.signIn(credentials);
    expect((await phone.query("session.list")).status).toBe(200);
    const stolen = phone.jar.clone();

    await revokeOtherDevice(laptop);

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
});
