/**
 * Rotating BETTER_AUTH_SECRET (BETTER_AUTH_PREVIOUS_SECRETS): a session signed in under secret A
 * keeps working once the app runs with secret B and A listed as previous, and is re-signed with
 * B on its next response; a cookie of an unknown secret is refused, and so is A's once A is
 * removed. Two app instances share one database, as a restart with a new configuration would.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, startApp } from "../../server/app";
import type { AppDependencies } from "../../server/dependencies";
import { TEST_SECRET, testConfig } from "../support/app";
import { Device, newCredentials } from "../support/device";
import { databaseKinds } from "../support/environment";
import { useTestApp } from "../support/fixtures";
import { signedCookie } from "../support/forgeries";

const COOKIE_NAME = "better-auth.session_token";
const SECRET_B = "rotated-secret-B-0123456789-abcdefghijklmnopqrstuv";
const SECRET_C = "unknown-secret-C-0123456789-abcdefghijklmnopqrstuv";

/** The secret that signed a cookie value, among those given (null: none of them). */
function signedWith(cookie: string | undefined, secrets: Record<string, string>) {
  const value = decodeURIComponent(cookie ?? "");
  const dot = value.lastIndexOf(".");
  const token = value.slice(0, dot);
  const signature = value.slice(dot + 1);
  for (const [label, secret] of Object.entries(secrets)) {
    if (createHmac("sha256", secret).update(token).digest("base64") === signature) return label;
  }
  return null;
}

describe("BETTER_AUTH_PREVIOUS_SECRETS", () => {
  it("is a comma-separated list of secrets of at least 32 characters, newest first", () => {
    const list = `${SECRET_B} , ${SECRET_C}`;
    expect(testConfig({ BETTER_AUTH_PREVIOUS_SECRETS: list }).secrets.previous).toEqual([
      SECRET_B,
      SECRET_C,
    ]);
    expect(testConfig().secrets.previous).toEqual([]);
    expect(() => testConfig({ BETTER_AUTH_PREVIOUS_SECRETS: `${SECRET_B},too-short` })).toThrow(
      /BETTER_AUTH_PREVIOUS_SECRETS must list secrets of at least 32 characters/,
    );
  });
});

describe.each(databaseKinds)("secret rotation on %s", (kind) => {
  const app = useTestApp(kind);
  let rotated: AppDependencies;
  let afterGrace: AppDependencies;
  let others: App[] = [];

  beforeAll(async () => {
    // Two more instances on the same database: after the rotation, and after its grace period.
    others = await Promise.all([
      startApp(
        app.database,
        testConfig({ BETTER_AUTH_SECRET: SECRET_B, BETTER_AUTH_PREVIOUS_SECRETS: TEST_SECRET }),
        { staticDir: "/nonexistent" },
      ),
      startApp(app.database, testConfig({ BETTER_AUTH_SECRET: SECRET_B }), {
        staticDir: "/nonexistent",
      }),
    ]);
    [rotated, afterGrace] = others.map((other) => other.deps) as [AppDependencies, AppDependencies];
  });
  afterAll(async () => {
    await Promise.all(others.map((other) => other.stop()));
  });

  /** The same browser (its cookies) talking to another instance. */
  function moveTo(device: Device, deps: AppDependencies) {
    const moved = new Device(deps, device.userAgent, device.ip);
    for (const name of device.jar.names()) moved.jar.set(name, device.jar.get(name) ?? "");
    return moved;
  }

  it("keeps a session signed with the previous secret and re-signs its cookie with the new one", async () => {
    const device = new Device(app.deps);
    await device.signUp(newCredentials());
    const secrets = { A: TEST_SECRET, B: SECRET_B };
    expect(signedWith(device.jar.get(COOKIE_NAME), secrets)).toBe("A");

    const afterRotation = moveTo(device, rotated);
    const current = await afterRotation.call((caller) => caller.session.current());
    expect(current?.user.id).toBeDefined();
    expect(signedWith(afterRotation.jar.get(COOKIE_NAME), secrets)).toBe("B");
    expect(afterRotation.sessionToken()).toBe(device.sessionToken());

    // The re-signed cookie works without the previous secret.
    const later = moveTo(afterRotation, afterGrace);
    expect((await later.call((caller) => caller.session.list())).length).toBe(1);
  });

  it("mints JWTs for a previous-secret cookie with the key encrypted under the previous secret, until it is removed", async () => {
    const device = new Device(app.deps);
    await device.signUp(newCredentials());
    // The first JWT creates the signing key, its private half encrypted under A.
    expect(await device.apiToken()).toMatch(/^ey/);
    const afterRotation = moveTo(device, rotated);
    // /api/auth/token runs our cookie check first (gate.authenticateCookie), as over HTTP; it
    // re-signs the cookie for Better Auth, which decrypts the key with A, a previous secret.
    const headers = afterRotation.headers();
    const resHeaders = new Headers();
    const outcome = await rotated.gate.authenticateCookie(headers, resHeaders);
    expect(outcome.auth?.session.token).toBe(device.sessionToken());
    expect((await rotated.auth.api.getToken({ headers })).token).toMatch(/^ey/);
    expect(resHeaders.getSetCookie().some((line) => line.startsWith(`${COOKIE_NAME}=`))).toBe(true);

    // With A gone, the key cannot be decrypted: the documented step is to delete the `jwks`
    // rows before removing the previous secret (a new key is made on the next request).
    const later = moveTo(afterRotation, afterGrace);
    later.jar.store(resHeaders.getSetCookie());
    await expect(later.apiToken()).rejects.toThrow(/decrypt/);
  });

  it("refuses a cookie signed with an unknown secret", async () => {
    const device = new Device(app.deps);
    await device.signUp(newCredentials());
    const token = device.sessionToken() ?? "";
    const forged = moveTo(device, rotated);
    forged.jar.delete("better-auth.session_data");
    forged.jar.set(COOKIE_NAME, signedCookie(token, SECRET_C));
    expect(await forged.call((caller) => caller.session.current())).toBeNull();
    await expect(forged.call((caller) => caller.session.list())).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
  });

  it("refuses the previous secret's cookies once it is removed from the list", async () => {
    const device = new Device(app.deps);
    await device.signUp(newCredentials());
    const removed = moveTo(device, afterGrace);
    expect(await removed.call((caller) => caller.session.current())).toBeNull();
    await expect(removed.call((caller) => caller.session.list())).rejects.toMatchObject({
      code: "UNAUTHORIZED",
    });
    // The session itself is untouched: the same browser on an instance that still lists A works.
    const stillListed = moveTo(device, rotated);
    expect(await stillListed.call((caller) => caller.session.current())).not.toBeNull();
  });
});
