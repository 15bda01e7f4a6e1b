/**
 * Session tokens hashed at rest (ADR 0020): what the table holds, that it cannot be turned into a
 * cookie, that Better Auth's own lookups and ours agree on it, and that sessions created before
 * the migration survive it.
 */
import { rm } from "node:fs/promises";
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { migrateDatabase } from "../../db/migrate";
import { session, sessionEvent, user } from "../../db/schema";
import { StoredSessionToken } from "../../server/auth/hashed-tokens";
import { createSessionStore } from "../../server/sessions/lifecycle/session-store";
import { hashSessionToken } from "../../server/sessions/token-hash";
import { ErrorReason } from "../../shared/errors";
import { EndReason } from "../../shared/session-events";
import { TEST_SECRET, type TestApp, testAppOn } from "../support/app";
import { migrationsBefore, openTestDatabase } from "../support/database";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";
import { userWithTwoDevices } from "../support/scenarios";
import { liveSessionIds } from "../support/sessions";

const COOKIE_NAME = "better-auth.session_token";
const CACHE_COOKIE_NAME = "better-auth.session_data";
const SHA256_HEX = /^[0-9a-f]{64}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A session cookie for `value` as Better Auth would sign it: what holding the secret allows. */
const signedWithSecret = (value: string) => signedCookie(value, TEST_SECRET);

