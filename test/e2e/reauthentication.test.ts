/**
 * Sensitive changes after the fresh window: the SPA asks for the password in a dialog,
 * re-authenticates (a NEW session) and retries once. The session is aged in the database, where
 * freshness is checked, so no test waits for the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import {
  openFromNav,
  type SpaHarness,
  signInInBrowser,
  signUpInBrowser,
  startSpa,
  trpcStatus,
} from "../support/spa";

const ELEVEN_MINUTES_MS = 11 * 60 * 1000;

describe.skipIf(!hasChromium).each(databaseKinds)("re-authentication on %s", (kind) => {
  let app: SpaHarness;
  beforeAll(async () => {
    app = await startSpa(kind);
  });
  afterAll(() => app?.close());

  it("asks for the password before changing it, refuses a wrong one, then retries with a new session", async () => {
    const credentials = newCredentials("reauth");
    const { page, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    const other = await app.device();
    await signInInBrowser(other.page, credentials);
    await other.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

    await openFromNav(page, "Account");
    const [before] = (await app.sessionsOf(credentials.email)).sort(
      (a, b) => a.createdAt.getTime() - b.createdAt.getTime(),
    );
    await app.ageSessions(credentials.email, ELEVEN_MINUTES_MS);

    const newPassword = "a brand new passphrase";
    await page.getByLabel("Current password").fill(credentials.password);
    await page.getByLabel("New password").fill(newPassword);
    expect(await page.getByLabel("Sign out my other devices").isChecked()).toBe(true);
    await page.getByRole("button", { name: "Change password" }).click();

    const dialog = page.getByTestId("reauth-dialog");
    await dialog.getByRole("heading", { name: "Confirm it’s you" }).waitFor();
    await screenshot(page, `${kind}-reauth-dialog`);
    await dialog.getByLabel("Password").fill("not my password");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.getByText("That password is not correct.").waitFor();
    await screenshot(page, `${kind}-reauth-wrong-password`);
    // A wrong password changes nothing: same sessions, and this one is still signed in.
    expect((await app.sessionsOf(credentials.email)).map((s) => s.id)).toContain(before?.id);
    expect(await trpcStatus(page, "session.list")).toBe(200);

    await dialog.getByLabel("Password").fill(credentials.password);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Password changed. Your other devices were signed out.").waitFor();
    expect(await dialog.count()).toBe(0);
    await screenshot(page, `${kind}-password-changed`);

    const after = await app.sessionsOf(credentials.email);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).not.toBe(before?.id);
    expect(Date.now() - (after[0]?.createdAt.getTime() ?? 0)).toBeLessThan(60_000);
    expect(await trpcStatus(page, "session.list")).toBe(200);
    expect(await trpcStatus(other.page, "session.list")).toBe(401);

    // The new password is the one that works now.
    const check = await app.device();
    await signInInBrowser(check.page, credentials);
    await check.page.getByText("Wrong email or password.").waitFor();
    await signInInBrowser(check.page, { email: credentials.email, password: newPassword });
    await check.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("changes the display name without a password, even when not fresh, and shows it at once", async () => {
    const credentials = newCredentials("rename");
    const { page, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    await openFromNav(page, "Account");
    // A display name is not a credential: no dialog, however old the session.
    await app.ageSessions(credentials.email, ELEVEN_MINUTES_MS);

    const nameField = page.getByLabel("Name", { exact: true });
    expect(await nameField.inputValue()).toBe(credentials.name);
    await nameField.fill("x".repeat(101));
    await page.getByRole("button", { name: "Change name" }).click();
    await page.getByText("Use at most 100 characters.").waitFor();
    await screenshot(page, `${kind}-display-name-too-long`);

    await nameField.fill("  Grace Hopper  ");
    await page.getByRole("button", { name: "Change name" }).click();
    await page.getByText("You are now shown as Grace Hopper.").waitFor();
    expect(await page.getByTestId("reauth-dialog").count()).toBe(0);
    // The header shows the new name once session.current has refetched.
    await page.locator(".topbar-name", { hasText: "Grace Hopper" }).waitFor();
    await screenshot(page, `${kind}-display-name-changed`);

    await openFromNav(page, "Home");
    await page.getByRole("heading", { name: "Welcome, Grace Hopper" }).waitFor();
    // Another device of the same user sees it when it signs in.
    const other = await app.device();
    await signInInBrowser(other.page, credentials);
    await other.page.getByRole("heading", { name: "Welcome, Grace Hopper" }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("needs no password while fresh, and changes nothing when the dialog is cancelled", async () => {
    const credentials = newCredentials("fresh");
    const { page, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    await openFromNav(page, "Account");

    const freshEmail = `renamed-${Date.now()}@example.com`;
    await page.getByLabel("New email").fill(freshEmail);
    await page.getByRole("button", { name: "Change email" }).click();
    await page.getByText(`Your email address is now ${freshEmail}.`).waitFor();
    expect(await page.getByTestId("reauth-dialog").count()).toBe(0);
    await app.sessionsOf(freshEmail);

    await app.ageSessions(freshEmail, ELEVEN_MINUTES_MS);
    await page.getByLabel("New email").fill(`never-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Change email" }).click();
    const dialog = page.getByTestId("reauth-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.count()).toBe(0);
    expect(await page.getByText("Your email address is now").count()).toBe(0);
    await page.getByText("Confirm your password to continue.").waitFor();
    expect(await app.sessionsOf(freshEmail)).toHaveLength(1);

    // Escape cancels too; ending a session is sensitive as well.
    await openFromNav(page, "Sessions");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    expect(await dialog.count()).toBe(0);
    expect(await app.sessionsOf(freshEmail)).toHaveLength(1);
    expect(await trpcStatus(page, "session.list")).toBe(200);
    expect(pageErrors).toEqual([]);
  });
});
