/**
 * The commands behind `npm run sessions`: revoking a user's sessions by email (refused on the
 * revoked devices' very next request, other users untouched, recorded as an administrator's
 * action), revoking every user's sessions (the CLI and `admin.revokeAllSessions`), and setting
 * a role.
 */
import { and, count, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { session, sessionEvent } from "../../db/schema";
import { startSessionStoreWithoutCache } from "../../server/app";
import {
  AdminCommandError,
  revokeAllSessions,
  revokeSessionsByEmail,
  setUserRole,
} from "../../server/sessions/lifecycle/admin-commands";
import { ErrorReason } from "../../shared/errors";
import { Device, newCredentials, SAFARI_IPHONE } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useStarted, useTestApp } from "../support/fixtures";
import { roleOf, userIdOf } from "../support/sessions";

describe.each(databaseKinds)("admin commands on %s", (kind) => {
  const app = useTestApp(kind);
  /** The store `npm run sessions` makes: no cache of its own, the barrier of every instance. */
  const cli = useStarted("startSessionStoreWithoutCache", async () => {
    const store = await startSessionStoreWithoutCache(app.database);
    return { sessions: store.sessions, close: store.stop };
  });
  const cliStore = () => cli.sessions;

  it("revoke ends every session of that user only; the next request is refused; recorded as admin", async () => {
    const alice = newCredentials("alice");
    const laptop = new Device(app.deps);
    const phone = new Device(app.deps, SAFARI_IPHONE, "198.51.100.4");
    await laptop.signUp(alice);
    await phone.signIn(alice);
    const bob = new Device(app.deps);
    await bob.signUp(newCredentials("bob"));
    await expect(laptop.call((c) => c.session.list())).resolves.toHaveLength(2);

    // Case does not matter: Better Auth keeps emails in lower case.
    const result = await revokeSessionsByEmail(cliStore(), alice.email.toUpperCase());

    expect(result).toEqual({ email: alice.email, sessionsEnded: 2 });
    await expectTrpcError(
      laptop.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
    await expectTrpcError(
      phone.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
    await expect(bob.call((c) => c.session.list())).resolves.toHaveLength(1);

    const aliceId = await userIdOf(app.database.db, alice.email);
    const events = await app.database.db
      .select({
        type: sessionEvent.type,
        reason: sessionEvent.reason,
        actorSessionId: sessionEvent.actorSessionId,
        userAgent: sessionEvent.userAgent,
      })
      .from(sessionEvent)
      .where(and(eq(sessionEvent.userId, aliceId), eq(sessionEvent.type, "revoked")));
    expect(events).toEqual([
      { type: "revoked", reason: "admin", actorSessionId: null, userAgent: "cli" },
      { type: "revoked", reason: "admin", actorSessionId: null, userAgent: "cli" },
    ]);
  });

  it("revoke of an unknown email fails with a clear message and ends nothing", async () => {
    const bystander = new Device(app.deps);
    await bystander.signUp(newCredentials("bystander"));
    await expect(revokeSessionsByEmail(cliStore(), "nobody@example.com")).rejects.toThrow(
      new AdminCommandError("No user with email 'nobody@example.com'"),
    );
    await expect(bystander.call((c) => c.session.list())).resolves.toHaveLength(1);
  });

  it("set-role makes a user an administrator and back", async () => {
    const credentials = newCredentials("operator");
    await new Device(app.deps).signUp(credentials);
    expect(await roleOf(app.database.db, credentials.email)).toBe("user");

    await expect(setUserRole(app.database.db, credentials.email, "admin")).resolves.toEqual({
      email: credentials.email,
      previousRole: "user",
      role: "admin",
    });
    expect(await roleOf(app.database.db, credentials.email)).toBe("admin");

    await setUserRole(app.database.db, credentials.email, "user");
    expect(await roleOf(app.database.db, credentials.email)).toBe("user");
  });

  it("set-role refuses an unknown role and an unknown email", async () => {
    const credentials = newCredentials("role");
    await new Device(app.deps).signUp(credentials);
    await expect(setUserRole(app.database.db, credentials.email, "root")).rejects.toThrow(
      new AdminCommandError("Unknown role 'root': use one of user, admin"),
    );
    await expect(setUserRole(app.database.db, "nobody@example.com", "admin")).rejects.toThrow(
      AdminCommandError,
    );
    expect(await roleOf(app.database.db, credentials.email)).toBe("user");
  });

  async function sessionCount() {
    const [row] = await app.database.db.select({ n: count() }).from(session);
    return row?.n ?? 0;
  }

  it("revoke-all ends every session of every user, batch by batch, but not one created after it started", async () => {
    const alice = newCredentials("all-alice");
    const laptop = new Device(app.deps);
    const phone = new Device(app.deps, SAFARI_IPHONE, "198.51.100.4");
    await laptop.signUp(alice);
    await phone.signIn(alice);
    const bob = new Device(app.deps);
    await bob.signUp(newCredentials("all-bob"));
    // A sign-in that lands after the command started: created a minute from now.
    const late = new Device(app.deps);
    await late.signUp(newCredentials("all-late"));
    const lateSession = await late.call((c) => c.session.current());
    await app.database.db
      .update(session)
      .set({ createdAt: sql`now() + interval '1 minute'` })
      .where(eq(session.id, lateSession?.session.id ?? ""));
    const before = await sessionCount();
    expect(before).toBeGreaterThanOrEqual(4);

    const result = await revokeAllSessions(cliStore(), undefined, { batchSize: 2 });

    expect(result).toEqual({ sessionsEnded: before - 1 });
    for (const device of [laptop, phone, bob]) {
      await expectTrpcError(
        device.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
    }
    await expect(late.call((c) => c.session.list())).resolves.toHaveLength(1);
    expect(await sessionCount()).toBe(1);
    // Not left for the next test: its clock says the session has not started yet.
    await app.database.db.delete(session).where(eq(session.id, lateSession?.session.id ?? ""));
    const aliceId = await userIdOf(app.database.db, alice.email);
    const events = await app.database.db
      .select({ reason: sessionEvent.reason, userAgent: sessionEvent.userAgent })
      .from(sessionEvent)
      .where(and(eq(sessionEvent.userId, aliceId), eq(sessionEvent.type, "revoked")));
    expect(events).toEqual([
      { reason: "admin", userAgent: "cli" },
      { reason: "admin", userAgent: "cli" },
    ]);
  });

  it("admin.revokeAllSessions: administrators only; ends everyone's sessions but the caller's own", async () => {
    const adminCredentials = newCredentials("all-admin");
    const admin = new Device(app.deps);
    await admin.signUp(adminCredentials);
    const adminPhone = new Device(app.deps, SAFARI_IPHONE, "198.51.100.9");
    await adminPhone.signIn(adminCredentials);
    const other = new Device(app.deps);
    await other.signUp(newCredentials("all-other"));

    // A user who is not an administrator is refused, and nothing ends.
    await expectTrpcError(
      other.call((c) => c.admin.revokeAllSessions()),
      "FORBIDDEN",
      ErrorReason.ADMIN_REQUIRED,
    );
    const before = await sessionCount();
    await expect(other.call((c) => c.session.list())).resolves.toHaveLength(1);

    await setUserRole(app.database.db, adminCredentials.email, "admin");
    await expect(admin.call((c) => c.admin.revokeAllSessions())).resolves.toEqual({
      ended: before - 1,
    });

    await expectTrpcError(
      other.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
    await expectTrpcError(
      adminPhone.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
    await expect(admin.call((c) => c.session.list())).resolves.toHaveLength(1);
  });
});
