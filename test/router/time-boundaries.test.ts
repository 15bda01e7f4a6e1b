/**
 * Session timing at its boundaries, with fake time (only Date is faked; database I/O keeps real
 * timers): the fresh window (10 min), expiry (7 days idle) and the sliding refresh (after 1 day).
 */
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { session } from "../../db/schema";
import { createContext } from "../../server/trpc/context";
import { ErrorReason } from "../../shared/errors";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const T0 = new Date("2026-03-02T09:00:00.000Z").getTime();

describe.each(databaseKinds)("session timing on %s", (kind) => {
  const app = useTestApp(kind);
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function signedInDevice() {
    const credentials = newCredentials();
    const device = new Device(app.deps);
    await device.signUp(credentials);
    return { device, credentials };
  }

  async function expiresAtOf(device: Device) {
    const current = await device.call((c) => c.session.current());
    const [row] = await app.database.db
      .select({ expiresAt: session.expiresAt })
      .from(session)
      .where(eq(session.id, current?.session.id ?? ""));
    return row?.expiresAt.getTime();
  }

  it("a session is fresh just below 10 minutes after sign-in and not at 10 minutes", async () => {
    const { device } = await signedInDevice();
    vi.setSystemTime(T0 + 10 * MINUTE - 1);
    await expect(device.call((c) => c.session.revokeOthers())).resolves.toEqual({
      ended: 0,
      signedOut: false,
    });
    vi.setSystemTime(T0 + 10 * MINUTE);
    await expectTrpcError(
      device.call((c) => c.session.revokeOthers()),
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
    );
    // Not fresh is not signed out: ordinary protected procedures still work.
    await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);
  });

  it("re-authentication issues a new session that is fresh from now; the old one is refused", async () => {
    const { device, credentials } = await signedInDevice();
    vi.setSystemTime(T0 + 60 * MINUTE);
    await expectTrpcError(
      device.call((c) => c.account.changeEmail({ newEmail: `x${credentials.email}` })),
      "FORBIDDEN",
      ErrorReason.SESSION_NOT_FRESH,
    );

    const before = device.jar.clone();
    const oldToken = device.sessionToken();
    await expectTrpcError(
      device.call((c) => c.session.reauthenticate({ password: "wrong password!" })),
      "UNAUTHORIZED",
      ErrorReason.INVALID_PASSWORD,
    );
    expect(device.sessionToken()).toBe(oldToken);
    await expect(device.call((c) => c.session.list())).resolves.toHaveLength(1);

    await device.call((c) => c.session.reauthenticate({ password: credentials.password }));
    expect(device.sessionToken()).not.toBe(oldToken);
    const sessions = await device.call((c) => c.session.list());
    expect(sessions).toHaveLength(1);
    expect(Date.parse(sessions[0]?.createdAt ?? "")).toBe(T0 + 60 * MINUTE);

    // Fresh again: just below 10 minutes from the re-authentication.
    vi.setSystemTime(T0 + 70 * MINUTE - 1);
    await expect(device.call((c) => c.session.revokeOthers())).resolves.toMatchObject({ ended: 0 });

    // The pre-re-authentication cookies (cache entry included) no longer work.
    const replay = new Device(app.deps);
    for (const name of before.names()) replay.jar.set(name, before.get(name) ?? "");
    await expectTrpcError(
      replay.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
  });

  it("an idle session is valid just before 7 days and refused just after", async () => {
    const early = await signedInDevice();
    const late = await signedInDevice();
    vi.setSystemTime(T0 + 7 * DAY - 1);
    expect(await early.device.call((c) => c.session.current())).not.toBeNull();
    vi.setSystemTime(T0 + 7 * DAY + 1);
    await expectTrpcError(
      late.device.call((c) => c.session.current()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_EXPIRED,
    );
    await expectTrpcError(
      late.device.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REQUIRED,
    );
    // The refused device was told to drop its cookies.
    expect(late.device.jar.get("better-auth.session_token")).toBeUndefined();
  });

  it("the sliding refresh happens at 1 day, not before, and re-sets the cookie", async () => {
    const { device } = await signedInDevice();
    expect(await expiresAtOf(device)).toBe(T0 + 7 * DAY);
    // Better Auth refreshes only when it reads the database; a cookie-cache hit defers the
    // refresh to the first miss (at most the cache's 5 minutes later). Dropping the cache cookie
    // makes each request below read the database, so the boundary itself is what is tested.
    const requestWithoutCache = async () => {
      device.jar.delete("better-auth.session_data");
      const resHeaders = new Headers();
      await createContext({ deps: app.deps, headers: device.headers(), resHeaders });
      device.jar.store(resHeaders.getSetCookie());
      return resHeaders.getSetCookie();
    };

    vi.setSystemTime(T0 + DAY - 1);
    const before = await requestWithoutCache();
    expect(before.some((c) => c.startsWith("better-auth.session_token="))).toBe(false);
    expect(await expiresAtOf(device)).toBe(T0 + 7 * DAY);

    vi.setSystemTime(T0 + DAY);
    const tokenCookie = device.jar.get("better-auth.session_token");
    const at = await requestWithoutCache();
    const tokenLine = at.find((c) => c.startsWith("better-auth.session_token="));
    expect(tokenLine).toMatch(/Max-Age=604800/i);
    expect(await expiresAtOf(device)).toBe(T0 + 8 * DAY);
    // Same session, same token: only its lifetime moved.
    expect(device.jar.get("better-auth.session_token")).toBe(tokenCookie);
  });

  it("records last activity at most once per 5 minutes", async () => {
    const { device } = await signedInDevice();
    const lastActive = async () =>
      Date.parse((await device.call((c) => c.session.list()))[0]?.lastActiveAt ?? "");
    expect(await lastActive()).toBe(T0);
    vi.setSystemTime(T0 + 5 * MINUTE - 1);
    expect(await lastActive()).toBe(T0);
    vi.setSystemTime(T0 + 5 * MINUTE);
    expect(await lastActive()).toBe(T0 + 5 * MINUTE);
    vi.setSystemTime(T0 + 9 * MINUTE);
    expect(await lastActive()).toBe(T0 + 5 * MINUTE);
  });
});
