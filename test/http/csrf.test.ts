/**
 * The CSRF and CORS policy (ASVS 3.5) through the real HTTP server: the requests a browser would
 * send on behalf of a foreign page, each refused with its reason and without effect; what the
 * app's own origin and an allowlisted partner may do; preflights and the headers of every /api
 * answer. The session cookies themselves: test/http/cookies.test.ts.
 */
import { describe, expect, it } from "vitest";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";

const PARTNER = "https://partner.example.com";

type ErrorBody = {
  error: { message: string; data: { code: string; httpStatus: number; reason: string | null } };
};

describe.each(databaseKinds)("CSRF and CORS on %s", (kind) => {
  const server = useTestServer(kind, { TRUSTED_ORIGINS: PARTNER });

  /**
   * A user signed in on a laptop (the victim's browser) and a phone. Any attack that got through
   * to `session.revokeOthers` or `sign-out` would end one of the two sessions.
   */
  async function victim() {
    const credentials = newCredentials("csrf");
    const laptop = new HttpClient(server.baseUrl);
    expect((await laptop.signUp(credentials)).status).toBe(200);
    const phone = new HttpClient(server.baseUrl);
    expect((await phone.signIn(credentials)).status).toBe(200);
    /** The laptop's cookies on a request from another page: nothing but the cookie header. */
    const attack = (path: string, init: { headers: Record<string, string>; body?: string }) =>
      fetch(`${server.baseUrl}${path}`, {
        method: "POST",
        body: init.body,
        headers: { cookie: laptop.jar.header(), ...init.headers },
      });
    async function nothingChanged() {
      for (const device of [laptop, phone]) {
        const list = await device.query("session.list");
        expect(list.status).toBe(200);
        expect((await list.json()).result.data).toHaveLength(2);
      }
    }
    return { laptop, phone, attack, nothingChanged };
  }

  /** tRPC's error shape on /api/trpc, Better Auth's (`{ code, message }`) on /api/auth. */
  async function expectRefusal(
    response: Response,
    status: 403 | 415,
    reason: string | null,
    message: string,
  ) {
    expect(response.status).toBe(status);
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    const body = await response.json();
    if (new URL(response.url).pathname.startsWith("/api/auth/")) {
      expect(body).toEqual({ code: reason ?? "UNSUPPORTED_MEDIA_TYPE", message });
      return;
    }
    expect((body as ErrorBody).error.message).toBe(message);
    expect((body as ErrorBody).error.data).toEqual({
      code: status === 403 ? "FORBIDDEN" : "UNSUPPORTED_MEDIA_TYPE",
      httpStatus: status,
      reason,
    });
  }

  it("refuses a form-encoded POST (no preflight in a browser) with 415, whatever its origin", async () => {
    const { laptop, attack, nothingChanged } = await victim();
    for (const path of ["/api/trpc/session.revokeOthers", "/api/auth/sign-out"]) {
      const response = await attack(path, {
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: "https://evil.example",
          "sec-fetch-site": "cross-site",
        },
        body: "a=1",
      });
      await expectRefusal(response, 415, null, "Send the request body as application/json");
    }
    // From the app's own origin as well: the SPA never sends a form.
    const sameOrigin = await laptop.request("/api/trpc/session.revokeOthers", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1",
    });
    expect(sameOrigin.status).toBe(415);
    expect(((await sameOrigin.json()) as ErrorBody).error.data.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    await nothingChanged();
  });

  it("refuses a text/plain POST carrying JSON with 415", async () => {
    const { attack, nothingChanged } = await victim();
    const response = await attack("/api/trpc/session.revokeOthers", {
      headers: {
        "content-type": "text/plain;charset=UTF-8",
        origin: "https://evil.example",
        "sec-fetch-site": "cross-site",
      },
      body: "null",
    });
    await expectRefusal(response, 415, null, "Send the request body as application/json");
    await nothingChanged();
  });

  it("refuses a cookie-bearing JSON POST from a foreign Origin with 403 ORIGIN_NOT_ALLOWED", async () => {
    const { attack, nothingChanged } = await victim();
    for (const path of ["/api/trpc/session.revokeOthers", "/api/auth/sign-out"]) {
      const response = await attack(path, {
        headers: { "content-type": "application/json", origin: "https://evil.example" },
        body: "{}",
      });
      await expectRefusal(
        response,
        403,
        "ORIGIN_NOT_ALLOWED",
        "Origin https://evil.example is not allowed",
      );
    }
    await nothingChanged();
  });

  it("refuses Origin: null (sandboxed frame, data: URL, cross-site redirect) with 403", async () => {
    const { attack, nothingChanged } = await victim();
    const response = await attack("/api/trpc/session.revokeOthers", {
      headers: { "content-type": "application/json", origin: "null" },
      body: "null",
    });
    await expectRefusal(response, 403, "ORIGIN_NOT_ALLOWED", "Origin null is not allowed");
    await nothingChanged();
  });

  it("refuses a cookie-bearing POST without Origin with 403", async () => {
    const { attack, nothingChanged } = await victim();
    for (const path of ["/api/trpc/session.revokeOthers", "/api/auth/sign-out"]) {
      const response = await attack(path, {
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      await expectRefusal(response, 403, "ORIGIN_NOT_ALLOWED", "Missing Origin header");
    }
    await nothingChanged();
  });

  it("refuses Sec-Fetch-Site: cross-site from look-alike origins, and without Origin", async () => {
    const { attack, nothingChanged } = await victim();
    const lookAlikes = [
      `${PARTNER}.evil.test`,
      `${server.baseUrl}.evil.test`,
      "https://evil.partner.example.com",
      "http://partner.example.com",
      `${PARTNER}:8443`,
    ];
    for (const origin of lookAlikes) {
      const response = await attack("/api/trpc/session.revokeOthers", {
        headers: { "content-type": "application/json", origin, "sec-fetch-site": "cross-site" },
        body: "null",
      });
      await expectRefusal(
        response,
        403,
        "ORIGIN_NOT_ALLOWED",
        `Cross-site request from ${origin} is not allowed`,
      );
    }
    const unnamed = await attack("/api/auth/sign-out", {
      headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
      body: "{}",
    });
    await expectRefusal(
      unnamed,
      403,
      "ORIGIN_NOT_ALLOWED",
      "Cross-site request from an unnamed origin is not allowed",
    );
    // same-site (a sibling subdomain) gets no exemption: its Origin must be on the list as well.
    const sibling = await attack("/api/trpc/session.revokeOthers", {
      headers: {
        "content-type": "application/json",
        origin: "https://evil.example.com",
        "sec-fetch-site": "same-site",
      },
      body: "null",
    });
    await expectRefusal(
      sibling,
      403,
      "ORIGIN_NOT_ALLOWED",
      "Origin https://evil.example.com is not allowed",
    );
    await nothingChanged();
  });

  it("never runs a mutation on GET (405 METHOD_NOT_SUPPORTED), nor a query on POST", async () => {
    const { laptop, nothingChanged } = await victim();
    for (const procedure of ["session.revokeOthers", "session.revokeAll"]) {
      const response = await laptop.request(`/api/trpc/${procedure}`, {
        headers: { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      });
      expect(response.status, procedure).toBe(405);
      expect(((await response.json()) as ErrorBody).error.data.code).toBe("METHOD_NOT_SUPPORTED");
    }
    // Better Auth's sign-out is POST only; a GET (an <img> or a link) reaches nothing.
    const signOut = await laptop.request("/api/auth/sign-out", {
      headers: { "sec-fetch-site": "cross-site" },
    });
    expect(signOut.status).toBeGreaterThanOrEqual(400);
    expect(signOut.status).toBeLessThan(500);
    const postedQuery = await laptop.mutate("session.list");
    expect(postedQuery.status).toBe(405);
    expect(((await postedQuery.json()) as ErrorBody).error.data.code).toBe("METHOD_NOT_SUPPORTED");
    await nothingChanged();
  });

  it("serves a cross-site cookie-bearing GET of a query, but no foreign page can read it", async () => {
    const { laptop, nothingChanged } = await victim();
    const response = await laptop.request("/api/trpc/session.list", {
      headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
    await nothingChanged();
  });

  it("lets the app's own origin mutate", async () => {
    const { laptop, phone } = await victim();
    const response = await laptop.mutate("session.revokeOthers");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: { data: { ended: 1, signedOut: false } } });
    expect((await phone.query("session.list")).status).toBe(401);
    expect((await laptop.query("session.list")).status).toBe(200);
  });

  it("lets an allowlisted cross-site partner mutate, with CORS headers for it", async () => {
    const { laptop, phone } = await victim();
    const response = await laptop.mutate("session.revokeOthers", undefined, {
      origin: PARTNER,
      "sec-fetch-site": "cross-site",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(PARTNER);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(await response.json()).toEqual({ result: { data: { ended: 1, signedOut: false } } });
    expect((await phone.query("session.list")).status).toBe(401);
  });

  it("answers preflights: 204 with methods, headers, credentials and max-age for allowed origins, 403 otherwise", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/api/trpc/session.revokeOthers`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    for (const origin of [PARTNER, server.baseUrl]) {
      const allowed = await preflight(origin);
      expect(allowed.status, origin).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe(origin);
      expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
      expect(allowed.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
      expect(allowed.headers.get("access-control-allow-headers")).toBe(
        "content-type, authorization, trpc-accept",
      );
      expect(allowed.headers.get("access-control-max-age")).toBe("600");
      expect(allowed.headers.get("vary")).toMatch(/\bOrigin\b/);
    }
    for (const origin of ["https://evil.example", `${PARTNER}.evil.test`, "null"]) {
      const refused = await preflight(origin);
      expect(refused.status, origin).toBe(403);
      expect(refused.headers.get("vary")).toMatch(/\bOrigin\b/);
      for (const header of [
        "access-control-allow-origin",
        "access-control-allow-credentials",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-max-age",
      ]) {
        expect(refused.headers.get(header), `${origin} ${header}`).toBeNull();
      }
    }
  });

  it("sends Vary: Origin, CORP same-origin and nosniff on every /api response, never a wildcard", async () => {
    const client = new HttpClient(server.baseUrl, PARTNER);
    const responses = {
      "sign-up (Better Auth)": await client.signUp(newCredentials("vary")),
      "get-session (ours)": await client.request("/api/auth/get-session"),
      "tRPC query": await client.query("session.list"),
      "tRPC mutation": await client.mutate("session.revokeOthers"),
      "tRPC error": await client.mutate("session.revoke", { id: 42 }),
      "unknown /api route": await client.request("/api/nothing-here"),
      "closed Better Auth route": await client.request("/api/auth/list-sessions"),
      "jwks (Better Auth)": await client.request("/api/auth/jwks"),
      refusal: await client.mutate("session.revokeOthers", undefined, {
        origin: "https://evil.example",
      }),
    };
    for (const [label, response] of Object.entries(responses)) {
      expect(response.headers.get("vary"), label).toMatch(/\bOrigin\b/);
      expect(response.headers.get("access-control-allow-origin"), label).not.toBe("*");
      expect(response.headers.get("cross-origin-resource-policy"), label).toBe("same-origin");
      expect(response.headers.get("x-content-type-options"), label).toBe("nosniff");
    }
    expect(responses["tRPC query"].headers.get("access-control-allow-origin")).toBe(PARTNER);
  });
});
