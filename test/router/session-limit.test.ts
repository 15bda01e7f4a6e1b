/**
 * The per-user concurrent session limit (default 5): `evict-oldest` ends the least recently
 * active session, `deny` refuses the new sign-in. It must hold under concurrency.
 */
import { isAPIError } from "better-auth/api";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import type { TestApp } from "../support/app";
import { type Credentials, Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { eventsOf, liveSessionCount, liveSessionIds, userIdOf } from "../support/sessions";

async function signInDevices(app: TestApp, credentials: Credentials, count: number) {
  const devices: Device[] = [];
  for (let i = 0; i < count; i++) {
    const device = new Device(app.deps, undefined, `198.51.100.${i + 1}`);
    await device.signIn(credentials);
    devices.push(device);
  }
  return devices;
}

type Caller = Parameters<Parameters<Device["call"]>[0]>[0];

async function currentSessionIdOf(caller: Caller) {
  const current = await caller.session.current();
  if (!current) throw new Error("device is signed out");
  return current.session.id;
}

function currentSessionId(device: Device) {
  return device.call(currentSessionIdOf);
}

describe.each(databaseKinds)("session limit on %s", (kind) => {
  describe("evict-oldest (default, 5)", () => {
    const app = useTestApp(kind);

    it("the 6th sign-in ends the least recently active session, which is told why", async () => {
      const credentials = newCredentials();
      await new Device(app.deps).signUp(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      // The sign-up session is the 1st; four more devices make 5.
      const devices = await signInDevices(app, credentials, 4);
      expect(await liveSessionCount(app.database.db, userId)).toBe(5);

      // Device 0 is the oldest but was used a moment ago; device 1 has been idle longest.
      const [active, idle] = devices as [Device, Device];
      const idleId = await currentSessionId(idle);
      await app.database.db
        .update(session)
        .set({ updatedAt: new Date(Date.now() + 1000) })
        .where(eq(session.id, await currentSessionId(active)));
      await app.database.db
        .update(session)
        .set({ updatedAt: new Date(Date.now() - 60_000) })
        .where(eq(session.id, idleId));

      const newcomer = new Device(app.deps);
      await newcomer.signIn(credentials);
      const live = await liveSessionIds(app.database.db, userId);
      expect(live).toHaveLength(5);
      expect(live).not.toContain(idleId);
      expect(live).toContain(await currentSessionId(newcomer));
      expect(await active.call((c) => c.session.current())).not.toBeNull();

      await expectTrpcError(
        idle.call((c) => c.session.list()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_EVICTED,
      );
      const ended = (await eventsOf(app.database.db, userId)).filter((e) => e.type === "revoked");
      expect(ended).toEqual([
        expect.objectContaining({
          sessionId: idleId,
          reason: "limit",
          actorSessionId: await currentSessionId(newcomer),
        }),
      ]);
    });

    it("re-authenticating at the limit replaces its own session and ends no other", async () => {
      const credentials = newCredentials();
      await new Device(app.deps).signUp(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      const devices = await signInDevices(app, credentials, 4);
      const before = await liveSessionIds(app.database.db, userId);
      const last = devices[3] as Device;
      const oldId = await currentSessionId(last);

      await last.call((c) => c.session.reauthenticate({ password: credentials.password }));
      const after = await liveSessionIds(app.database.db, userId);
      expect(after).toHaveLength(5);
      expect(after).not.toContain(oldId);
      expect(after.filter((id) => before.includes(id))).toHaveLength(4);
    });

    it("never leaves more than 5 alive under 32 parallel sign-ins", async () => {
      const credentials = newCredentials();
      await new Device(app.deps).signUp(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      let maxSeen = 0;
      let storming = true;
      const watcher = (async () => {
        while (storming) {
          maxSeen = Math.max(maxSeen, await liveSessionCount(app.database.db, userId));
          // PGlite answers without real I/O: yield, or this loop starves the sign-ins' hashing.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const results = await Promise.allSettled(
        Array.from({ length: 32 }, (_, i) =>
          new Device(app.deps, undefined, `192.0.2.${i + 1}`).signIn(credentials),
        ),
      );
      storming = false;
      await watcher;
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      expect(maxSeen).toBeLessThanOrEqual(5);
      expect(await liveSessionCount(app.database.db, userId)).toBe(5);
      // 1 sign-up + 32 sign-ins - 5 alive = 28 evictions, each recorded.
      const evicted = (await eventsOf(app.database.db, userId)).filter((e) => e.reason === "limit");
      expect(evicted).toHaveLength(28);
    });
  });

  describe("deny (limit 2)", () => {
    const app = useTestApp(kind, {
      SESSION_MAX_PER_USER: "2",
      SESSION_LIMIT_POLICY: "deny",
    });

    async function refusal(promise: Promise<unknown>) {
      const error = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      if (!isAPIError(error)) throw new Error(`expected an APIError, got ${String(error)}`);
      return { status: error.statusCode, code: error.body?.code, message: error.body?.message };
    }

    it("refuses a sign-in past the limit with a clear message and keeps the others", async () => {
      const credentials = newCredentials();
      const first = new Device(app.deps);
      await first.signUp(credentials);
      const [second] = await signInDevices(app, credentials, 1);
      const userId = await userIdOf(app.database.db, credentials.email);
      const before = await liveSessionIds(app.database.db, userId);

      expect(await refusal(new Device(app.deps).signIn(credentials))).toEqual({
        status: 403,
        code: ErrorReason.SESSION_LIMIT_REACHED,
        message: "You are signed in on 2 devices, the most allowed. Sign out on one of them first.",
      });
      expect(await liveSessionIds(app.database.db, userId)).toEqual(before);

      // Signing out on one device makes room.
      await second?.call(async (c) => c.session.revoke({ id: await currentSessionIdOf(c) }));
      await expect(new Device(app.deps).signIn(credentials)).resolves.toBeTruthy();
    });

    it("re-authenticating at the limit is not refused", async () => {
      const credentials = newCredentials();
      const first = new Device(app.deps);
      await first.signUp(credentials);
      await signInDevices(app, credentials, 1);
      await expect(
        first.call((c) => c.session.reauthenticate({ password: credentials.password })),
      ).resolves.toEqual({ reauthenticated: true });
    });

    it("admits exactly 2 of 32 parallel sign-ins and refuses the rest with 403", async () => {
      const credentials = newCredentials();
      const owner = new Device(app.deps);
      await owner.signUp(credentials);
      const userId = await userIdOf(app.database.db, credentials.email);
      await owner.call(async (c) => c.session.revoke({ id: await currentSessionIdOf(c) }));
      const outcomes = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          new Device(app.deps, undefined, `192.0.2.${i + 1}`).signIn(credentials).then(
            () => "signed in",
            (error: unknown) => refusal(Promise.reject(error)),
          ),
        ),
      );
      expect(outcomes.filter((o) => o === "signed in")).toHaveLength(2);
      const refused = outcomes.filter((o) => o !== "signed in");
      expect(refused).toHaveLength(30);
      for (const r of refused) {
        expect(r).toMatchObject({ status: 403, code: ErrorReason.SESSION_LIMIT_REACHED });
      }
      expect(await liveSessionCount(app.database.db, userId)).toBe(2);
    });
  });
});
