/**
 * Every door that accepts a session passes the one gate (docs/security.md, "Doors"). This walks
 * the table: each door x {revoked, expired, past the absolute lifetime, evicted, binding
 * mismatch under `strict`} is refused, and under `audit` each door flags the session.
 *
 * Time moves with a fake clock (Date only) shared by the in-process server: idle timeout 300 s,
 * absolute lifetime 600 s, JWTs valid 900 s, so a JWT outlives the session it stands for.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { session, sessionEvent } from "../../db/schema";
import type { TestServer } from "../support/app";
import { newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestServer } from "../support/fixtures";
import { HttpClient } from "../support/http-client";

const HOME_NETWORK = "198.51.100.7";
const OTHER_NETWORK = "203.0.113.9";

const POLICY = {
  TRUSTED_PROXIES: "127.0.0.1",
  SESSION_EXPIRES_IN_SEC: "300",
  SESSION_UPDATE_AGE_SEC: "60",
  SESSION_ABSOLUTE_LIFETIME_SEC: "600",
  SESSION_MAX_PER_USER: "2",
};

/** What a door made of a request: admitted, or refused with the reason it gave (if any). */
interface Verdict {
  admitted: boolean;
  reason: string | null;
}

/** A signed-in browser, and a JWT for its session (an API client's credential). */
interface Victim {
  browser: HttpClient;
  jwt: string;
  userId: string;
  email: string;
  password: string;
}

type Door = (victim: Victim, headers: Record<string, string>) => Promise<Verdict>;

async function trpcVerdict(response: Response): Promise<Verdict> {
  const body = await response.json();
  if (response.status === 200) return { admitted: true, reason: null };
  expect(response.status, JSON.stringify(body)).toBe(401);
  return { admitted: false, reason: body.error.data.reason };
}

/** The doors that accept a session, as an outside client knocks on them. */
const DOORS: Record<string, Door> = {
  "tRPC with the cookie": async ({ browser }, headers) =>
    trpcVerdict(await browser.request("/api/trpc/session.list", { headers })),
  "tRPC with a bearer JWT": async ({ browser, jwt }, headers) =>
    trpcVerdict(
      await fetch(`${browser.baseUrl}/api/trpc/session.list`, {
        // An API client that signed in itself: the browser the session was created with.
        headers: { ...headers, "user-agent": browser.userAgent, authorization: `Bearer ${jwt}` },
      }),
    ),
  "GET /api/auth/get-session": async ({ browser }, headers) => {
    const response = await browser.request("/api/auth/get-session", { headers });
    expect(response.status).toBe(200);
    const body = await response.json();
    return { admitted: body !== null, reason: null };
  },
  "GET /api/auth/token": async ({ browser }, headers) => {
    const response = await browser.request("/api/auth/token", { headers });
    const body = await response.json();
    if (response.status === 200) return { admitted: true, reason: null };
    expect(response.status, JSON.stringify(body)).toBe(401);
    return { admitted: false, reason: body.code };
  },
};

/** The states a session can be in that every door must refuse, each with the reason told. */
const ENDED_STATES: Record<
  string,
  { reason: string; endReason: string; make(server: TestServer, victim: Victim): Promise<void> }
> = {
  "revoked from another device": {
    reason: "SESSION_REVOKED",
    endReason: "other_device",
    async make(server, victim) {
      const other = await signedIn(server, victim);
      expect((await other.mutate("session.revokeOthers")).status).toBe(200);
    },
  },
  "expired (idle)": {
    reason: "SESSION_EXPIRED",
    endReason: "idle_timeout",
    async make() {
      vi.setSystemTime(T0 + 301_000);
    },
  },
  "past its absolute lifetime": {
    reason: "SESSION_EXPIRED",
    endReason: "absolute_timeout",
    async make(_server, victim) {
      // Kept active (each visit slides the idle timeout), it still ends at 600 s.
      for (const atSec of [250, 500]) {
        vi.setSystemTime(T0 + atSec * 1000);
        const response = await victim.browser.request("/api/auth/get-session", {
          headers: from(HOME_NETWORK),
        });
        expect(await response.json()).not.toBeNull();
      }
      vi.setSystemTime(T0 + 601_000);
    },
  },
  "evicted by the session limit": {
    reason: "SESSION_EVICTED",
    endReason: "limit",
    async make(server, victim) {
      // Two newer sign-ins (the clock is frozen: each a second later, so the victim is oldest).
      for (const atSec of [1, 2]) {
        vi.setSystemTime(T0 + atSec * 1000);
        await signedIn(server, victim);
      }
    },
  },
  "used from another network (binding strict)": {
    reason: "SESSION_BINDING_MISMATCH",
    endReason: "binding",
    // The door request itself comes from the other network.
    async make() {},
  },
};

