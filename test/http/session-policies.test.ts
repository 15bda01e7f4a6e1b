/**
 * The session lifecycle policies over the wire: the real HTTP server, real cookies, real
 * X-Forwarded-For handling. Each policy with its attack and its boundary: the concurrent limit
 * (evict-oldest, deny, under parallel sign-ins), binding (strict, audit, forged headers), the
 * absolute lifetime (per request and against the sliding refresh), administrators ending a
 * user's sessions, and the activity log's pagination.
 */
import { asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { session, sessionEvent, user } from "../../db/schema";
import type { TestServer } from "../support/app";
import type { Credentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient, parseSetCookie } from "../support/http-client";
import { signedUpBrowser } from "../support/scenarios";
import { eventsOf, liveSessionCount } from "../support/sessions";
import { dataOf, expectTrpcFailure } from "../support/trpc-http";

const SESSION_TOKEN = "better-auth.session_token";
const SESSION_DATA = "better-auth.session_data";
const FIREFOX_133_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

interface DeviceSession {
  id: string;
  createdAt: string;
  expiresAt: string;
  ipAddress: string | null;
  isCurrent: boolean;
  bindingMismatch: boolean;
}

interface ActivityEvent {
  id: number;
  type: string;
  reason: string | null;
  sessionId: string;
  byAdministrator: boolean;
}

interface ActivityPage {
  events: ActivityEvent[];
  nextCursor: number | null;
}

/**
 * The last response told the browser to drop the session cookie (and the cache with it). A
 * browser applies Set-Cookie lines in order, so the last line for the name is what counts.
 */
function expectCookiesCleared(client: HttpClient) {
  const cookies = client.lastSetCookies.map(parseSetCookie);
  expect(cookies.findLast((c) => c.name === SESSION_TOKEN)?.attributes.get("max-age")).toBe("0");
  expect(client.jar.get(SESSION_TOKEN)).toBeUndefined();
  expect(client.jar.get(SESSION_DATA)).toBeUndefined();
}

/** A second client holding a copy of this one's cookies: a stolen or replayed cookie. */
function copyOf(client: HttpClient): HttpClient {
  const copy = new HttpClient(client.baseUrl);
  for (const name of client.jar.names()) copy.jar.set(name, client.jar.get(name) ?? "");
  return copy;
}

async function currentSessionId(client: HttpClient): Promise<string> {
  const current = await dataOf<{ session: { id: string } } | null>(
    await client.query("session.current"),
  );
  if (!current) throw new Error("client is signed out");
  return current.session.id;
}

async function sessionRow(server: TestServer, id: string) {
  const [row] = await server.database.db
    .select({ createdAt: session.createdAt, expiresAt: session.expiresAt })
    .from(session)
    .where(eq(session.id, id));
  if (!row) throw new Error(`No session ${id}`);
  return row;
}

/** Moves a session back in time: as if it had been created (and its expiry set) `seconds` earlier. */
async function ageSession(
  server: TestServer,
  id: string,
  seconds: number,
  columns: { createdAt?: boolean; expiresAt?: boolean } = { createdAt: true },
) {
  await server.database.db
    .update(session)
    .set({
      ...(columns.createdAt
        ? { createdAt: sql`${session.createdAt} - make_interval(secs => ${seconds})` }
        : {}),
      ...(columns.expiresAt
        ? { expiresAt: sql`${session.expiresAt} - make_interval(secs => ${seconds})` }
        : {}),
    })
    .where(eq(session.id, id));
}

describe.each(databaseKinds)("session policies over HTTP on %s", (kind) => {
  async function signIn(
    server: TestServer,
    credentials: Credentials,
    headers: Record<string, string> = {},
  ) {
    const client = new HttpClient(server.baseUrl);
    client.defaultHeaders = headers;
    const response = await client.signIn(credentials);
    expect(response.status).toBe(200);
    return client;
  }

  describe("concurrent limit, evict-oldest (2 per user)", () => {
    const server = useTestServer(kind, { SESSION_MAX_PER_USER: "2" });

    it("the third sign-in evicts the least recently active session, which is told why once", async () => {
      const { client: first, credentials, userId } = await signedUpBrowser(server.baseUrl);
      const second = await signIn(server, credentials);
      const firstId = await currentSessionId(first);
      const third = await signIn(server, credentials);
      expect(await liveSessionCount(server.database.db, userId)).toBe(2);

      // The evicted device holds a valid cookie cache; it is refused anyway, with the reason.
      await expectTrpcFailure(
        await first.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_EVICTED",
      );
      expectCookiesCleared(first);
      // Its cookies are gone: the next request is an ordinary signed-out one.
      await expectTrpcFailure(
        await first.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_REQUIRED",
      );
      expect(await dataOf(await first.query("session.current"))).toBeNull();

      const ended = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "revoked",
      );
      expect(ended).toEqual([
        expect.objectContaining({ sessionId: firstId, reason: "limit", actorUserId: userId }),
      ]);
      expect((await second.query("session.list")).status).toBe(200);
      expect((await third.query("session.list")).status).toBe(200);
    });

    it("evicts by last activity, not by age, and session.current says SESSION_EVICTED", async () => {
      const { client: older, credentials, userId } = await signedUpBrowser(server.baseUrl);
      const newer = await signIn(server, credentials);
      const newerId = await currentSessionId(newer);
      const newerCookies = copyOf(newer);
      // The newer session has been idle for an hour; the older one was just used.
      await server.database.db
        .update(session)
        .set({ updatedAt: sql`now() - interval '1 hour'` })
        .where(eq(session.id, newerId));

      const newcomer = await signIn(server, credentials);
      expect(await liveSessionCount(server.database.db, userId)).toBe(2);
      expect((await older.query("session.list")).status).toBe(200);
      expect((await newcomer.query("session.list")).status).toBe(200);

      await expectTrpcFailure(
        await newer.query("session.current"),
        401,
        "UNAUTHORIZED",
        "SESSION_EVICTED",
      );
      expectCookiesCleared(newer);
      expect(await dataOf(await newer.query("session.current"))).toBeNull();
      // The same cookies replayed elsewhere are refused too.
      await expectTrpcFailure(
        await newerCookies.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_EVICTED",
      );
    });
  });

  describe("concurrent limit, deny (1 per user)", () => {
    const server = useTestServer(kind, {
      SESSION_MAX_PER_USER: "1",
      SESSION_LIMIT_POLICY: "deny",
    });

    it("refuses a sign-in past the limit with 403 SESSION_LIMIT_REACHED and no session cookie", async () => {
      const { client: first, credentials, userId } = await signedUpBrowser(server.baseUrl);
      const firstId = await currentSessionId(first);

      const second = new HttpClient(server.baseUrl);
      const refused = await second.signIn(credentials);
      // Soft: the rest of the refusal is checked even when the status is wrong.
      expect.soft(refused.status).toBe(403);
      const body = await refused.json();
      expect(body.code).toBe("SESSION_LIMIT_REACHED");
      expect(body.message).toEqual(expect.stringMatching(/\S/));
      expect(JSON.stringify(body)).not.toMatch(/token|stack/i);
      expect(second.lastSetCookies.map(parseSetCookie).map((c) => c.name)).not.toContain(
        SESSION_TOKEN,
      );
      expect(second.jar.get(SESSION_TOKEN)).toBeUndefined();
      await expectTrpcFailure(
        await second.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_REQUIRED",
      );

      // The session that holds the place is untouched.
      const [only] = await dataOf<DeviceSession[]>(await first.query("session.list"));
      expect(only?.id).toBe(firstId);
      expect(await liveSessionCount(server.database.db, userId)).toBe(1);
      // Signing in again in the browser that holds the session replaces it: not refused.
      expect((await first.signIn(credentials)).status).toBe(200);
      expect(await currentSessionId(first)).not.toBe(firstId);
      expect(await liveSessionCount(server.database.db, userId)).toBe(1);
    });

    it("10 parallel sign-ins for a user without a session leave exactly one, the rest 403", async () => {
      const { client, credentials, userId } = await signedUpBrowser(server.baseUrl);
      expect((await client.postJson("/api/auth/sign-out", {})).status).toBe(200);
      expect(await liveSessionCount(server.database.db, userId)).toBe(0);

      const clients = Array.from({ length: 10 }, () => new HttpClient(server.baseUrl));
      const responses = await Promise.all(clients.map((c) => c.signIn(credentials)));
      const statuses = responses.map((r) => r.status);
      expect(statuses).not.toContain(500);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      for (const response of responses.filter((r) => r.status !== 200)) {
        expect((await response.json()).code).toBe("SESSION_LIMIT_REACHED");
      }
      expect(await liveSessionCount(server.database.db, userId)).toBe(1);
      // Soft, so the checks after it still run when the refusals come with the wrong status.
      expect.soft(statuses.filter((s) => s === 403)).toHaveLength(9);
      const winner = clients[statuses.indexOf(200)];
      expect(winner && (await winner.query("session.list")).status).toBe(200);
      const losers = clients.filter((_, i) => statuses[i] !== 200);
      for (const loser of losers) expect(loser.jar.get(SESSION_TOKEN)).toBeUndefined();
    });
  });

  describe("binding strict, behind a trusted proxy", () => {
    const server = useTestServer(kind, { SESSION_BINDING: "strict", TRUSTED_PROXIES: "127.0.0.1" });
    // The test's requests come from loopback, the trusted proxy: x-forwarded-for picks the client.
    const from = (ip: string) => ({ "x-forwarded-for": ip });

    it("allows the same /24, ends the session from another network, and the old cookie stays dead", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl, {
        headers: from("203.0.113.7"),
      });
      const sessionId = await currentSessionId(client);
      const [recorded] = await dataOf<DeviceSession[]>(await client.query("session.list"));
      expect(recorded?.ipAddress).toBe("203.0.113.7");
      const stolen = copyOf(client);

      client.defaultHeaders = from("203.0.113.99");
      expect((await client.query("session.list")).status).toBe(200);

      client.defaultHeaders = from("198.51.100.7");
      await expectTrpcFailure(
        await client.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
      expectCookiesCleared(client);
      expect(await liveSessionCount(server.database.db, userId)).toBe(0);
      const ended = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "revoked",
      );
      expect(ended).toEqual([
        expect.objectContaining({ sessionId, reason: "binding", ipAddress: "198.51.100.7" }),
      ]);

      // The cookie replayed from the original address: the session is gone.
      stolen.defaultHeaders = from("203.0.113.7");
      await expectTrpcFailure(
        await stolen.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
      expect(await (await stolen.request("/api/auth/get-session")).json()).toBeNull();
    });

    it("a stolen cookie cannot claim the victim's address in x-forwarded-for", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl, {
        headers: from("203.0.113.7"),
      });
      const thief = copyOf(client);
      // The proxy appends the address it saw; the thief's own entry to its left is not believed.
      thief.defaultHeaders = from("203.0.113.7, 198.51.100.7");
      await expectTrpcFailure(
        await thief.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
      expect(await liveSessionCount(server.database.db, userId)).toBe(0);
    });

    it("ends the session when another browser family uses it, not on a version update", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl, {
        headers: from("203.0.113.7"),
      });
      client.defaultHeaders = { ...from("203.0.113.7"), "user-agent": FIREFOX_133_LINUX };
      expect((await client.query("session.list")).status).toBe(200);

      const other = copyOf(client);
      other.defaultHeaders = { ...from("203.0.113.7"), "user-agent": CHROME_LINUX };
      await expectTrpcFailure(
        await other.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
      expectCookiesCleared(other);
      expect(await liveSessionCount(server.database.db, userId)).toBe(0);
      // ...and for the genuine browser too, which learns why.
      await expectTrpcFailure(
        await client.query("session.current"),
        401,
        "UNAUTHORIZED",
        "SESSION_BINDING_MISMATCH",
      );
    });
  });

  describe("client address without trusted proxies (default)", () => {
    const server = useTestServer(kind);

    it("ignores a forged x-forwarded-for: the socket address is recorded", async () => {
      const { client, credentials, userId } = await signedUpBrowser(server.baseUrl, {
        headers: { "x-forwarded-for": "6.6.6.6" },
      });
      const [recorded] = await dataOf<DeviceSession[]>(await client.query("session.list"));
      expect(recorded?.ipAddress).toBe("127.0.0.1");
      // The header the server derives the address into cannot be set from outside either.
      const again = await signIn(server, credentials, {
        "x-forwarded-for": "6.6.6.6",
        "x-session-client-ip": "6.6.6.6",
      });
      const sessions = await dataOf<DeviceSession[]>(await again.query("session.list"));
      expect(sessions.map((s) => s.ipAddress)).toEqual(["127.0.0.1", "127.0.0.1"]);
      const events = await eventsOf(server.database.db, userId);
      expect(events.map((e) => e.ipAddress)).not.toContain("6.6.6.6");
    });
  });

  describe("binding audit (default mode), behind a trusted proxy", () => {
    const server = useTestServer(kind, { TRUSTED_PROXIES: "127.0.0.1" });

    it("keeps the session, flags it, and records one binding_mismatch however many requests", async () => {
      const { client } = await signedUpBrowser(server.baseUrl, {
        headers: { "x-forwarded-for": "203.0.113.7" },
      });
      const sessionId = await currentSessionId(client);
      const [before] = await dataOf<DeviceSession[]>(await client.query("session.list"));
      expect(before?.bindingMismatch).toBe(false);

      client.defaultHeaders = { "x-forwarded-for": "198.51.100.7" };
      for (let i = 0; i < 3; i++) expect((await client.query("session.list")).status).toBe(200);

      const [flagged] = await dataOf<DeviceSession[]>(await client.query("session.list"));
      expect(flagged).toMatchObject({ id: sessionId, bindingMismatch: true });
      const activity = await dataOf<ActivityPage>(
        await client.query("session.activity", { limit: 100 }),
      );
      const mismatches = activity.events.filter((e) => e.type === "binding_mismatch");
      expect(mismatches).toEqual([
        expect.objectContaining({ sessionId, reason: "network", byAdministrator: false }),
      ]);
      // Back on the original network the session still works and stays flagged.
      client.defaultHeaders = { "x-forwarded-for": "203.0.113.7" };
      const [after] = await dataOf<DeviceSession[]>(await client.query("session.list"));
      expect(after?.bindingMismatch).toBe(true);
    });
  });

  describe("absolute lifetime (1 hour, idle 2 hours, refresh after 1 minute)", () => {
    const lifetimeSec = 3600;
    const server = useTestServer(kind, {
      SESSION_ABSOLUTE_LIFETIME_SEC: String(lifetimeSec),
      SESSION_EXPIRES_IN_SEC: "7200",
      SESSION_UPDATE_AGE_SEC: "60",
    });

    it("a session works 5 s before its absolute lifetime and is refused past it", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl);
      const sessionId = await currentSessionId(client);
      // Moving the clock of the row; the cache cookie (signed at sign-in) would have expired
      // long before an hour passed, so the request reads the database like a real one would.
      await ageSession(server, sessionId, lifetimeSec - 5);
      client.jar.delete(SESSION_DATA);
      expect((await client.query("session.list")).status).toBe(200);

      await ageSession(server, sessionId, 10);
      client.jar.delete(SESSION_DATA);
      await expectTrpcFailure(
        await client.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_EXPIRED",
      );
      expectCookiesCleared(client);
      expect(await liveSessionCount(server.database.db, userId)).toBe(0);
      const ended = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "expired" || e.type === "revoked",
      );
      expect(ended).toEqual([
        expect.objectContaining({ sessionId, type: "expired", reason: "absolute_timeout" }),
      ]);
    });

    it("is refused past its absolute lifetime although its cookie cache is still valid", async () => {
      const { client } = await signedUpBrowser(server.baseUrl);
      const sessionId = await currentSessionId(client);
      await ageSession(server, sessionId, lifetimeSec + 5, { createdAt: true, expiresAt: true });
      await expectTrpcFailure(
        await client.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_EXPIRED",
      );
      expectCookiesCleared(client);
    });

    it("a session whose capped expiry passed ends as absolute_timeout, not idle_timeout", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl);
      const sessionId = await currentSessionId(client);
      await ageSession(server, sessionId, lifetimeSec + 5, { createdAt: true, expiresAt: true });
      client.jar.delete(SESSION_DATA);
      await expectTrpcFailure(
        await client.query("session.current"),
        401,
        "UNAUTHORIZED",
        "SESSION_EXPIRED",
      );
      const ended = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "expired" || e.type === "revoked",
      );
      expect(ended).toEqual([
        expect.objectContaining({ sessionId, type: "expired", reason: "absolute_timeout" }),
      ]);
    });

    it("the sliding refresh never pushes the expiry past created_at + lifetime", async () => {
      const { client, userId } = await signedUpBrowser(server.baseUrl);
      const sessionId = await currentSessionId(client);
      const signedIn = await sessionRow(server, sessionId);
      // The insert is capped already: 2 hours idle would outlive the 1-hour lifetime.
      expect(signedIn.expiresAt.getTime()).toBe(signedIn.createdAt.getTime() + lifetimeSec * 1000);

      // Half an hour later: a refresh (now + 2 hours) is due on the next database read.
      await ageSession(server, sessionId, 1800, { createdAt: true, expiresAt: true });
      const refreshesBefore = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "refreshed",
      ).length;
      client.jar.delete(SESSION_DATA);
      expect((await client.query("session.list")).status).toBe(200);
      const refreshed = (await eventsOf(server.database.db, userId)).filter(
        (e) => e.type === "refreshed",
      );
      expect(refreshed.length).toBeGreaterThan(refreshesBefore);

      const row = await sessionRow(server, sessionId);
      expect(row.expiresAt.getTime()).toBeLessThanOrEqual(
        row.createdAt.getTime() + lifetimeSec * 1000,
      );
      expect(row.expiresAt.getTime()).toBe(row.createdAt.getTime() + lifetimeSec * 1000);
      // What the device is told agrees.
      const current = await dataOf<{ session: { expiresAt: string; endsAtLatest: string } }>(
        await client.query("session.current"),
      );
      expect(Date.parse(current.session.endsAtLatest)).toBe(
        row.createdAt.getTime() + lifetimeSec * 1000,
      );
    });
  });

  describe("administrators", () => {
    const server = useTestServer(kind);

    it("only an administrator ends another user's sessions; the target is told and sees who", async () => {
      const { client: caller, userId: callerId } = await signedUpBrowser(server.baseUrl);
      const {
        client: target,
        credentials: targetCredentials,
        userId: targetId,
      } = await signedUpBrowser(server.baseUrl);
      const targetPhone = await signIn(server, targetCredentials);
      const revoke = (email: string, headers: Record<string, string> = {}) =>
        caller.mutate("admin.revokeUserSessions", { email }, headers);

      await expectTrpcFailure(
        await revoke(targetCredentials.email),
        403,
        "FORBIDDEN",
        "ADMIN_REQUIRED",
      );
      expect(await liveSessionCount(server.database.db, targetId)).toBe(2);

      await server.database.db.update(user).set({ role: "admin" }).where(eq(user.id, callerId));
      expect(await dataOf(await revoke(targetCredentials.email.toUpperCase()))).toEqual({
        ended: 2,
      });
      expect(await liveSessionCount(server.database.db, targetId)).toBe(0);
      await expectTrpcFailure(
        await target.query("session.list"),
        401,
        "UNAUTHORIZED",
        "SESSION_REVOKED",
      );
      expectCookiesCleared(target);
      await expectTrpcFailure(
        await targetPhone.query("session.current"),
        401,
        "UNAUTHORIZED",
        "SESSION_REVOKED",
      );

      const again = await signIn(server, targetCredentials);
      const activity = await dataOf<ActivityPage>(
        await again.query("session.activity", { limit: 100 }),
      );
      const byAdmin = activity.events.filter((e) => e.byAdministrator);
      expect(byAdmin).toHaveLength(2);
      for (const event of byAdmin)
        expect(event).toMatchObject({ type: "revoked", reason: "admin" });
      expect(activity.events.filter((e) => e.type === "signed_in")).toEqual(
        expect.arrayContaining([expect.objectContaining({ byAdministrator: false })]),
      );

      // A cross-site page cannot make the administrator's browser do it.
      await expectTrpcFailure(
        await revoke(targetCredentials.email, { origin: "https://evil.example" }),
        403,
        "FORBIDDEN",
        "ORIGIN_NOT_ALLOWED",
      );
      expect(await liveSessionCount(server.database.db, targetId)).toBe(1);
      expect((await again.query("session.list")).status).toBe(200);

      await expectTrpcFailure(await revoke("nobody-at-all@example.com"), 404, "NOT_FOUND", null);
      const malformed = await expectTrpcFailure(
        await revoke("not an email"),
        400,
        "BAD_REQUEST",
        null,
      );
      expect(malformed.data.zodError?.fieldErrors.email).toBeDefined();
      // Mutations are POST only.
      expect(
        (await caller.query("admin.revokeUserSessions", { email: "x@example.com" })).status,
      ).toBe(405);
      expect(await liveSessionCount(server.database.db, targetId)).toBe(1);
    });

    it("refuses a signed-out caller with 401", async () => {
      const anonymous = new HttpClient(server.baseUrl);
      await expectTrpcFailure(
        await anonymous.mutate("admin.revokeUserSessions", { email: "x@example.com" }),
        401,
        "UNAUTHORIZED",
        "SESSION_REQUIRED",
      );
    });
  });

  describe("activity pagination", () => {
    const server = useTestServer(kind);

    it("pages through the user's own events without duplicates or gaps", async () => {
      const { client, credentials, userId } = await signedUpBrowser(server.baseUrl);
      const { credentials: otherCredentials, userId: otherId } = await signedUpBrowser(
        server.baseUrl,
      );
      // Interleave both users' events, so the other user's ids fall between this user's.
      for (let i = 0; i < 2; i++) {
        const device = await signIn(server, credentials);
        await signIn(server, otherCredentials);
        expect((await device.postJson("/api/auth/sign-out", {})).status).toBe(200);
      }
      const ownEvents = await eventsOf(server.database.db, userId);
      expect(ownEvents.length).toBeGreaterThanOrEqual(5);
      const otherSessionIds = new Set(
        (await eventsOf(server.database.db, otherId)).map((e) => e.sessionId),
      );

      const seen: ActivityEvent[] = [];
      let cursor: number | null = null;
      for (let page = 0; page < 20; page++) {
        const input: { limit: number; cursor?: number } =
          cursor === null ? { limit: 2 } : { limit: 2, cursor };
        const result: ActivityPage = await dataOf<ActivityPage>(
          await client.query("session.activity", input),
        );
        expect(result.events.length).toBeLessThanOrEqual(2);
        seen.push(...result.events);
        cursor = result.nextCursor;
        if (cursor === null) break;
        expect(result.events).toHaveLength(2);
      }
      expect(cursor).toBeNull();
      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect(ids).toHaveLength(ownEvents.length);
      expect(seen.map((e) => e.sessionId).sort()).toEqual(ownEvents.map((e) => e.sessionId).sort());
      for (const event of seen) expect(otherSessionIds.has(event.sessionId)).toBe(false);
    });

    it("refuses out-of-range limits and a non-numeric cursor with 400 and zod issues", async () => {
      const { client } = await signedUpBrowser(server.baseUrl);
      for (const input of [{ limit: 0 }, { limit: 1000 }, { cursor: "x" }, { limit: 2.5 }]) {
        const { data } = await expectTrpcFailure(
          await client.query("session.activity", input),
          400,
          "BAD_REQUEST",
          null,
        );
        expect(data.zodError, JSON.stringify(input)).not.toBeNull();
        const field = Object.keys(input)[0] ?? "";
        expect(data.zodError?.fieldErrors[field], JSON.stringify(input)).toBeDefined();
      }
    });

    it("a cursor taken from another user's event still pages only through the caller's own", async () => {
      // Events in this order: own sign-up, other's sign-up, own sign-in, other's sign-in.
      const { client, credentials } = await signedUpBrowser(server.baseUrl);
      const { credentials: otherCredentials, userId: otherId } = await signedUpBrowser(
        server.baseUrl,
      );
      const device = await signIn(server, credentials);
      await signIn(server, otherCredentials);
      const [foreign] = await server.database.db
        .select({ id: sessionEvent.id })
        .from(sessionEvent)
        .where(eq(sessionEvent.userId, otherId))
        .orderBy(asc(sessionEvent.id))
        .limit(1);
      if (!foreign) throw new Error("the other user has no events");
      const page = await dataOf<ActivityPage>(
        await client.query("session.activity", { limit: 100, cursor: foreign.id }),
      );
      // Only the caller's own sign-up is older than the other user's sign-up.
      expect(page.events).toHaveLength(1);
      expect(page.events[0]).toMatchObject({ type: "signed_in" });
      expect(page.events[0]?.id).toBeLessThan(foreign.id);
      expect(page.nextCursor).toBeNull();
      // The newest page of the caller holds both own sign-ins and nothing of the other's.
      const newest = await dataOf<ActivityPage>(await device.query("session.activity"));
      expect(newest.events.map((e) => e.type)).toEqual(["signed_in", "signed_in"]);
    });
  });
});
