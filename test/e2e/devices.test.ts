/**
 * Two devices (two browser contexts, different user agents) on one account: one ends the other,
 * and the other is signed out on its very next request although the cookie cache is on. The
 * sessions page and the sign-in notices are also checked with axe (test/support/axe.ts).
 */
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { FIREFOX_LINUX, newCredentials, SAFARI_IPHONE } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import {
  expectPath,
  openFromNav,
  signInInBrowser,
  signUpInBrowser,
  trpcStatus,
  useSpa,
} from "../support/spa";

describe.skipIf(!hasChromium).each(databaseKinds)("devices on %s", (kind) => {
  const app = useSpa(kind);

  /** A signs up on a Linux desktop, B signs in on an iPhone; both end up on their pages. */
  async function twoDevices(prefix: string) {
    const credentials = newCredentials(prefix);
    const laptop = await app.device(FIREFOX_LINUX);
    await signUpInBrowser(laptop.page, credentials);
    const phone = await app.device(SAFARI_IPHONE);
    await signInInBrowser(phone.page, credentials);
    await phone.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    return { credentials, laptop, phone };
  }

  it("lists both devices, ends the other one, and the other lands on sign-in and comes back", async () => {
    const { credentials, laptop, phone } = await twoDevices("two");
    await openFromNav(phone.page, "Sessions");
    await phone.page.getByTestId("session-row").nth(1).waitFor();

    await openFromNav(laptop.page, "Sessions");
    const rows = laptop.page.getByTestId("session-row");
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    const current = laptop.page.locator('[data-testid="session-row"][data-current="true"]');
    expect(await current.textContent()).toContain("Firefox 132 on Linux");
    expect(await current.textContent()).toContain("This device");
    expect(await current.textContent()).toContain("Desktop");
    const other = laptop.page.locator('[data-testid="session-row"][data-current="false"]');
    expect(await other.textContent()).toMatch(/Safari 18 on iOS 18\.1.*Phone · IP 127\.0\.0\.1/);
    expect(await other.textContent()).toMatch(/First seen.*Last active/);
    await screenshot(laptop.page, `${kind}-sessions-two-devices`);

    expect(await trpcStatus(phone.page, "session.list")).toBe(200);
    await laptop.page.getByRole("button", { name: "Sign out Safari 18 on iOS 18.1" }).click();
    await laptop.page.getByText("Signed out 1 device.").waitFor();
    expect(await laptop.page.getByTestId("session-row").count()).toBe(1);
    await screenshot(laptop.page, `${kind}-sessions-after-revoke`);
    await app.expectAccessible(laptop.page, "sessions: a device signed out");

    // The phone's cookies (token + signed cache) are refused on the very next request...
    expect(await trpcStatus(phone.page, "session.list")).toBe(401);
    // ...and the SPA, on its next request, sends it to sign-in, then back to where it was.
    await phone.page.getByRole("button", { name: "Refresh" }).click();
    await phone.page.getByText("Your session ended. Sign in again to continue.").waitFor();
    expectPath(phone.page, "/sign-in?next=%2Fsessions&notice=session-ended");
    await screenshot(phone.page, `${kind}-revoked-device-sign-in`);
    await app.expectAccessible(phone.page, "sign-in: session ended");
    await signInInBrowser(phone.page, credentials, { navigate: false });
    await phone.page.getByRole("heading", { name: "Sessions" }).waitFor();
    expectPath(phone.page, "/sessions");
    // The heading shows before the list has loaded.
    await phone.page.getByTestId("session-row").nth(1).waitFor();
    expect(await phone.page.getByTestId("session-row").count()).toBe(2);

    expect(laptop.pageErrors).toEqual([]);
    expect(phone.pageErrors).toEqual([]);
  });

  it("signs out all other devices, then everywhere", async () => {
    const { credentials, laptop, phone } = await twoDevices("others");
    const third = await app.device();
    await signInInBrowser(third.page, credentials);
    await third.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await app.sessionsOf(credentials.email)).toHaveLength(3);

    await openFromNav(laptop.page, "Sessions");
    await laptop.page.getByTestId("session-row").nth(2).waitFor();
    await app.expectAccessible(laptop.page, "sessions: three devices");
    await laptop.page.getByRole("button", { name: "Sign out all other devices" }).click();
    await laptop.page.getByText("Signed out 2 devices.").waitFor();
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);
    expect(await trpcStatus(phone.page, "session.list")).toBe(401);
    expect(await trpcStatus(third.page, "session.list")).toBe(401);
    expect(
      await laptop.page.getByRole("button", { name: "Sign out all other devices" }).isDisabled(),
    ).toBe(true);

    await laptop.page.getByRole("button", { name: "Sign out everywhere" }).click();
    await laptop.page.getByText("You are signed out on every device.").waitFor();
    expectPath(laptop.page, "/sign-in?notice=signed-out-everywhere");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(0);
    expect(await trpcStatus(laptop.page, "session.list")).toBe(401);
    expect(laptop.pageErrors).toEqual([]);
  });

  it("deletes the account: every device is signed out and the credentials stop working", async () => {
    const { credentials, laptop, phone } = await twoDevices("delete");
    await openFromNav(laptop.page, "Account");
    const deleteButton = laptop.page.getByRole("button", { name: "Delete my account" });
    expect(await deleteButton.isDisabled()).toBe(true);
    await laptop.page.getByLabel("I understand that my account will be deleted for good").check();
    await deleteButton.click();
    await laptop.page.getByText("Your account and all its sessions were deleted.").waitFor();
    await expect(app.sessionsOf(credentials.email)).rejects.toThrow(/No user/);
    expect(await trpcStatus(phone.page, "session.list")).toBe(401);

    await signInInBrowser(laptop.page, credentials, { navigate: false });
    await laptop.page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    expect(laptop.pageErrors).toEqual([]);
  });
});
