/**
 * Session lifecycle policies through the router with a real context and database: absolute
 * lifetime and the strict profile at their boundaries (fake time), binding, credential changes,
 * administrators, and the activity log.
 */
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { session, user, verification } from "../../db/schema";
import { createContext } from "../../server/trpc/context";
import { ErrorReason } from "../../shared/errors";
import type { TestApp } from "../support/app";
import { Device, newCredentials, SAFARI_IPHONE } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { tokenInText, waitForOutboxMail } from "../support/mailbox";
import { eventsOf, liveSessionIds, userIdOf } from "../support/sessions";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const CHROME_LINUX =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** One request that reads the database (no cookie-cache hit), as a request after the cache expired would. */
async function requestPastCache(app: TestApp, device: Device) {
  device.jar.delete("better-auth.session_data");
  const resHeaders = new Headers();
  await createContext({ deps: app.deps, headers: device.headers(), resHeaders });
  device.jar.store(resHeaders.getSetCookie());
}

async function expiresAtOf(app: TestApp, sessionId: string) {
  const [row] = await app.database.db
    .select({ expiresAt: session.expiresAt })
    .from(session)
    .where(eq(session.id, sessionId));
  return row?.expiresAt.getTime();
}

describe.each(databaseKinds)("session lifecycle on %s", (kind) => {
  // Fake time starts at the real now, so the database's own clock (the limit trigger) agrees.
  let T0 = 0;
  beforeEach(() => {
    T0 = Math.floor(Date.now() / 1000) * 1000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  describe("absolute lifetime (standard profile: 30 days, idle 7 days)", () => {
    const app = useTestApp(kind);

    it("an active session lives until just before 30 days, never slides past it, and ends at 30 days", async () => {
      const credentials = newCredentials();
      const device = new Device(app.deps);
      await device.signUp(credentials);
      const id = (await device.call((c) => c.session.current()))?.session.id ?? "";

      // Active every 6 days: each visit slides the 7-day idle expiry...
      for (const day of [6, 12, 18, 24]) {
        vi.setSystemTime(T0 + day * DAY);
        await requestPastCache(app, device);
        expect(await expiresAtOf(app, id)).toBe(Math.min(T0 + (day + 7) * DAY, T0 + 30 * DAY));
      }
      // ...but never past the absolute lifetime: at day 24 it would be day 31.
      expect(await expiresAtOf(app, id)).toBe(T0 + 30 * DAY);

      vi.setSystemTime(T0 + 30 * DAY - 1);
      await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);
      vi.setSystemTime(T0 + 30 * DAY);
      await expectTrpcError(
        device.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EXPIRED,
      );
      // The cookies were cleared and the end was recorded as such.
      expect(device.jar.get("better-auth.session_token")).toBeUndefined();
      const userId = await userIdOf(app.database.db, credentials.email);
      expect((await eventsOf(app.database.db, userId)).at(-1)).toMatchObject({
        type: "expired",
        reason: "absolute_timeout",
        sessionId: id,
      });
    });

    it("re-authentication starts a new absolute lifetime (it is a new authentication)", async () => {
      const credentials = newCredentials();
      const device = new Device(app.deps);
      await device.signUp(credentials);
      vi.setSystemTime(T0 + 6 * DAY);
      await device.call((c) => c.session.reauthenticate({ password: credentials.password }));
      for (const day of [12, 18, 24]) {
        vi.setSystemTime(T0 + day * DAY);
        await requestPastCache(app, device);
      }
      // Past the first sign-in's 30 days, inside the re-authentication's.
      vi.setSystemTime(T0 + 30 * DAY + 1);
      await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);
    });
  });

  describe("strict profile (NIST SP 800-63B AAL2: idle 1 h, absolute 24 h)", () => {
    const app = useTestApp(kind, { SESSION_PROFILE: "strict" });

    it("an idle session is valid just before 1 hour and refused just after", async () => {
      const early = new Device(app.deps);
      await early.signUp(newCredentials());
      const late = new Device(app.deps);
      await late.signUp(newCredentials());
      vi.setSystemTime(T0 + HOUR - 1);
      await requestPastCache(app, early);
      await expect(early.call((c) => c.session.list())).resolves.toHaveLength(1);
      vi.setSystemTime(T0 + HOUR + 1);
      await expectTrpcError(
        late.call((c) => c.session.current()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EXPIRED,
      );
    });

    it("slides at most once per 5 minutes (no write per request) and ends at 24 hours", async () => {
      const device = new Device(app.deps);
      await device.signUp(newCredentials());
      const id = (await device.call((c) => c.session.current()))?.session.id ?? "";
      vi.setSystemTime(T0 + 5 * MINUTE - 1);
      await requestPastCache(app, device);
      expect(await expiresAtOf(app, id)).toBe(T0 + HOUR);
      vi.setSystemTime(T0 + 5 * MINUTE);
      await requestPastCache(app, device);
      expect(await expiresAtOf(app, id)).toBe(T0 + 5 * MINUTE + HOUR);

      // Active every 50 minutes for a day: alive just before 24 h, ended at 24 h.
      for (let at = 50 * MINUTE; at < DAY; at += 50 * MINUTE) {
        vi.setSystemTime(T0 + at);
        await requestPastCache(app, device);
      }
      expect(await expiresAtOf(app, id)).toBe(T0 + DAY);
      vi.setSystemTime(T0 + DAY - 1);
      await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);
      vi.setSystemTime(T0 + DAY);
      await expectTrpcError(
        device.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EXPIRED,
      );
    });
  });

  describe("binding", () => {
    const audit = useTestApp(kind);
    const strict = useTestApp(kind, { SESSION_BINDING: "strict" });
    const off = useTestApp(kind, { SESSION_BINDING: "off" });

    it("audit (default): another network is allowed, flagged once and recorded once", async () => {
      const credentials = newCredentials();
      const device = new Device(audit.deps, undefined, "203.0.113.7");
      await device.signUp(credentials);
      device.ip = "203.0.113.200"; // same /24: nothing to see
      expect((await device.call((c) => c.session.list()))[0]?.bindingMismatch).toBe(false);
      device.ip = "198.51.100.7";
      for (let i = 0; i < 3; i++) await device.call((c) => c.session.list());
      expect((await device.call((c) => c.session.list()))[0]?.bindingMismatch).toBe(true);
      const userId = await userIdOf(audit.database.db, credentials.email);
      const flagged = (await eventsOf(audit.database.db, userId)).filter(
        (e) => e.type === "binding_mismatch",
      );
      expect(flagged).toEqual([
        expect.objectContaining({ reason: "network", ipAddress: "198.51.100.7" }),
      ]);
    });

    it("strict: another browser family ends the session and says why", async () => {
      const credentials = newCredentials();
      const device = new Device(strict.deps);
      await device.signUp(credentials);
      const stolen = device.jar.clone();
      device.userAgent = CHROME_LINUX;
      await expectTrpcError(
        device.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_BINDING_MISMATCH,
      );
      expect(device.jar.get("better-auth.session_token")).toBeUndefined();
      // The session is gone: even the original browser cannot use the cookie any more.
      const original = new Device(strict.deps);
      for (const name of stolen.names()) original.jar.set(name, stolen.get(name) ?? "");
      await expectTrpcError(
        original.call((c) => c.session.list()),
        "UNAUTHORIZED",
      );
      const userId = await userIdOf(strict.database.db, credentials.email);
      expect((await eventsOf(strict.database.db, userId)).at(-1)).toMatchObject({
        type: "revoked",
        reason: "binding",
      });
    });

    it("strict: a browser update and a new address in the same network are not a mismatch", async () => {
      const device = new Device(strict.deps, undefined, "203.0.113.7");
      await device.signUp(newCredentials());
      device.userAgent = device.userAgent.replaceAll("132.0", "133.0");
      device.ip = "203.0.113.99";
      await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);
    });

    it("off: nothing is compared", async () => {
      const device = new Device(off.deps);
      await device.signUp(newCredentials());
      device.ip = "198.51.100.7";
      device.userAgent = SAFARI_IPHONE;
      const [row] = await device.call((c) => c.session.list());
      expect(row?.bindingMismatch).toBe(false);
    });
  });

  describe("credential changes and administrators", () => {
    const app = useTestApp(kind);

    it("a password reset ends every session of the user, recorded as password_reset", async () => {
      const credentials = newCredentials();
      const laptop = new Device(app.deps);
      await laptop.signUp(credentials);
      const phone = new Device(app.deps, SAFARI_IPHONE);
      await phone.signIn(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);

      // The reset mail is kept in the outbox (no SMTP_URL): its link is read there, as from an inbox.
      const stranger = new Device(app.deps, undefined, "192.0.2.9");
      await stranger.call((c) => c.links.requestPasswordReset({ email: credentials.email }));
      const mail = await waitForOutboxMail(app.database.db, credentials.email, "password_reset");
      const token = tokenInText(mail.textBody, "/reset-password");
      await expect(
        stranger.call((c) => c.links.resetPassword({ token, newPassword: "another pass 123" })),
      ).resolves.toEqual({ sessionsEnded: 2 });

      expect(await liveSessionIds(app.database.db, userId)).toEqual([]);
      for (const device of [laptop, phone]) {
        await expectTrpcError(
          device.call((c) => c.session.list()),
          "UNAUTHORIZED",
          ErrorReason.SESSION_REVOKED,
        );
      }
      const ends = (await eventsOf(app.database.db, userId)).filter((e) => e.type === "revoked");
      expect(ends.map((e) => e.reason)).toEqual(["password_reset", "password_reset"]);
    });

    it("Better Auth's own reset (a server API only: no mail sends its links) ends every session as password_reset too", async () => {
      const credentials = newCredentials();
      const laptop = new Device(app.deps);
      await laptop.signUp(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      // What its closed /request-password-reset would have stored.
      await app.database.db.insert(verification).values({
        id: `reset-${userId}`,
        identifier: `reset-password:server-api-${userId}`,
        value: userId,
        expiresAt: new Date(Date.now() + 60_000),
      });
      await app.deps.auth.api.resetPassword({
        body: { token: `server-api-${userId}`, newPassword: "another pass 123" },
      });
      expect(await liveSessionIds(app.database.db, userId)).toEqual([]);
      const ends = (await eventsOf(app.database.db, userId)).filter((e) => e.type === "revoked");
      expect(ends.map((e) => e.reason)).toEqual(["password_reset"]);
    });

    it("a password change ends the others as password_change; account deletion records account_deleted", async () => {
      const credentials = newCredentials();
      const laptop = new Device(app.deps);
      await laptop.signUp(credentials);
      const phone = new Device(app.deps, SAFARI_IPHONE);
      await phone.signIn(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      const phoneId = (await phone.call((c) => c.session.current()))?.session.id;

      await laptop.call((c) =>
        c.account.changePassword({
          currentPassword: credentials.password,
          newPassword: "changed pass 123",
        }),
      );
      let events = await eventsOf(app.database.db, userId);
      expect(events.find((e) => e.sessionId === phoneId && e.type === "revoked")).toMatchObject({
        reason: "password_change",
        actorUserId: userId,
      });

      await laptop.call((c) => c.account.delete());
      events = await eventsOf(app.database.db, userId);
      expect(events.at(-1)).toMatchObject({ type: "revoked", reason: "account_deleted" });
    });

    it("only an administrator can end another user's sessions; the user is told and sees who", async () => {
      const adminCredentials = newCredentials("admin");
      const admin = new Device(app.deps);
      await admin.signUp(adminCredentials);
      const targetCredentials = newCredentials("target");
      const target = new Device(app.deps, SAFARI_IPHONE);
      await target.signUp(targetCredentials);
      const revoke = () =>
        admin.call((c) => c.admin.revokeUserSessions({ email: targetCredentials.email }));

      await expectTrpcError(revoke(), "FORBIDDEN", ErrorReason.ADMIN_REQUIRED);
      await expect(target.call((c) => c.session.list())).resolves.toHaveLength(1);

      const adminId = await userIdOf(app.database.db, adminCredentials.email);
      await app.database.db.update(user).set({ role: "admin" }).where(eq(user.id, adminId));
      await expect(revoke()).resolves.toEqual({ ended: 1 });
      await expectTrpcError(
        target.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
      await expectTrpcError(
        admin.call((c) => c.admin.revokeUserSessions({ email: "nobody@example.com" })),
        "NOT_FOUND",
      );
      await expectTrpcError(
        admin.call((c) => c.admin.revokeUserSessions({ email: "not an email" })),
        "BAD_REQUEST",
      );

      await target.signIn(targetCredentials);
      const { events } = await target.call((c) => c.session.activity({ limit: 10 }));
      expect(events.find((e) => e.type === "revoked")).toMatchObject({
        reason: "admin",
        byAdministrator: true,
      });
      // The administrator's own privilege is read from the database, not the cookie cache.
      await app.database.db.update(user).set({ role: "user" }).where(eq(user.id, adminId));
      await expectTrpcError(revoke(), "FORBIDDEN", ErrorReason.ADMIN_REQUIRED);
    });
  });

  describe("activity log", () => {
    const app = useTestApp(kind);

    it("records sign-in, refresh, re-authentication and ends, and pages through them", async () => {
      const credentials = newCredentials();
      const laptop = new Device(app.deps);
      await laptop.signUp(credentials);
      const phone = new Device(app.deps, SAFARI_IPHONE, "198.51.100.20");
      await phone.signIn(credentials);
      vi.setSystemTime(T0 + DAY); // past the update age: the next database read slides the expiry
      await requestPastCache(app, laptop);
      await laptop.call((c) => c.session.reauthenticate({ password: credentials.password }));
      const phoneId = (await phone.call((c) => c.session.current()))?.session.id ?? "";
      await laptop.call((c) => c.session.revoke({ id: phoneId }));

      const all = await laptop.call((c) => c.session.activity({ limit: 100 }));
      expect(all.nextCursor).toBeNull();
      expect(all.events.map((e) => [e.type, e.reason])).toEqual([
        ["revoked", "other_device"],
        // The phone's first request a day later slid its expiry too.
        ["refreshed", null],
        ["reauthenticated", null],
        ["revoked", "reauthenticated"],
        ["refreshed", null],
        ["signed_in", null],
        ["signed_in", null],
      ]);
      expect(all.events[0]).toMatchObject({ sessionId: phoneId, isCurrentSession: false });
      expect(all.events[2]).toMatchObject({
        isCurrentSession: true,
        device: { browser: "Firefox 132" },
      });

      const seen: number[] = [];
      let cursor: number | null = null;
      do {
        const page: { events: { id: number }[]; nextCursor: number | null } = await laptop.call(
          (c) => c.session.activity({ limit: 4, cursor }),
        );
        seen.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual(all.events.map((e) => e.id));

      // Another user's events never show up, and bad input is a typed error.
      const stranger = new Device(app.deps);
      await stranger.signUp(newCredentials());
      const theirs = await stranger.call((c) => c.session.activity());
      expect(theirs.events.map((e) => e.type)).toEqual(["signed_in"]);
      for (const bad of [{ limit: 0 }, { limit: 101 }, { cursor: -1 }, { cursor: 1.5 }]) {
        await expectTrpcError(
          laptop.call((c) => c.session.activity(bad as never)),
          "BAD_REQUEST",
        );
      }
    });

    it("a forged cookie for an ended session learns nothing about it", async () => {
      const credentials = newCredentials();
      const device = new Device(app.deps);
      await device.signUp(credentials);
      const token = device.sessionToken() ?? "";
      const other = new Device(app.deps);
      await other.signIn(credentials);
      const ownId = (await device.call((c) => c.session.current()))?.session.id ?? "";
      await other.call((c) => c.session.revoke({ id: ownId }));
      const forger = new Device(app.deps);
      forger.jar.set(
        "better-auth.session_token",
        encodeURIComponent(`${token}.${"A".repeat(43)}=`),
      );
      await expectTrpcError(
        forger.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REQUIRED,
      );
      const [row] = await app.database.db
        .select({ id: session.id })
        .from(session)
        .where(and(eq(session.id, ownId)));
      expect(row).toBeUndefined();
    });
  });
});
