/**
 * Rate limits of password attempts through the real server (docs/security.md, "Rate limiting"):
 * sign-in and sign-up per client IP (Better Auth's limiter, database storage), failed sign-ins
 * per account from any IP, re-authentication and password change per user; 429
 * TOO_MANY_REQUESTS with Retry-After; windows that end; counts shared by two instances.
 * The client IP varies through X-Forwarded-For from a trusted proxy (127.0.0.1).
 */
import { eq, like } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { accountRateLimit, rateLimit } from "../../db/schema";
import { tooManyAttemptsMessage } from "../../server/account/attempt-limit";
import { startTestInstance, type TestInstance } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";

const IP_MAX = 3;
const IP_WINDOW_SEC = 60;
const ACCOUNT_MAX = 4;
const ACCOUNT_WINDOW_SEC = 900;

const STRICT_LIMITS = {
  TRUSTED_PROXIES: "127.0.0.1",
  RATE_LIMIT_IP_MAX: String(IP_MAX),
  RATE_LIMIT_IP_WINDOW_SEC: String(IP_WINDOW_SEC),
  RATE_LIMIT_ACCOUNT_MAX: String(ACCOUNT_MAX),
  RATE_LIMIT_ACCOUNT_WINDOW_SEC: String(ACCOUNT_WINDOW_SEC),
};

let ipCounter = 0;
/** A client IP no other test uses (TEST-NET-2 / TEST-NET-3). */
function freshIp(): string {
  ipCounter += 1;
  return `198.51.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`;
}

function clientAt(baseUrl: string, ip = freshIp()): HttpClient {
  const client = new HttpClient(baseUrl);
  client.defaultHeaders = { "x-forwarded-for": ip };
  return client;
}

/** A 429 in the documented shape; returns Retry-After in seconds. */
async function expectTooManyAuth(response: Response, windowSec: number): Promise<number> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(429);
  expect(body.code).toBe("TOO_MANY_REQUESTS");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
  expect(body.message).toBe(tooManyAttemptsMessage(retryAfter));
  return retryAfter;
}

async function expectTooManyTrpc(response: Response, windowSec: number): Promise<number> {
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(429);
  expect(body.error.data.code).toBe("TOO_MANY_REQUESTS");
  expect(body.error.data.reason).toBe("RATE_LIMITED");
  const retryAfter = Number(response.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
  expect(body.error.message).toBe(tooManyAttemptsMessage(retryAfter));
  return retryAfter;
}

async function expectStatus(response: Response, status: number) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
}

