/**
 * Sensitive changes after the fresh window: the SPA asks for the password in a dialog,
 * re-authenticates (a NEW session) and retries once. The session is aged in the database, where
 * freshness is checked, so no test waits for the clock. Also the keyboard: every control reached
 * with a visible focus ring in both colour schemes, the dialog keeping focus and handing it back,
 * and no motion for those who ask for less.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { SCHEMES } from "../support/axe";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import {
  expectKeyboardWalk,
  expectVisibleFocus,
  focusedName,
  pressTab,
  tabbableNames,
} from "../support/keyboard";
import { openFromNav, signInInBrowser, signUpInBrowser, trpcStatus, useSpa } from "../support/spa";

const ELEVEN_MINUTES_MS = 11 * 60 * 1000;

/** Elements that move or fade: a running transition or animation, by class name. */
async function movingElements(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("*")]
      .filter((el) => {
        const style = getComputedStyle(el);
        const durations = `${style.transitionDuration},${style.animationDuration}`.split(",");
        return durations.some((duration) => Number.parseFloat(duration) > 0);
      })
      .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
  );
}

describe.skipIf(!hasChromium).each(databaseKinds)("re-authentication on %s", (kind) => {
  const app = useSpa(kind);

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
    await app.expectAccessible(page, "re-authentication dialog");
    await dialog.getByLabel("Password").fill("not my password");
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await dialog.getByText("That password is not correct.").waitFor();
    await screenshot(page, `${kind}-reauth-wrong-password`);
    await app.expectAccessible(page, "re-authentication dialog: wrong password");
    // A wrong password changes nothing: same sessions, and this one is still signed in.
    expect((await app.sessionsOf(credentials.email)).map((s) => s.id)).toContain(before?.id);
    expect(await trpcStatus(page, "session.list")).toBe(200);

    await dialog.getByLabel("Password").fill(credentials.password);
    await dialog.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Password changed. Your other devices were signed out.").waitFor();
    expect(await dialog.count()).toBe(0);
    await screenshot(page, `${kind}-password-changed`);
    await app.expectAccessible(page, "account: password changed");

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

    // The change waits for the link mailed to the new address (test/e2e/mail-flows.test.ts).
    const freshEmail = `renamed-${Date.now()}@example.com`;
    await page.getByLabel("New email").fill(freshEmail);
    await page.getByRole("button", { name: "Change email" }).click();
    await page.getByText(`We sent a confirmation link to ${freshEmail};`).waitFor();
    expect(await page.getByTestId("reauth-dialog").count()).toBe(0);

    await app.ageSessions(credentials.email, ELEVEN_MINUTES_MS);
    await page.getByLabel("New email").fill(`never-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Change email" }).click();
    const dialog = page.getByTestId("reauth-dialog");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    expect(await dialog.count()).toBe(0);
    expect(await page.getByText("We sent a confirmation link").count()).toBe(0);
    await page.getByText("Confirm your password to continue.").waitFor();
    await app.expectAccessible(page, "account: password not confirmed");
    // Still the first change waiting: the cancelled one asked for nothing.
    await page.getByTestId("pending-email-change").filter({ hasText: freshEmail }).waitFor();
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);

    // Escape cancels too; ending a session is sensitive as well.
    await openFromNav(page, "Sessions");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    expect(await dialog.count()).toBe(0);
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);
    expect(await trpcStatus(page, "session.list")).toBe(200);
    expect(pageErrors).toEqual([]);
  });

  describe("from the keyboard", () => {
    it("reaches every control with a visible focus ring in both schemes, signed out and in", async () => {
      const credentials = newCredentials("keyboard");
      await signUpInBrowser((await app.device()).page, credentials);
      const { page, pageErrors } = await app.device();

      await page.goto("/sign-in");
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await expectKeyboardWalk(page, "sign-in");
      // Signing in takes the keyboard alone.
      await page.keyboard.press("Tab");
      expect(await focusedName(page)).toBe('input[email] "Email"');
      await page.keyboard.type(credentials.email);
      await page.keyboard.press("Tab");
      await page.keyboard.type(credentials.password);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

      await expectKeyboardWalk(page, "home");
      await openFromNav(page, "Account");
      await expectKeyboardWalk(page, "account");
      expect(pageErrors).toEqual([]);
    });

    it("keeps focus inside the re-authentication dialog and returns it on Escape and on Cancel", async () => {
      const credentials = newCredentials("trap");
      const { page, pageErrors } = await app.device();
      await signUpInBrowser(page, credentials);
      await openFromNav(page, "Account");
      await app.ageSessions(credentials.email, ELEVEN_MINUTES_MS);

      const opener = 'button "Change email"';
      await page.getByLabel("New email").fill(`never-${Date.now()}@example.com`);
      await page.getByLabel("New email").press("Tab");
      expect(await focusedName(page)).toBe(opener);
      await page.keyboard.press("Enter");
      const dialog = page.getByTestId("reauth-dialog");
      await dialog.waitFor();
      expect(await focusedName(page)).toBe('input[password] "Password"');
      await page.keyboard.type("a password");

      for (const colorScheme of SCHEMES) {
        await page.emulateMedia({ colorScheme });
        // Round and round: Tab past the last control comes back to the first, Shift+Tab too.
        const forward = await pressTab(page, 3);
        expect(forward.map((stop) => stop.name)).toEqual([
          'button "Cancel"',
          'button "Confirm"',
          'input[password] "Password"',
        ]);
        const backward = await pressTab(page, 3, { shift: true });
        expect(backward.map((stop) => stop.name)).toEqual([
          'button "Confirm"',
          'button "Cancel"',
          'input[password] "Password"',
        ]);
        expectVisibleFocus([...forward, ...backward], `the dialog (${colorScheme})`);
        // ...having stopped on every control of the dialog.
        expect(await tabbableNames(page, "dialog")).toEqual([
          'input[password] "Password"',
          'button "Cancel"',
          'button "Confirm"',
        ]);
      }
      await page.emulateMedia({ colorScheme: "light" });

      await page.keyboard.press("Escape");
      expect(await dialog.count()).toBe(0);
      expect(await focusedName(page)).toBe(opener);

      // The opener has focus again, so Enter opens the dialog once more; Cancel hands focus back.
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      await page.keyboard.press("Tab");
      expect(await focusedName(page)).toBe('button "Cancel"');
      await page.keyboard.press("Enter");
      expect(await dialog.count()).toBe(0);
      expect(await focusedName(page)).toBe(opener);
      expect(pageErrors).toEqual([]);
    });

    it("stops transitions and animations when the system asks for reduced motion", async () => {
      const credentials = newCredentials("motion");
      const { page, pageErrors } = await app.device();
      await signUpInBrowser(page, credentials);
      // Without a preference the home page's link cards fade their border...
      expect(await movingElements(page)).not.toEqual([]);
      // ...and with one, nothing on it moves.
      await page.emulateMedia({ reducedMotion: "reduce" });
      expect(await movingElements(page)).toEqual([]);
      await page.emulateMedia({ reducedMotion: "no-preference" });
      expect(pageErrors).toEqual([]);
    });
  });
});
