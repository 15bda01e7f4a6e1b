/**
 * Password reset by mail through the real HTTP server and a real SMTP server: the same answer
 * for an address with and without an account, the limits per address (unknown ones included)
 * and per client IP, a reset that ends every session with its reason, the answers to used,
 * expired, forged and malformed links, nothing in the database that opens the link once it is
 * sent, and PASSWORD_RESET=off. Client IPs vary through X-Forwarded-For from a trusted proxy.
 */
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tooManyAttemptsMessage } from "../../server/account/attempt-limit";
import { ErrorReason } from "../../shared/errors";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useSmtpInbox, useTestServer, withSmtp } from "../support/fixtures";
import { HttpClient } from "../support/http-client";
import { databaseAsText, outboxTo } from "../support/mailbox";
import { eventsOf, userIdOf } from "../support/sessions";
import { linkToken, linkUrl } from "../support/smtp-inbox";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";
import { waitFor } from "../support/wait";

const IP_MAX = 3;
const ACCOUNT_MAX = 4;
const LINKS_PER_ADDRESS = 3;
const ADDRESS_WINDOW_SEC = 15 * 60;
const NEW_PASSWORD = "a new password 2026";

const STRICT_LIMITS = {
  TRUSTED_PROXIES: "127.0.0.1",
  RATE_LIMIT_IP_MAX: String(IP_MAX),
  RATE_LIMIT_IP_WINDOW_SEC: "60",
  RATE_LIMIT_ACCOUNT_MAX: String(ACCOUNT_MAX),
  RATE_LIMIT_ACCOUNT_WINDOW_SEC: "900",
};