describe.each(databaseKinds)("rate limits (%s)", (kind) => {
  const server = useTestServer(kind, STRICT_LIMITS);

  afterAll(async () => {});

  /** An account signed up from its own IP (sign-up counts against that IP only). */
  async function account() {
    const credentials = newCredentials("limited");
    await expectStatus(await clientAt(server.baseUrl).signUp(credentials), 200);
    return credentials;
  }

  it("allows 3 sign-ins per IP and refuses the 4th with 429, TOO_MANY_REQUESTS and Retry-After", async () => {
    const client = clientAt(server.baseUrl);
    // Unknown addresses: only the IP's count is at stake.
    for (let i = 0; i < IP_MAX; i += 1) {
      await expectStatus(await client.signIn(newCredentials("nobody")), 401);
    }
    await expectTooManyAuth(await client.signIn(newCredentials("nobody")), IP_WINDOW_SEC);
    // Even the right password of a real account: the IP is refused before anything is checked.
    const credentials = await account();
    await expectTooManyAuth(await client.signIn(credentials), IP_WINDOW_SEC);
    // Another address is not affected.
    await expectStatus(await clientAt(server.baseUrl).signIn(credentials), 200);
  });

  it("limits sign-ups per IP apart from sign-ins", async () => {
    const client = clientAt(server.baseUrl);
    for (let i = 0; i < IP_MAX; i += 1) {
      await expectStatus(await client.signUp(newCredentials("signup")), 200);
    }
    await expectTooManyAuth(await client.signUp(newCredentials("signup")), IP_WINDOW_SEC);
    // The sign-in bucket of that IP is still untouched.
    await expectStatus(await client.signIn(newCredentials("nobody")), 401);
  });

  it("admits exactly 3 of 12 parallel sign-ins from one IP, refuses the rest with 429, never a 500", async () => {
    const client = clientAt(server.baseUrl);
    const responses = await Promise.all(
      Array.from({ length: 12 }, () => client.signIn(newCredentials("nobody"))),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([
      ...Array<number>(IP_MAX).fill(401),
      ...Array<number>(12 - IP_MAX).fill(429),
    ]);
  });

  it("limits one account's failed sign-ins from any IP; capitalization does not matter", async () => {
    const credentials = await account();
    for (let i = 0; i < ACCOUNT_MAX; i += 1) {
      const email = i % 2 === 0 ? credentials.email.toUpperCase() : credentials.email;
      await expectStatus(
        await clientAt(server.baseUrl).signIn({ email, password: "wrong password!" }),
        401,
      );
    }
    // A new IP, the right password: the account is refused for the rest of its window.
    const retryAfter = await expectTooManyAuth(
      await clientAt(server.baseUrl).signIn(credentials),
      ACCOUNT_WINDOW_SEC,
    );
    expect(retryAfter).toBeGreaterThan(ACCOUNT_WINDOW_SEC - 60);
    // Another account is not affected.
    await expectStatus(await clientAt(server.baseUrl).signIn(await account()), 200);
  });

  it("admits exactly 4 of 10 parallel guesses at one account from 10 IPs", async () => {
    const credentials = await account();
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        clientAt(server.baseUrl).signIn({ email: credentials.email, password: "wrong password!" }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([
      ...Array<number>(ACCOUNT_MAX).fill(401),
      ...Array<number>(10 - ACCOUNT_MAX).fill(429),
    ]);
  });

  it("counts only failures: a successful sign-in clears the account's count", async () => {
    const credentials = await account();
    const wrong = { email: credentials.email, password: "wrong password!" };
    for (let i = 0; i < ACCOUNT_MAX - 1; i += 1) {
      await expectStatus(await clientAt(server.baseUrl).signIn(wrong), 401);
    }
    await expectStatus(await clientAt(server.baseUrl).signIn(credentials), 200);
    for (let i = 0; i < ACCOUNT_MAX; i += 1) {
      await expectStatus(await clientAt(server.baseUrl).signIn(wrong), 401);
    }
    await expectTooManyAuth(await clientAt(server.baseUrl).signIn(credentials), ACCOUNT_WINDOW_SEC);
  });

  // Both limiters read the clock in this process (the server runs in it), so fake time moves
  // their windows: Date only, pinned, while timers, the database and sockets keep real time.
  // Every request of a test then happens at one instant, and a window's end is tested to the
  // millisecond, however slow the machine.
  function pinClock(): number {
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now });
    return now;
  }
  afterEach(() => {
    vi.useRealTimers();
  });

  it("lets an IP in again once its window has passed", async () => {
    const client = clientAt(server.baseUrl);
    const start = pinClock();
    for (let i = 0; i < IP_MAX; i += 1) {
      await expectStatus(await client.signIn(newCredentials("nobody")), 401);
    }
    await expectTooManyAuth(await client.signIn(newCredentials("nobody")), IP_WINDOW_SEC);
    // A millisecond before the window ends: still refused, for 1 more second.
    vi.setSystemTime(start + IP_WINDOW_SEC * 1000 - 1);
    expect(await expectTooManyAuth(await client.signIn(newCredentials("nobody")), 1)).toBe(1);
    // As it ends: a new window of 3.
    vi.setSystemTime(start + IP_WINDOW_SEC * 1000);
    for (let i = 0; i < IP_MAX; i += 1) {
      await expectStatus(await client.signIn(newCredentials("nobody")), 401);
    }
    await expectTooManyAuth(await client.signIn(newCredentials("nobody")), IP_WINDOW_SEC);
  });

  it("lets an account in again once its window has passed", async () => {
    const credentials = await account();
    const start = pinClock();
    for (let i = 0; i < ACCOUNT_MAX; i += 1) {
      await expectStatus(
        await clientAt(server.baseUrl).signIn({ ...credentials, password: "wrong password!" }),
        401,
      );
    }
    await expectTooManyAuth(await clientAt(server.baseUrl).signIn(credentials), ACCOUNT_WINDOW_SEC);
    // A millisecond before the window ends: still refused, for 1 more second.
    vi.setSystemTime(start + ACCOUNT_WINDOW_SEC * 1000 - 1);
    const retryAfter = await expectTooManyAuth(
      await clientAt(server.baseUrl).signIn(credentials),
      1,
    );
    expect(retryAfter).toBe(1);
    // As it ends: the right password gets in.
    vi.setSystemTime(start + ACCOUNT_WINDOW_SEC * 1000);
    await expectStatus(await clientAt(server.baseUrl).signIn(credentials), 200);
    // The success cleared the count.
    const key = `sign-in:${credentials.email.toLowerCase()}`;
    const rows = await server.database.db
      .select()
      .from(accountRateLimit)
      .where(eq(accountRateLimit.key, key));
    expect(rows).toEqual([]);
  });

  it("limits re-authentication and password change per user, with RATE_LIMITED and Retry-After", async () => {
    const credentials = newCredentials("reauth");
    const browser = clientAt(server.baseUrl);
    await expectStatus(await browser.signUp(credentials), 200);
    for (let i = 0; i < ACCOUNT_MAX - 1; i += 1) {
      const body = await (
        await browser.mutate("session.reauthenticate", { password: "wrong password!" })
      ).json();
      expect(body.error.data.reason).toBe("INVALID_PASSWORD");
    }
    // The current password of a password change counts against the same budget.
    const wrongChange = await browser.mutate("account.changePassword", {
      currentPassword: "wrong password!",
      newPassword: "another horse battery",
    });
    expect((await wrongChange.json()).error.data.reason).toBe("INVALID_PASSWORD");
    await expectTooManyTrpc(
      await browser.mutate("session.reauthenticate", { password: credentials.password }),
      ACCOUNT_WINDOW_SEC,
    );
    await expectTooManyTrpc(
      await browser.mutate("account.changePassword", {
        currentPassword: credentials.password,
        newPassword: "another horse battery",
      }),
      ACCOUNT_WINDOW_SEC,
    );
    // The session itself is untouched, and another user can re-authenticate.
    await expectStatus(await browser.query("session.current"), 200);
    const other = newCredentials("reauth");
    const otherBrowser = clientAt(server.baseUrl);
    await expectStatus(await otherBrowser.signUp(other), 200);
    await expectStatus(
      await otherBrowser.mutate("session.reauthenticate", { password: other.password }),
      200,
    );
  });

  it("a successful re-authentication clears the user's count", async () => {
    const credentials = newCredentials("reauth");
    const browser = clientAt(server.baseUrl);
    await expectStatus(await browser.signUp(credentials), 200);
    const wrong = () => browser.mutate("session.reauthenticate", { password: "wrong password!" });
    for (let i = 0; i < ACCOUNT_MAX - 1; i += 1) await expectStatus(await wrong(), 401);
    await expectStatus(
      await browser.mutate("session.reauthenticate", { password: credentials.password }),
      200,
    );
    for (let i = 0; i < ACCOUNT_MAX; i += 1) await expectStatus(await wrong(), 401);
    await expectTooManyTrpc(await wrong(), ACCOUNT_WINDOW_SEC);
    // Its own sign-in count was never touched by re-authentication.
    const rows = await server.database.db
      .select({ key: accountRateLimit.key })
      .from(accountRateLimit)
      .where(like(accountRateLimit.key, `sign-in:${credentials.email.toLowerCase()}`));
    expect(rows).toEqual([]);
  });

  describe("two instances on one database", () => {
    let second: TestInstance;

    beforeAll(async () => {
      second = await startTestInstance(server.database, STRICT_LIMITS);
    });
    afterAll(async () => {
      await second?.close();
    });

    it("share the per-IP count", async () => {
      const ip = freshIp();
      const onA = clientAt(server.baseUrl, ip);
      const onB = clientAt(second.baseUrl, ip);
      await expectStatus(await onA.signIn(newCredentials("nobody")), 401);
      await expectStatus(await onB.signIn(newCredentials("nobody")), 401);
      await expectStatus(await onA.signIn(newCredentials("nobody")), 401);
      await expectTooManyAuth(await onB.signIn(newCredentials("nobody")), IP_WINDOW_SEC);
      await expectTooManyAuth(await onA.signIn(newCredentials("nobody")), IP_WINDOW_SEC);
    });

    it("share the per-account count", async () => {
      const credentials = await account();
      const wrong = { email: credentials.email, password: "wrong password!" };
      for (let i = 0; i < ACCOUNT_MAX; i += 1) {
        const base = i % 2 === 0 ? server.baseUrl : second.baseUrl;
        await expectStatus(await clientAt(base).signIn(wrong), 401);
      }
      await expectTooManyAuth(
        await clientAt(second.baseUrl).signIn(credentials),
        ACCOUNT_WINDOW_SEC,
      );
      await expectTooManyAuth(
        await clientAt(server.baseUrl).signIn(credentials),
        ACCOUNT_WINDOW_SEC,
      );
    });
  });
});

describe.each(databaseKinds)("RATE_LIMIT=off (%s)", (kind) => {
  const server = useTestServer(kind, { ...STRICT_LIMITS, RATE_LIMIT: "off" });

  it("limits nothing and writes no counts", async () => {
    const client = clientAt(server.baseUrl);
    for (let i = 0; i < IP_MAX + ACCOUNT_MAX + 2; i += 1) {
      await expectStatus(await client.signIn(newCredentials("nobody")), 401);
    }
    const counts = await server.database.db.select().from(rateLimit);
    const accountCounts = await server.database.db.select().from(accountRateLimit);
    expect([...counts, ...accountCounts]).toEqual([]);
  });
});
