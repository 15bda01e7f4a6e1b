/**
 * The standalone cookie validator (server/external/) against cookies that Better Auth really
 * issued, looked up in the real database through the raw SQL client, as another service would.
 */
import { createHmac } from "node:crypto";
import type { PGliteInterface } from "@electric-sql/pglite";
import { eq } from "drizzle-orm";
import type { Sql } from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../db/client";
import { session } from "../../db/schema";
import {
  createSessionCookieValidator,
  type SessionQuery,
  sessionCookieFromHeader,
} from "../../examples/validate-session-cookie/validate-session-cookie";
import { hashSessionToken } from "../../server/sessions/token-hash";
import { createTestApp, TEST_SECRET } from "../support/app";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestApp } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";

const COOKIE_NAME = "better-auth.session_token";
const ABSOLUTE_LIFETIME_SEC = 30 * 24 * 60 * 60;
const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = new Date("2026-03-02T09:00:00.000Z");

/** `query` over the client drizzle wraps: postgres.js (`unsafe`) or PGlite (`query`). */
function rawQuery(database: DatabaseHandle): SessionQuery {
  const { $client } = database.db as unknown as { $client: unknown };
  if (database.kind === "postgres") {
    const sql = $client as Sql;
    return async (text, params) => [...(await sql.unsafe(text, params as string[]))];
  }
  const pglite = $client as PGliteInterface;
  return async (text, params) => (await pglite.query<Record<string, unknown>>(text, params)).rows;
}