let ipCounter = 0;
/** A client IP no other test uses (TEST-NET-3). */
function freshIp(): string {
  ipCounter += 1;
  return `203.0.${113 + Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

function clientAt(baseUrl: string, ip = freshIp()): HttpClient {
  const client = new HttpClient(baseUrl);
  client.defaultHeaders = { "x-forwarded-for": ip };
  return client;
}

describe.each(databaseKinds)("password reset over HTTP on %s", (kind) => {
  const inbox = useSmtpInbox();
  const server = useTestServer(kind, withSmtp(inbox, STRICT_LIMITS));
  afterEach(() => {
    vi.useRealTimers();
  });

  async function signedUp() {
    const credentials = newCredentials("reset");
    const client = clientAt(server.baseUrl);
    expect((await client.signUp(credentials)).status).toBe(200);
    return { credentials, client, userId: await userIdOf(server.database.db, credentials.email) };
  }

  const requestReset = (email: string, client = clientAt(server.baseUrl)) =>
    client.mutate("links.requestPasswordReset", { email });

  /** The token of the `nth` reset mail the address received. */
  async function resetTokenFor(email: string, nth = 1): Promise<string> {
    await waitFor(
      async () => (resetMailsTo(email).length >= nth ? true : null),
      10_000,
      `reset mail ${nth} to ${email}`,
    );
    const mail = resetMailsTo(email)[nth - 1];
    if (!mail) throw new Error("unreachable");
    return linkToken(mail, "/reset-password");
  }

  const resetMailsTo = (email: string) =>
    inbox.received.filter((mail) => mail.to === email && mail.subject.includes("Reset"));

  const resetWith = (token: string, newPassword = NEW_PASSWORD) =>
    clientAt(server.baseUrl).mutate("links.resetPassword", { token, newPassword });

  async function answerOf(response: Response) {
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get("content-type"),
      setCookie: response.headers.getSetCookie(),
    };
  }

  it("answers an address with an account exactly as one without, and mails only the account", async () => {
    const { credentials } = await signedUp();
    const unknown = newCredentials("nobody").email;
    const forUnknown = await answerOf(await requestReset(unknown));
    const forAccount = await answerOf(await requestReset(credentials.email));
    expect(forAccount).toEqual(forUnknown);
    expect(forAccount).toEqual({
      status: 200,
      body: JSON.stringify({ result: { data: { sent: true } } }),
      contentType: "application/json",
      setCookie: [],
    });
    const mail = await inbox.waitFor((m) => m.to === credentials.email && /Reset/.test(m.subject));
    expect(linkUrl(mail, "/reset-password")).toMatch(
      new RegExp(`^${server.baseUrl}/reset-password#token=[A-Za-z0-9_-]{43}$`),
    );
    expect(mail.text).toContain("works once, for 1 hour");
    // The unknown address's request was answered first; its lookup found nobody.
    expect(inbox.received.filter((m) => m.to === unknown)).toEqual([]);
    expect(await outboxTo(server.database.db, unknown)).toEqual([]);
  });

  it("finds the account whatever the capitalization of the address", async () => {
    const { credentials } = await signedUp();
    await dataOf(await requestReset(credentials.email.toUpperCase()));
    expect(await resetTokenFor(credentials.email)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it(`allows ${LINKS_PER_ADDRESS} requests per address in 15 minutes from any IPs, unknown addresses alike; the next is 429 until the window ends`, async () => {
    const T0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const { credentials } = await signedUp();
    const unknown = newCredentials("nobody").email;
    for (const email of [credentials.email, unknown]) {
      for (let i = 0; i < LINKS_PER_ADDRESS; i += 1) {
        expect((await requestReset(email)).status, `${email} request ${i + 1}`).toBe(200);
      }
    }
    const refusals = [];
    for (const email of [credentials.email, unknown, credentials.email.toUpperCase()]) {
      const refused = await requestReset(email);
      const error = await expectTrpcFailure(
        refused,
        429,
        "TOO_MANY_REQUESTS",
        ErrorReason.RATE_LIMITED,
      );
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBe(ADDRESS_WINDOW_SEC);
      expect(error.message).toBe(tooManyAttemptsMessage(retryAfter));
      refusals.push(error);
    }
    // Unknown or not, the refusal is the same.
    expect(refusals[1]).toEqual(refusals[0]);

    vi.setSystemTime(T0 + ADDRESS_WINDOW_SEC * 1000 - 1);
    expect((await requestReset(credentials.email)).status).toBe(429);
    vi.setSystemTime(T0 + ADDRESS_WINDOW_SEC * 1000);
    expect((await requestReset(credentials.email)).status).toBe(200);
    expect((await requestReset(unknown)).status).toBe(200);
    // Three mails in the window, and one after it: never more.
    await resetTokenFor(credentials.email, LINKS_PER_ADDRESS + 1);
    expect(resetMailsTo(credentials.email)).toHaveLength(LINKS_PER_ADDRESS + 1);
  });

  it(`allows ${IP_MAX} requests per client IP over any addresses, then 429; another IP is not affected`, async () => {
    const sprayer = clientAt(server.baseUrl);
    for (let i = 0; i < IP_MAX; i += 1) {
      expect((await requestReset(newCredentials("spray").email, sprayer)).status).toBe(200);
    }
    const refused = await requestReset(newCredentials("spray").email, sprayer);
    await expectTrpcFailure(refused, 429, "TOO_MANY_REQUESTS", ErrorReason.RATE_LIMITED);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await requestReset(newCredentials("spray").email)).status).toBe(200);
  });

  it(`counts IPv6 clients per /64: ${IP_MAX} requests from one network, whatever its addresses, then 429`, async () => {
    // One subscriber's /64 holds 2^64 addresses: counted per address, the limit would hold nobody.
    ipCounter += 2;
    const network = `2001:db8:${ipCounter.toString(16)}:1`;
    for (let i = 0; i < IP_MAX; i += 1) {
      const client = clientAt(server.baseUrl, `${network}::${(i + 1).toString(16)}`);
      expect((await requestReset(newCredentials("v6").email, client)).status).toBe(200);
    }
    const rotated = clientAt(server.baseUrl, `${network}:ffff:ffff:ffff:ffff`);
    const refused = await requestReset(newCredentials("v6").email, rotated);
    await expectTrpcFailure(refused, 429, "TOO_MANY_REQUESTS", ErrorReason.RATE_LIMITED);
    const neighbour = clientAt(server.baseUrl, `2001:db8:${(ipCounter + 1).toString(16)}:2::1`);
    expect((await requestReset(newCredentials("v6").email, neighbour)).status).toBe(200);
  });

  it("a reset ends every session of the account, each recorded as password_reset, plus a password_reset account event", async () => {
    const { credentials, client: laptop, userId } = await signedUp();
    const phone = clientAt(server.baseUrl);
    expect((await phone.signIn(credentials)).status).toBe(200);
    const stranger = clientAt(server.baseUrl, "192.0.2.77");
    await dataOf(await requestReset(credentials.email, stranger));
    const token = await resetTokenFor(credentials.email);

    const result = await stranger.mutate("links.resetPassword", {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(await dataOf(result)).toEqual({ sessionsEnded: 2 });
    // Whoever opened the link gets no session from it: they sign in with the new password.
    expect(result.headers.getSetCookie()).toEqual([]);
    for (const device of [laptop, phone]) {
      await expectTrpcFailure(
        await device.query("session.list"),
        401,
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
    }
    const events = await eventsOf(server.database.db, userId);
    expect(events.filter((e) => e.type === "revoked").map((e) => e.reason)).toEqual([
      "password_reset",
      "password_reset",
    ]);
    expect(events.filter((e) => e.type === "password_reset")).toEqual([
      expect.objectContaining({ sessionId: "", actorUserId: userId, ipAddress: "192.0.2.77" }),
    ]);

    expect((await clientAt(server.baseUrl).signIn(credentials)).status).toBe(401);
    const signedIn = clientAt(server.baseUrl);
    expect(
      (await signedIn.signIn({ email: credentials.email, password: NEW_PASSWORD })).status,
    ).toBe(200);
    const current = await dataOf<{ user: { emailVerified: boolean } }>(
      await signedIn.query("session.current"),
    );
    // The link reached the address: it is proven.
    expect(current.user.emailVerified).toBe(true);
    const activity = await dataOf<{ events: Array<{ type: string; reason: string | null }> }>(
      await signedIn.query("session.activity", { limit: 10 }),
    );
    expect(activity.events.map((e) => e.type)).toContain("password_reset");
  });

  it("a reset lifts the lock of failed sign-ins: the new password signs in at once", async () => {
    const { credentials } = await signedUp();
    for (let i = 0; i < ACCOUNT_MAX; i += 1) {
      const wrong = { email: credentials.email, password: "not the password" };
      expect((await clientAt(server.baseUrl).signIn(wrong)).status).toBe(401);
    }
    expect((await clientAt(server.baseUrl).signIn(credentials)).status).toBe(429);
    await dataOf(await requestReset(credentials.email));
    await dataOf(await resetWith(await resetTokenFor(credentials.email)));
    const newSignIn = { email: credentials.email, password: NEW_PASSWORD };
    expect((await clientAt(server.baseUrl).signIn(newSignIn)).status).toBe(200);
  });

  it("once the mail is sent, no table holds its token (the link hashed, the mail's bodies erased), and the link still works", async () => {
    const { credentials, userId } = await signedUp();
    await dataOf(await requestReset(credentials.email));
    const token = await resetTokenFor(credentials.email);
    const mails = await waitFor(async () => {
      const rows = await outboxTo(server.database.db, credentials.email, "password_reset");
      return rows.length === 1 && rows[0]?.status === "sent" ? rows : null;
    });
    expect(mails[0]).toMatchObject({ textBody: null, htmlBody: null, attempts: 1 });
    const everything = await databaseAsText(server.database.db);
    expect(everything).toContain(userId);
    expect(everything).not.toContain(token);
    await dataOf(await resetWith(token));
  });

  it("a used link is LINK_USED, an expired one LINK_EXPIRED, a forged one LINK_INVALID, each a 400", async () => {
    const T0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const used = await signedUp();
    const expired = await signedUp();
    await dataOf(await requestReset(used.credentials.email));
    await dataOf(await requestReset(expired.credentials.email));
    const usedToken = await resetTokenFor(used.credentials.email);
    const expiredToken = await resetTokenFor(expired.credentials.email);
    await dataOf(await resetWith(usedToken));

    await expectTrpcFailure(await resetWith(usedToken), 400, "BAD_REQUEST", ErrorReason.LINK_USED);
    vi.setSystemTime(T0 + 60 * 60 * 1000);
    await expectTrpcFailure(
      await resetWith(expiredToken),
      400,
      "BAD_REQUEST",
      ErrorReason.LINK_EXPIRED,
    );
    const forged = randomBytes(32).toString("base64url");
    await expectTrpcFailure(await resetWith(forged), 400, "BAD_REQUEST", ErrorReason.LINK_INVALID);
  });

  it("checkResetLink tells a live link from a used, expired or forged one, and uses nothing", async () => {
    const T0 = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: T0 });
    const { credentials } = await signedUp();
    await dataOf(await requestReset(credentials.email));
    const token = await resetTokenFor(credentials.email);
    const check = (value: string) =>
      clientAt(server.baseUrl).mutate("links.checkResetLink", { token: value });

    // Asked twice, it is still the same live link, and it still resets.
    for (let i = 0; i < 2; i += 1) {
      const { expiresAt } = await dataOf<{ expiresAt: string }>(await check(token));
      expect(new Date(expiresAt).getTime()).toBe(T0 + 60 * 60 * 1000);
    }
    vi.setSystemTime(T0 + 60 * 60 * 1000 - 1);
    await dataOf(await check(token));
    vi.setSystemTime(T0 + 60 * 60 * 1000);
    await expectTrpcFailure(await check(token), 400, "BAD_REQUEST", ErrorReason.LINK_EXPIRED);
    vi.setSystemTime(T0);
    await dataOf(await resetWith(token));
    await expectTrpcFailure(await check(token), 400, "BAD_REQUEST", ErrorReason.LINK_USED);
    const forged = randomBytes(32).toString("base64url");
    await expectTrpcFailure(await check(forged), 400, "BAD_REQUEST", ErrorReason.LINK_INVALID);
    // A GET never reaches it: the token stays out of URLs.
    const asQuery = await clientAt(server.baseUrl).query("links.checkResetLink", { token });
    expect(asQuery.status).toBe(405);
  });

  it("a malformed token or weak password is a 400 with the zod issues (never a 500), and leaves the link usable", async () => {
    const { credentials } = await signedUp();
    await dataOf(await requestReset(credentials.email));
    const token = await resetTokenFor(credentials.email);
    for (const bad of ["", token.slice(1), `${token}x`, `${token.slice(1)}%`, 7, null, [token]]) {
      const response = await clientAt(server.baseUrl).mutate("links.resetPassword", {
        token: bad,
        newPassword: NEW_PASSWORD,
      });
      const error = await expectTrpcFailure(response, 400, "BAD_REQUEST", null);
      expect(Object.keys(error.data.zodError?.fieldErrors ?? {})).toEqual(["token"]);
    }
    const weak = await expectTrpcFailure(await resetWith(token, "short"), 400, "BAD_REQUEST", null);
    expect(Object.keys(weak.data.zodError?.fieldErrors ?? {})).toEqual(["newPassword"]);
    // Not JSON at all, or no body.
    const garbage = await clientAt(server.baseUrl).request("/api/trpc/links.resetPassword", {
      method: "POST",
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(garbage.status).toBe(400);
    // A token never travels in a URL: the procedure is a mutation, and a GET is refused.
    const asQuery = await clientAt(server.baseUrl).query("links.resetPassword", {
      token,
      newPassword: NEW_PASSWORD,
    });
    expect(asQuery.status).toBe(405);
    await dataOf(await resetWith(token));
  });

  it("Better Auth's own reset endpoints are closed and name ours", async () => {
    for (const path of ["/api/auth/request-password-reset", "/api/auth/reset-password"]) {
      const response = await clientAt(server.baseUrl).postJson(path, {
        email: "someone@example.com",
        token: "x",
        newPassword: NEW_PASSWORD,
      });
      expect(response.status).toBe(404);
      const body = await response.json();
      expect(body.code).toBe("ENDPOINT_CLOSED");
      expect(body.message).toMatch(/links\.(requestPasswordReset|resetPassword)/);
    }
  });
});

describe.each(databaseKinds)("PASSWORD_RESET=off on %s", (kind) => {
  const server = useTestServer(kind, { PASSWORD_RESET: "off" });

  it("asking for a link and using one are NOT_FOUND, and the SPA is told", async () => {
    const client = new HttpClient(server.baseUrl);
    const credentials = newCredentials("no-reset");
    expect((await client.signUp(credentials)).status).toBe(200);
    await expectTrpcFailure(
      await client.mutate("links.requestPasswordReset", { email: credentials.email }),
      404,
      "NOT_FOUND",
      null,
    );
    await expectTrpcFailure(
      await client.mutate("links.resetPassword", {
        token: randomBytes(32).toString("base64url"),
        newPassword: NEW_PASSWORD,
      }),
      404,
      "NOT_FOUND",
      null,
    );
    expect(
      await dataOf<{ passwordReset: boolean }>(await client.query("links.settings")),
    ).toMatchObject({ passwordReset: false });
    expect(await outboxTo(server.database.db, credentials.email, "password_reset")).toEqual([]);
  });
});
