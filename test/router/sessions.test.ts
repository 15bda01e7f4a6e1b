import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { session } from "../../db/schema";
import { ErrorReason } from "../../shared/errors";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { expectTrpcError } from "../support/errors";
import { useTestApp } from "../support/fixtures";
import { PHONE_IP, userWithTwoDevices } from "../support/scenarios";

describe.each(databaseKinds)("session router on %s", (kind) => {
  const app = useTestApp(kind);

  it("current is null without a session and describes the user with one", async () => {
    const stranger = new Device(app.deps);
    expect(await stranger.call((c) => c.session.current())).toBeNull();

    const credentials = newCredentials();
    const device = new Device(app.deps);
    await device.signUp(credentials);
    const current = await device.call((c) => c.session.current());
    expect(current?.user).toMatchObject({ email: credentials.email, name: credentials.name });
    expect(Date.parse(current?.session.freshUntil ?? "")).toBe(
      Date.parse(current?.session.createdAt ?? "") + 10 * 60 * 1000,
    );
  });

  it("protected procedures refuse a request without a session", async () => {
    const stranger = new Device(app.deps);
    await expectTrpcError(
      stranger.call((c) => c.session.list()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REQUIRED,
    );
  });

  it("lists every device of the user with parsed user agents, and never a token", async () => {
    const { laptop, phone } = await userWithTwoDevices(app.deps);
    const other = new Device(app.deps);
    await other.signUp(newCredentials("other"));

    const list = await laptop.call((c) => c.session.list());
    expect(list).toHaveLength(2);
    const current = list.find((s) => s.isCurrent);
    const mobile = list.find((s) => !s.isCurrent);
    expect(current?.device).toEqual({ browser: "Firefox 132", os: "Linux", type: "desktop" });
    expect(mobile?.device).toMatchObject({ browser: "Safari 18", os: "iOS 18.1", type: "mobile" });
    expect(mobile?.ipAddress).toBe(PHONE_IP);
    expect(current?.ipAddress).toBe("203.0.113.7");

    const json = JSON.stringify(list);
    for (const token of [laptop.sessionToken(), phone.sessionToken(), other.sessionToken()]) {
      expect(token).toBeTruthy();
      expect(json).not.toContain(token);
    }
    expect(Object.keys(current ?? {})).not.toContain("token");
  });

  it("revokes another device; that device is refused on its very next request despite the cookie cache", async () => {
    const { laptop, phone } = await userWithTwoDevices(app.deps);
    // The phone holds a valid cookie cache entry (session_data) from its sign-in.
    expect(phone.jar.get("better-auth.session_data")).toBeTruthy();
    expect(await phone.call((c) => c.session.current())).not.toBeNull();

    const phoneSession = (await laptop.call((c) => c.session.list())).find((s) => !s.isCurrent);
    const result = await laptop.call((c) => c.session.revoke({ id: phoneSession?.id ?? "" }));
    expect(result).toEqual({ ended: 1, signedOut: false });

    // Same cookies as before (cache entry still signed and unexpired): refused.
    const staleJar = phone.jar.clone();
    await expectTrpcError(
      phone.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
    expect(await phone.call((c) => c.session.current())).toBeNull();
    // The server also told the phone to drop its cookies.
    expect(phone.jar.get("better-auth.session_token")).toBeUndefined();
    // Replaying the old cookies (an attacker who copied them) is refused too.
    const replay = new Device(app.deps);
    for (const name of staleJar.names()) replay.jar.set(name, staleJar.get(name) ?? "");
    await expectTrpcError(
      replay.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
    // The laptop is untouched.
    expect(await laptop.call((c) => c.session.list())).toHaveLength(1);
  });

  it("answers NOT_FOUND for another user's session id or an unknown id, and changes nothing", async () => {
    const { laptop } = await userWithTwoDevices(app.deps);
    const victim = await userWithTwoDevices(app.deps);
    const victimSessions = await victim.laptop.call((c) => c.session.list());

    for (const { id } of victimSessions) {
      const error = await expectTrpcError(
        laptop.call((c) => c.session.revoke({ id })),
        "NOT_FOUND",
      );
      expect(error.message).toBe(`No session '${id}' for this user`);
    }
    await expectTrpcError(
      laptop.call((c) => c.session.revoke({ id: "no-such-session" })),
      "NOT_FOUND",
    );

    expect(await victim.laptop.call((c) => c.session.list())).toHaveLength(2);
    expect(await victim.phone.call((c) => c.session.current())).not.toBeNull();
    expect(await laptop.call((c) => c.session.list())).toHaveLength(2);
  });

  it("rejects malformed input with BAD_REQUEST and the zod issues", async () => {
    const { laptop } = await userWithTwoDevices(app.deps);
    const error = await expectTrpcError(
      // @ts-expect-error: deliberately the wrong type
      laptop.call((c) => c.session.revoke({ id: 42 })),
      "BAD_REQUEST",
    );
    expect(error.cause?.name).toBe("ZodError");
    await expectTrpcError(
      laptop.call((c) => c.session.revoke({ id: "x".repeat(129) })),
      "BAD_REQUEST",
    );
    expect(await laptop.call((c) => c.session.list())).toHaveLength(2);
  });

  it("revoking the current session signs this device out and clears its cookies", async () => {
    const { laptop, phone } = await userWithTwoDevices(app.deps);
    const mine = (await laptop.call((c) => c.session.current()))?.session.id ?? "";
    expect(await laptop.call((c) => c.session.revoke({ id: mine }))).toEqual({
      ended: 1,
      signedOut: true,
    });
    expect(laptop.jar.names()).toEqual([]);
    expect(await laptop.call((c) => c.session.current())).toBeNull();
    expect(await phone.call((c) => c.session.list())).toHaveLength(1);
  });

  it("revokeOthers keeps only this device; revokeAll ends every session", async () => {
    const { credentials, laptop, phone } = await userWithTwoDevices(app.deps);
    const tablet = new Device(app.deps);
    await tablet.signIn(credentials);

    expect(await laptop.call((c) => c.session.revokeOthers())).toEqual({
      ended: 2,
      signedOut: false,
    });
    // Their next request learns why (and clears their cookies); the one after is plain signed out.
    for (const other of [phone, tablet]) {
      await expectTrpcError(
        other.call((c) => c.session.current()),
        "UNAUTHORIZED",
        ErrorReason.SESSION_REVOKED,
      );
      expect(await other.call((c) => c.session.current())).toBeNull();
    }
    expect(await laptop.call((c) => c.session.list())).toHaveLength(1);

    await phone.signIn(credentials);
    expect(await laptop.call((c) => c.session.revokeAll())).toEqual({ ended: 2, signedOut: true });
    expect(await laptop.call((c) => c.session.current())).toBeNull();
    await expectTrpcError(
      phone.call((c) => c.session.current()),
      "UNAUTHORIZED",
      ErrorReason.SESSION_REVOKED,
    );
    const userId = (await phone.signIn(credentials)).user.id;
    const rows = await app.database.db.select().from(session).where(eq(session.userId, userId));
    expect(rows).toHaveLength(1);
  });

  it("signing out through Better Auth is refused on the next request despite the cookie cache", async () => {
    const { laptop } = await userWithTwoDevices(app.deps);
    const copied = laptop.jar.clone();
    await app.deps.auth.api.signOut({ headers: laptop.headers() });
    const thief = new Device(app.deps);
    for (const name of copied.names()) thief.jar.set(name, copied.get(name) ?? "");
    expect(await thief.call((c) => c.session.current())).toBeNull();
    await expectTrpcError(
      thief.call((c) => c.session.list()),
      "UNAUTHORIZED",
    );
  });

  it("signing in again from the same browser ends the browser's previous session (ASVS 7.2.4)", async () => {
    const credentials = newCredentials();
    const device = new Device(app.deps);
    const first = await device.signUp(credentials);
    const firstToken = device.sessionToken();
    const second = await device.signIn(credentials);
    expect(device.sessionToken()).not.toBe(firstToken);
    const rows = await app.database.db
      .select({ id: session.id })
      .from(session)
      .where(eq(session.userId, second.user.id));
    expect(rows).toHaveLength(1);
    expect(first.user.id).toBe(second.user.id);
    // The token is never handed to JavaScript in the sign-in response.
    expect(second.token).toBeNull();
  });
});