const T0 = Date.UTC(2030, 0, 1);

function from(ip: string) {
  return { "x-forwarded-for": ip };
}

async function signedIn(server: TestServer, credentials: { email: string; password: string }) {
  const client = new HttpClient(server.baseUrl);
  client.defaultHeaders = from(HOME_NETWORK);
  expect((await client.signIn(credentials)).status).toBe(200);
  return client;
}

async function newVictim(server: TestServer): Promise<Victim> {
  const credentials = newCredentials("door");
  const browser = new HttpClient(server.baseUrl);
  browser.defaultHeaders = from(HOME_NETWORK);
  const signUp = await browser.signUp(credentials);
  expect(signUp.status).toBe(200);
  const { user } = await signUp.json();
  const token = await browser.request("/api/auth/token");
  expect(token.status).toBe(200);
  const { token: jwt } = await token.json();
  return { browser, jwt, userId: user.id, ...credentials };
}

async function endReasonOf(server: TestServer, userId: string) {
  const rows = await server.database.db
    .select({ reason: sessionEvent.reason })
    .from(sessionEvent)
    .where(and(eq(sessionEvent.userId, userId), isNotNull(sessionEvent.tokenHash)));
  return rows.map((row) => row.reason);
}

describe.each(databaseKinds)("every door passes the gate on %s", (kind) => {
  const strict = useTestServer(kind, { ...POLICY, SESSION_BINDING: "strict" });
  const audit = useTestServer(kind, { ...POLICY, SESSION_BINDING: "audit" });
  afterEach(() => {
    vi.useRealTimers();
  });

  for (const [doorName, door] of Object.entries(DOORS)) {
    describe(doorName, () => {
      it("admits a live session from where it was created", async () => {
        vi.useFakeTimers({ toFake: ["Date"] });
        vi.setSystemTime(T0);
        const victim = await newVictim(strict);
        expect(await door(victim, from(HOME_NETWORK))).toEqual({ admitted: true, reason: null });
      });

      for (const [stateName, state] of Object.entries(ENDED_STATES)) {
        it(`refuses a session ${stateName}, saying why`, async () => {
          vi.useFakeTimers({ toFake: ["Date"] });
          vi.setSystemTime(T0);
          const victim = await newVictim(strict);
          await state.make(strict, victim);
          const network = state.endReason === "binding" ? OTHER_NETWORK : HOME_NETWORK;
          const verdict = await door(victim, from(network));
          expect(verdict.admitted).toBe(false);
          // get-session answers null, as Better Auth's does: it has no reason to give.
          if (doorName !== "GET /api/auth/get-session") expect(verdict.reason).toBe(state.reason);
          // And the session is gone for good, recorded with its reason.
          expect(await door(victim, from(HOME_NETWORK))).toMatchObject({ admitted: false });
          expect(await endReasonOf(strict, victim.userId)).toContain(state.endReason);
        });
      }

      it("under audit admits a session used from another network, and flags it", async () => {
        const victim = await newVictim(audit);
        expect(await door(victim, from(OTHER_NETWORK))).toEqual({ admitted: true, reason: null });
        await expectFlagged(audit, victim.userId);
      });
    });
  }

  describe("POST /api/auth/sign-out", () => {
    it("under strict ends a session used from another network as a binding mismatch", async () => {
      const victim = await newVictim(strict);
      const response = await victim.browser.postJson("/api/auth/sign-out", {}, from(OTHER_NETWORK));
      expect(response.status).toBe(200);
      expect(await endReasonOf(strict, victim.userId)).toEqual(["binding"]);
    });

    it("under audit flags a session used from another network, then signs it out", async () => {
      const victim = await newVictim(audit);
      const response = await victim.browser.postJson("/api/auth/sign-out", {}, from(OTHER_NETWORK));
      expect(response.status).toBe(200);
      const events = await audit.database.db
        .select({ type: sessionEvent.type, reason: sessionEvent.reason })
        .from(sessionEvent)
        .where(eq(sessionEvent.userId, victim.userId));
      expect(events).toContainEqual({ type: "binding_mismatch", reason: "network" });
      expect(events).toContainEqual({ type: "revoked", reason: "sign_out" });
    });
  });
});

async function expectFlagged(server: TestServer, userId: string) {
  const [row] = await server.database.db
    .select({ flaggedAt: session.bindingMismatchAt })
    .from(session)
    .where(eq(session.userId, userId));
  expect(row?.flaggedAt).toBeInstanceOf(Date);
  const events = await server.database.db
    .select({ type: sessionEvent.type, reason: sessionEvent.reason })
    .from(sessionEvent)
    .where(eq(sessionEvent.userId, userId));
  expect(events).toContainEqual({ type: "binding_mismatch", reason: "network" });
}
