/**
 * BASE_URL says `localhost`, the server binds `127.0.0.1`: outside production, a browser on either
 * spelling (or `[::1]`) of the same port signs up and uses the API; in production only BASE_URL's
 * origin does (ADR 0023). Better Auth's origin check and our CSRF guard agree on both.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PRODUCTION_WITHOUT_MAIL, startTestInstance, type TestInstance } from "../support/app";
import { newCredentials } from "../support/device";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";

/** `http://localhost:<port>` written as `http://<host>:<port>`. */
function withHost(baseUrl: string, host: string) {
  const url = new URL(baseUrl);
  return `${url.protocol}//${host}:${url.port}`;
}

describe("loopback aliases of BASE_URL", () => {
  const development = useTestServer("pglite", { NODE_ENV: "development" });
  let production: TestInstance;
  beforeAll(async () => {
    production = await startTestInstance(development.database, PRODUCTION_WITHOUT_MAIL);
  });
  afterAll(async () => {
    await production?.close();
  });

  it("in development: signs up, signs in and mutates from 127.0.0.1 and [::1] on BASE_URL's port", async () => {
    expect(development.baseUrl).toMatch(/^http:\/\/localhost:\d+$/);
    const numeric = withHost(development.baseUrl, "127.0.0.1");
    const credentials = newCredentials("loopback");

    const browser = new HttpClient(numeric, numeric);
    const signUp = await browser.signUp(credentials);
    expect(signUp.status).toBe(200);
    // Cookie-bearing now: our CSRF guard must trust the alias as Better Auth did.
    expect((await browser.query("session.current")).status).toBe(200);
    expect((await browser.mutate("session.revokeOthers")).status).toBe(200);
    expect(
      (await browser.postJson("/api/auth/sign-out", {})).status,
      "sign-out from the alias",
    ).toBe(200);

    const ipv6 = new HttpClient(numeric, withHost(development.baseUrl, "[::1]"));
    expect((await ipv6.signIn(credentials)).status).toBe(200);
    expect((await ipv6.mutate("session.revokeOthers")).status).toBe(200);
  });

  it("in development: another port on loopback is still a foreign origin", async () => {
    const port = Number(new URL(development.baseUrl).port);
    const elsewhere = `http://127.0.0.1:${port === 65_535 ? port - 1 : port + 1}`;
    const credentials = newCredentials("other-port");
    const browser = new HttpClient(development.baseUrl, elsewhere);
    const signUp = await browser.signUp(credentials);
    expect(signUp.status).toBe(403);
    expect(((await signUp.json()) as { code: string }).code).toBe("INVALID_ORIGIN");
  });

  it("in production: only BASE_URL's own origin may sign up", async () => {
    const numeric = withHost(production.baseUrl, "127.0.0.1");
    const credentials = newCredentials("production-alias");
    for (const origin of [numeric, withHost(production.baseUrl, "[::1]")]) {
      const refused = await new HttpClient(numeric, origin).signUp(credentials);
      expect(refused.status, origin).toBe(403);
      expect(((await refused.json()) as { code: string }).code, origin).toBe("INVALID_ORIGIN");
    }
    const signedUp = new HttpClient(production.baseUrl);
    expect((await signedUp.signUp(credentials)).status).toBe(200);

    // A signed-in browser that wandered onto the alias: refused by our CSRF guard too.
    const wandered = new HttpClient(numeric, numeric);
    for (const name of signedUp.jar.names()) wandered.jar.set(name, signedUp.jar.get(name) ?? "");
    const mutation = await wandered.mutate("session.revokeOthers");
    expect(mutation.status).toBe(403);
    expect(await mutation.json()).toMatchObject({
      error: { data: { code: "FORBIDDEN", reason: "ORIGIN_NOT_ALLOWED" } },
    });
  });
});