describe.each(databaseKinds)("validating Better Auth session cookies on %s", (kind) => {
  const app = useTestApp(kind);
  let query: SessionQuery;
  let now: Date | undefined;
  /** The real clock unless a test pins `now`. */
  const validator = () =>
    createSessionCookieValidator({
      secret: TEST_SECRET,
      absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC,
      query,
      now: () => now ?? new Date(),
    });

  beforeAll(() => {
    query = rawQuery(app.database);
  });

  async function signedUp() {
    now = undefined;
    const device = new Device(app.deps);
    const response = await device.signUp(newCredentials("external"));
    const cookie = device.jar.get(COOKIE_NAME) ?? "";
    const [row] = await app.database.db
      .select({ id: session.id, userId: session.userId })
      .from(session)
      .where(eq(session.token, hashSessionToken(device.sessionToken() ?? "")));
    expect(cookie).not.toBe("");
    expect(row?.userId).toBe(response.user.id);
    return { device, cookie, sessionId: row?.id ?? "", userId: response.user.id };
  }

  function setTimes(sessionId: string, times: { createdAt?: Date; expiresAt?: Date }) {
    return app.database.db.update(session).set(times).where(eq(session.id, sessionId));
  }

  it("accepts a cookie Better Auth issued: the right session and user", async () => {
    const { cookie, sessionId, userId } = await signedUp();
    const valid = await validator().validate(cookie);
    expect(valid).toMatchObject({ sessionId, userId });
    expect(valid?.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it("finds the cookie in the Cookie header the device sends", async () => {
    const { device, sessionId } = await signedUp();
    const header = device.headers().get("cookie") ?? "";
    expect(header).toContain("better-auth.session_data=");
    const valid = await validator().validate(sessionCookieFromHeader(header));
    expect(valid?.sessionId).toBe(sessionId);
  });

  it("refuses every altered or partial form of a real cookie", async () => {
    const { cookie, device } = await signedUp();
    const decoded = decodeURIComponent(cookie);
    const token = device.sessionToken() ?? "";
    const signature = decoded.slice(decoded.lastIndexOf(".") + 1);
    expect(signature).toHaveLength(44);
    const flipped = `${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    const otherSecret = createHmac("sha256", `${TEST_SECRET}-other`).update(token).digest("base64");

    const refused: Array<[string, string]> = [
      ["a forged signature (one character changed)", encodeURIComponent(`${token}.${flipped}`)],
      ["a signature made with another secret", encodeURIComponent(`${token}.${otherSecret}`)],
      ["the value missing its last character", cookie.slice(0, -1)],
      ["the value missing its signature", `${token}.`],
      ["only the token (what the first FastAPI example compared)", token],
      ["the value without its dot", cookie.replace(".", "")],
      ["garbage", "not-a-cookie"],
      ["a 10 KB string", "x".repeat(10 * 1024)],
      ["a malformed %-escape", `${cookie.slice(0, -3)}%3`],
    ];
    for (const [name, value] of refused) {
      expect(await validator().validate(value), name).toBeNull();
    }
    // The genuine cookie is still fine: the refusals came from the values, not the session.
    expect(await validator().validate(cookie)).not.toBeNull();
  });

  it("refuses the stored token signed with the secret: a copy of the table and the secret forge nothing", async () => {
    const { cookie, sessionId } = await signedUp();
    const [row] = await app.database.db
      .select({ token: session.token })
      .from(session)
      .where(eq(session.id, sessionId));
    const stored = row?.token ?? "";
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(await validator().validate(signedCookie(stored, TEST_SECRET))).toBeNull();
    expect(await validator().validate(cookie)).toMatchObject({ sessionId });
  });

  it("refuses a session whose expires_at has passed", async () => {
    const { cookie, sessionId } = await signedUp();
    await setTimes(sessionId, { expiresAt: new Date(Date.now() - 1000) });
    expect(await validator().validate(cookie)).toBeNull();
  });

  it("refuses a session past its absolute lifetime while expires_at is still ahead; accepts it 1 ms before", async () => {
    const { cookie, sessionId } = await signedUp();
    const [row] = await app.database.db
      .select({ expiresAt: session.expiresAt })
      .from(session)
      .where(eq(session.id, sessionId));
    const expiresAt = row?.expiresAt ?? new Date(Number.NaN);
    // Only created_at moves: the product's update trigger caps expires_at at the absolute
    // lifetime when expires_at is written, which would hide the condition under test.
    const createdAt = new Date(expiresAt.getTime() - ABSOLUTE_LIFETIME_SEC * 1000 - DAY_MS);
    await setTimes(sessionId, { createdAt });
    const lifetimeEnds = new Date(createdAt.getTime() + ABSOLUTE_LIFETIME_SEC * 1000);

    now = new Date(lifetimeEnds.getTime() - 1);
    expect(await validator().validate(cookie)).toMatchObject({ createdAt, expiresAt });
    now = lifetimeEnds;
    expect(await validator().validate(cookie)).toBeNull();
    // The refusal comes from created_at: a validator with a longer lifetime still accepts.
    const lenient = createSessionCookieValidator({
      secret: TEST_SECRET,
      absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC * 2,
      query,
      now: () => lifetimeEnds,
    });
    expect(await lenient.validate(cookie)).not.toBeNull();
  });

  it("refuses at expires_at itself; accepts 1 ms before", async () => {
    const { cookie, sessionId } = await signedUp();
    const expiresAt = new Date(T0.getTime() + 60 * 60 * 1000);
    await setTimes(sessionId, { createdAt: T0, expiresAt });

    now = new Date(expiresAt.getTime() - 1);
    expect(await validator().validate(cookie)).not.toBeNull();
    now = expiresAt;
    expect(await validator().validate(cookie)).toBeNull();
  });

  it("refuses a session whose row is gone", async () => {
    const { cookie, sessionId } = await signedUp();
    await app.database.db.delete(session).where(eq(session.id, sessionId));
    expect(await validator().validate(cookie)).toBeNull();
  });

  it("refuses the cookie of a device that signed itself out", async () => {
    const { device, cookie, sessionId } = await signedUp();
    expect(await device.call((c) => c.session.revoke({ id: sessionId }))).toEqual({
      ended: 1,
      signedOut: true,
    });
    expect(device.jar.get(COOKIE_NAME)).toBeUndefined();
    expect(await validator().validate(cookie)).toBeNull();
  });

  it("refuses the old cookie after re-authentication and accepts the new one", async () => {
    const { device, cookie, userId } = await signedUp();
    await device.call((c) => c.session.reauthenticate({ password: "correct horse battery" }));
    const renewed = device.jar.get(COOKIE_NAME) ?? "";
    expect(renewed).not.toBe(cookie);
    expect(await validator().validate(cookie)).toBeNull();
    expect((await validator().validate(renewed))?.userId).toBe(userId);
  });

  it("refuses a non-canonical base64 spelling of the signature, as the app's own resolver does", async () => {
    const { cookie } = await signedUp();
    const decoded = decodeURIComponent(cookie);
    // The 43rd base64 character carries 2 unused bits; atob (Better Auth's own check) ignores
    // them, our exact comparison does not.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const last = alphabet.indexOf(decoded.at(-2) ?? "");
    const respelled = `${decoded.slice(0, -2)}${alphabet[last ^ 1]}=`;
    const forged = encodeURIComponent(respelled);

    const browser = new Device(app.deps);
    browser.jar.set(COOKIE_NAME, forged);
    expect(await browser.call((c) => c.session.current())).toBeNull();
    expect(await validator().validate(forged)).toBeNull();
  });

  it("reads the __Secure- cookie Better Auth sets over HTTPS", async () => {
    const secureApp = await createTestApp(kind, { BASE_URL: "https://sessions.example.test" });
    try {
      const device = new Device(secureApp.deps);
      const response = await device.signUp(newCredentials("secure"));
      expect(device.jar.get(COOKIE_NAME)).toBeUndefined();
      const header = device.headers().get("cookie") ?? "";
      expect(header).toContain(`__Secure-${COOKIE_NAME}=`);
      const secureValidator = createSessionCookieValidator({
        secret: TEST_SECRET,
        absoluteLifetimeSec: ABSOLUTE_LIFETIME_SEC,
        query: rawQuery(secureApp.database),
      });
      const valid = await secureValidator.validate(sessionCookieFromHeader(header));
      expect(valid?.userId).toBe(response.user.id);
    } finally {
      await secureApp.close();
    }
  });
});