describe.each(databaseKinds)("session tokens at rest on %s", (kind) => {
  const app = useTestApp(kind);

  async function storedTokens(userIds: string[]) {
    return app.database.db
      .select({ id: session.id, userId: session.userId, token: session.token })
      .from(session)
      .where(inArray(session.userId, userIds));
  }

  it("stores SHA-256 of the token each cookie carries, and never a token", async () => {
    const { userId, laptop, phone } = await userWithTwoDevices(app.deps, "at-rest");
    const other = new Device(app.deps);
    const otherId = (await other.signUp(newCredentials("at-rest-other"))).user.id;

    const cookieTokens = [laptop, phone, other].map((device) => device.sessionToken() ?? "");
    for (const token of cookieTokens) expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    const rows = await storedTokens([userId, otherId]);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.token).sort()).toEqual(cookieTokens.map(hashSessionToken).sort());

    // Every row of the table, whoever created it: a hash, and no cookie's token.
    const everyRow = await app.database.db.select({ token: session.token }).from(session);
    for (const { token } of everyRow) {
      expect(token).toMatch(SHA256_HEX);
      expect(cookieTokens).not.toContain(token);
    }
  });

  it("a stored token signed with the secret is no cookie: no session, and signing out with it ends nothing", async () => {
    const { userId, laptop } = await userWithTwoDevices(app.deps, "at-rest");
    const rows = await storedTokens([userId]);
    expect(rows).toHaveLength(2);

    for (const row of rows) {
      const forger = new Device(app.deps);
      forger.jar.set(COOKIE_NAME, signedWithSecret(row.token));
      expect(await forger.call((c) => c.session.current())).toBeNull();
      await expectTrpcError(
        forger.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REQUIRED,
      );
      const betterAuthSays = await app.deps.auth.api.getSession({
        headers: forger.headers(),
        query: { disableCookieCache: true },
      });
      expect(betterAuthSays).toBeNull();
      await app.deps.auth.api.signOut({ headers: forger.headers() });
    }
    expect(await liveSessionIds(app.database.db, userId)).toEqual(rows.map((r) => r.id).sort());
    expect(await laptop.call((c) => c.session.current())).not.toBeNull();
  });

  it("a plain token is refused by the database itself (whoever writes it)", async () => {
    const { userId, laptop } = await userWithTwoDevices(app.deps, "at-rest");
    const [existing] = await storedTokens([userId]);
    await expect(
      app.database.db
        .update(session)
        .set({ token: laptop.sessionToken() ?? "" })
        .where(eq(session.id, existing?.id ?? "")),
    ).rejects.toThrow();
    expect((await storedTokens([userId])).map((row) => row.token)).toContain(existing?.token);
  });

  it("Better Auth's own lookups agree: by token they carry the token, by user the marked hash", async () => {
    const { userId, laptop, phone } = await userWithTwoDevices(app.deps, "at-rest");
    const laptopToken = laptop.sessionToken() ?? "";
    const phoneToken = phone.sessionToken() ?? "";
    const { internalAdapter } = await app.deps.auth.$context;

    const found = await internalAdapter.findSession(laptopToken);
    expect(found?.session.token).toBe(laptopToken);
    expect(found?.user.id).toBe(userId);
    // A stored value, as a string, is hashed like any token: it names no session.
    expect(await internalAdapter.findSession(hashSessionToken(laptopToken))).toBeNull();

    const both = await internalAdapter.findSessions([laptopToken, phoneToken]);
    expect(both.map((s) => s.session.token).sort()).toEqual([laptopToken, phoneToken].sort());

    const listed = await internalAdapter.listSessions(userId);
    expect(listed).toHaveLength(2);
    for (const row of listed) expect(row.token).toBeInstanceOf(StoredSessionToken);
    expect(listed.map((row) => String(row.token)).sort()).toEqual(
      [laptopToken, phoneToken].map(hashSessionToken).sort(),
    );

    // Handing a listed row back ends exactly that session: its hash is not hashed again.
    const phoneRow = listed.find((row) => String(row.token) === hashSessionToken(phoneToken));
    await internalAdapter.deleteSession(phoneRow?.token ?? "");
    expect(await liveSessionIds(app.database.db, userId)).toEqual([found?.session.id]);

    // Sliding the expiry by token, and deleting by a list of tokens (`in`).
    const expiresAt = new Date(Date.now() + 2 * DAY_MS);
    const updated = await internalAdapter.updateSession(laptopToken, { expiresAt });
    expect(updated?.token).toBe(laptopToken);
    expect(updated?.expiresAt.getTime()).toBe(expiresAt.getTime());
    await internalAdapter.deleteSessions([laptopToken]);
    expect(await liveSessionIds(app.database.db, userId)).toEqual([]);
  });

  it("sliding refresh, revocation, re-authentication and sign-out work on hashed tokens", async () => {
    const { userId, laptop, phone } = await userWithTwoDevices(app.deps, "at-rest");
    const db = app.database.db;
    const laptopToken = laptop.sessionToken() ?? "";

    // A refresh is due (expires_at - 7 days + 1 day <= now): Better Auth finds the session by its
    // cookie's token, slides it and sets the same cookie again.
    const due = new Date(Date.now() + 6 * DAY_MS - 60_000);
    await db
      .update(session)
      .set({ expiresAt: due })
      .where(eq(session.token, hashSessionToken(laptopToken)));
    laptop.jar.delete(CACHE_COOKIE_NAME);
    expect(await laptop.call((c) => c.session.current())).not.toBeNull();
    const [refreshed] = await db
      .select({ expiresAt: session.expiresAt })
      .from(session)
      .where(eq(session.token, hashSessionToken(laptopToken)));
    expect(refreshed?.expiresAt.getTime()).toBeGreaterThan(due.getTime() + DAY_MS - 60_000);
    expect(laptop.sessionToken()).toBe(laptopToken);

    // Revocation: the phone is refused, and told why (its end event carries the stored value).
    const phoneSession = (await laptop.call((c) => c.session.list())).find((s) => !s.isCurrent);
    await laptop.call((c) => c.session.revoke({ id: phoneSession?.id ?? "" }));
    await expectTrpcError(
      phone.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );

    // Re-authentication: a new token, stored hashed; the old cookie names nothing.
    await laptop.call((c) => c.session.reauthenticate({ password: "correct horse battery" }));
    const renewedToken = laptop.sessionToken() ?? "";
    expect(renewedToken).not.toBe(laptopToken);
    expect((await storedTokens([userId])).map((row) => row.token)).toEqual([
      hashSessionToken(renewedToken),
    ]);
    const stale = new Device(app.deps);
    stale.jar.set(COOKIE_NAME, signedWithSecret(laptopToken));
    expect(await stale.call((c) => c.session.current())).toBeNull();

    // Sign-out: the row is gone and its end event holds the same value the row did.
    const current = await laptop.call((c) => c.session.current());
    await app.deps.auth.api.signOut({ headers: laptop.headers() });
    expect(await liveSessionIds(db, userId)).toEqual([]);
    const [signedOut] = await db
      .select({ tokenHash: sessionEvent.tokenHash, reason: sessionEvent.reason })
      .from(sessionEvent)
      .where(
        and(
          eq(sessionEvent.sessionId, current?.session.id ?? ""),
          isNotNull(sessionEvent.tokenHash),
        ),
      );
    expect(signedOut).toEqual({ tokenHash: hashSessionToken(renewedToken), reason: "sign_out" });
  });

  it("a session created before the migration keeps working with its old cookie", async () => {
    const folder = await migrationsBefore("0006_session_tokens_hashed");
    const database = await openTestDatabase(kind, { migrationsFolder: folder });
    await rm(folder, { recursive: true });
    let upgraded: TestApp | null = null;
    try {
      // As the release before left it: plain tokens, Better Auth's format.
      const liveToken = "PreMigrationLive0123456789abcdef";
      const revokedToken = "PreMigrationGone0123456789abcdef";
      await database.db
        .insert(user)
        .values({ id: "pre-user", name: "Before", email: "before@example.com" });
      const expiresAt = new Date(Date.now() + DAY_MS);
      await database.db.insert(session).values([
        { id: "pre-live", token: liveToken, userId: "pre-user", expiresAt },
        { id: "pre-gone", token: revokedToken, userId: "pre-user", expiresAt },
      ]);
      // Revoked by an administrator before the upgrade: the old trigger hashed the token itself.
      await createSessionStore(database.db).endById("pre-user", "pre-gone", EndReason.ADMIN, {});

      await migrateDatabase(database);
      const [row] = await database.db
        .select({ token: session.token })
        .from(session)
        .where(eq(session.id, "pre-live"));
      expect(row?.token).toBe(hashSessionToken(liveToken));

      upgraded = await testAppOn(database);
      const device = new Device(upgraded.deps);
      device.jar.set(COOKIE_NAME, signedWithSecret(liveToken));
      expect((await device.call((c) => c.session.current()))?.session.id).toBe("pre-live");
      const revoked = new Device(upgraded.deps);
      revoked.jar.set(COOKIE_NAME, signedWithSecret(revokedToken));
      await expectTrpcError(
        revoked.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
    } finally {
      await (upgraded ?? database).close();
    }
  });
});
