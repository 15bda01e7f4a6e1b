/**
 * The links sent by mail, followed in a real browser: the server sends through a real SMTP
 * server (test/support/smtp-inbox.ts), the test reads the mail there and opens its link as a
 * user would. A password reset, a verified address, an address change and its undo, and
 * "This wasn't me" ending another browser's session. Every page these reach is checked with axe
 * (test/support/axe.ts) and photographed (test/e2e/screenshots/).
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { FIREFOX_LINUX, newCredentials, SAFARI_IPHONE } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import { useSmtpInbox } from "../support/fixtures";
import { expectKeyboardWalk } from "../support/keyboard";
import { linkUrl, type ReceivedMail, type SmtpInbox } from "../support/smtp-inbox";
import {
  expectPath,
  openFromNav,
  signInInBrowser,
  signUpInBrowser,
  trpcStatus,
  useSpa,
} from "../support/spa";

/** The mails to `to` whose subject starts with `subject`, in the order they arrived. */
function mailsTo(inbox: SmtpInbox, to: string, subject: string): ReceivedMail[] {
  return inbox.received.filter((mail) => mail.to === to && mail.subject.startsWith(subject));
}

function waitForMail(inbox: SmtpInbox, to: string, subject: string): Promise<ReceivedMail> {
  return inbox.waitFor((mail) => mail.to === to && mail.subject.startsWith(subject));
}

/** The token was read from the fragment and taken off the address bar. */
function expectNoFragment(page: Page, path: string) {
  expect(new URL(page.url()).hash).toBe("");
  expectPath(page, path);
}

/** Full-page screenshots in the dark scheme and at a phone's width, besides the light desktop one. */
async function screenshotEveryWay(page: Page, name: string) {
  await screenshot(page, name);
  await page.emulateMedia({ colorScheme: "dark" });
  await screenshot(page, `${name}-dark`);
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, `${name}-phone-dark`);
  await page.emulateMedia({ colorScheme: "light" });
  await screenshot(page, `${name}-phone`);
  if (viewport) await page.setViewportSize(viewport);
}

describe.skipIf(!hasChromium).each(databaseKinds)("links sent by mail on %s", (kind) => {
  const inbox = useSmtpInbox();
  const app = useSpa(kind, () => ({ SMTP_URL: inbox.url }));

  it("resets a forgotten password from the mailed link, signing out every device", async () => {
    const credentials = newCredentials("reset");
    const before = await app.device();
    await signUpInBrowser(before.page, credentials);

    const { page, pageErrors } = await app.device();
    await page.goto("/sign-in");
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.getByRole("heading", { name: "Reset your password" }).waitFor();
    // The address typed on sign-in comes along (in the router's state, not the URL).
    expect(await page.getByLabel("Email").inputValue()).toBe(credentials.email);
    expectPath(page, "/forgot-password");
    await screenshot(page, `${kind}-forgot-password`);
    await app.expectAccessible(page, "forgot password");
    await expectKeyboardWalk(page, "forgot password");
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    expect(await page.getByTestId("reset-sent").textContent()).toBe(
      `If an account uses ${credentials.email}, we sent it a link to choose a new password. The link works for 1 hour.`,
    );
    // Mail goes to an SMTP server here: no development mailbox to point at.
    expect(await page.getByTestId("dev-mailbox-hint").count()).toBe(0);
    await screenshot(page, `${kind}-forgot-password-sent`);
    await app.expectAccessible(page, "forgot password: sent");

    const url = linkUrl(await waitForMail(inbox, credentials.email, "Reset"), "/reset-password");
    await page.goto(url);
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    expectNoFragment(page, "/reset-password");
    await screenshotEveryWay(page, `${kind}-reset-password`);
    await app.expectAccessible(page, "reset password");
    await expectKeyboardWalk(page, "reset password");

    const newPassword = "a freshly reset passphrase";
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Repeat the new password").fill("not the same passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The two passwords are not the same.").waitFor();
    expect(await page.getByLabel("Repeat the new password").getAttribute("aria-invalid")).toBe(
      "true",
    );
    await app.expectAccessible(page, "reset password: passwords differ");
    await page.getByLabel("Repeat the new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Password changed" }).waitFor();
    await page.getByText("you were signed out everywhere").waitFor();
    // Focus follows the page's new heading, where a screen reader should go on reading.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Password changed");
    await screenshotEveryWay(page, `${kind}-reset-password-done`);
    await app.expectAccessible(page, "reset password: done");

    // The browser signed in before is signed out on its next request.
    expect(await trpcStatus(before.page, "session.current")).toBe(401);
    await before.page.reload();
    await before.page.getByRole("heading", { name: "Sign in" }).waitFor();

    await page.getByRole("link", { name: "Sign in" }).click();
    await signInInBrowser(page, credentials, { navigate: false });
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await signInInBrowser(page, { email: credentials.email, password: newPassword });
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

    // The same link a second time: the page says so as it opens (no password asked for first)
    // and leads to a new one.
    const again = await app.device();
    await again.page.goto(url);
    await again.page.getByRole("heading", { name: "This link was already used" }).waitFor();
    expect(await again.page.getByLabel("New password", { exact: true }).count()).toBe(0);
    await screenshotEveryWay(again.page, `${kind}-reset-password-link-used`);
    await app.expectAccessible(again.page, "reset password: link used");
    await again.page.getByRole("link", { name: "Ask for a new link" }).click();
    await again.page.getByRole("heading", { name: "Reset your password" }).waitFor();
    expect(again.pageErrors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("verifies the address from the mailed link, and the notice goes away", async () => {
    const credentials = newCredentials("verify");
    const { page, context, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    const notice = page.getByTestId("unverified-email-notice");
    await notice.waitFor();
    expect(await notice.textContent()).toContain(credentials.email);
    await screenshot(page, `${kind}-home-unverified`);
    await app.expectAccessible(page, "home: address not verified");

    await waitForMail(inbox, credentials.email, "Verify");
    await notice.getByRole("button", { name: "Send the link again" }).click();
    await notice.getByText(`We sent a new link to ${credentials.email}.`).waitFor();
    await app.expectAccessible(page, "home: verification link sent again");
    await expect.poll(() => mailsTo(inbox, credentials.email, "Verify").length).toBe(2);
    const [first, latest] = mailsTo(inbox, credentials.email, "Verify");
    if (!first || !latest) throw new Error("Two verification mails expected");

    // The mail client opens the link in a new tab of the same browser.
    const tab = await context.newPage();
    await tab.goto(linkUrl(first, "/verify-email"));
    await tab.getByRole("heading", { name: "This link was already used" }).waitFor();
    expectNoFragment(tab, "/verify-email");
    await screenshot(tab, `${kind}-verify-email-replaced`);
    await app.expectAccessible(tab, "verify email: link replaced by a newer one");
    // The newer link in the same tab: only the fragment changes, the page starts afresh.
    await tab.goto(linkUrl(latest, "/verify-email"));
    await tab.getByRole("heading", { name: "Address verified" }).waitFor();
    expectNoFragment(tab, "/verify-email");
    await screenshot(tab, `${kind}-verify-email-done`);
    await app.expectAccessible(tab, "verify email: verified");
    await tab.getByRole("link", { name: "Continue" }).click();
    await tab.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await tab.getByTestId("unverified-email-notice").count()).toBe(0);

    await page.reload();
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await notice.count()).toBe(0);

    // Without a link, the page offers to send one.
    await tab.goto("/verify-email?email=someone%40example.com");
    await tab.getByRole("heading", { name: "Verify your email address" }).waitFor();
    expect(await tab.getByLabel("Email").inputValue()).toBe("someone@example.com");
    await screenshot(tab, `${kind}-verify-email-form`);
    await app.expectAccessible(tab, "verify email: no link");
    expect(pageErrors).toEqual([]);
  });

  it("changes the address once the new one confirms it, and the old one can undo it", async () => {
    const credentials = newCredentials("move");
    const { page, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    const other = await app.device();
    await signInInBrowser(other.page, credentials);
    await other.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

    await openFromNav(page, "Account");
    const newEmail = `moved-${Date.now()}@example.com`;
    await page.getByLabel("New email").fill(newEmail);
    await page.getByRole("button", { name: "Change email" }).click();
    await page
      .getByText(
        `We sent a confirmation link to ${newEmail}; your address changes when you open it.`,
      )
      .waitFor();
    await page.getByTestId("pending-email-change").filter({ hasText: newEmail }).waitFor();
    expect(await page.getByTestId("current-email").textContent()).toBe(credentials.email);
    await screenshot(page, `${kind}-account-email-change-pending`);
    await app.expectAccessible(page, "account: email change pending");

    // Opened where nobody is signed in: the link is the credential.
    const confirmUrl = linkUrl(await waitForMail(inbox, newEmail, "Confirm"), "/confirm-email");
    const reader = await app.device();
    await reader.page.goto(confirmUrl);
    await reader.page.getByRole("heading", { name: "Confirm your new address" }).waitFor();
    expectNoFragment(reader.page, "/confirm-email");
    await screenshot(reader.page, `${kind}-confirm-email`);
    await app.expectAccessible(reader.page, "confirm email");
    await reader.page.getByRole("button", { name: "Confirm the new address" }).click();
    await reader.page.getByRole("heading", { name: "Address changed" }).waitFor();
    expect(await reader.page.getByTestId("confirmed-email").textContent()).toBe(newEmail);
    await screenshot(reader.page, `${kind}-confirm-email-done`);
    await app.expectAccessible(reader.page, "confirm email: done");

    await page.reload();
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
    await page.getByTestId("current-email").filter({ hasText: newEmail }).waitFor();
    expect(await page.getByTestId("pending-email-change").count()).toBe(0);
    // A confirmed address is a verified one.
    expect(await page.getByTestId("unverified-email-notice").count()).toBe(0);

    const undoUrl = linkUrl(
      await waitForMail(inbox, credentials.email, "Your Typed Sessions address was changed"),
      "/undo-email-change",
    );
    const owner = await app.device();
    await owner.page.goto(undoUrl);
    await owner.page.getByRole("heading", { name: "Undo the address change" }).waitFor();
    expectNoFragment(owner.page, "/undo-email-change");
    await screenshot(owner.page, `${kind}-undo-email-change`);
    await app.expectAccessible(owner.page, "undo email change");
    await owner.page.getByRole("button", { name: "Undo the change" }).click();
    await owner.page.getByRole("heading", { name: "Change undone" }).waitFor();
    expect(await owner.page.getByTestId("restored-email").textContent()).toBe(credentials.email);
    await screenshot(owner.page, `${kind}-undo-email-change-done`);
    await app.expectAccessible(owner.page, "undo email change: done");

    // Signed out everywhere.
    expect(await trpcStatus(other.page, "session.current")).toBe(401);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInInBrowser(page, credentials, { navigate: false });
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
    await page.getByTestId("current-email").filter({ hasText: credentials.email }).waitFor();

    // "Reset your password" starts with the restored address.
    await owner.page.getByRole("link", { name: "Reset your password" }).click();
    await owner.page.getByRole("heading", { name: "Reset your password" }).waitFor();
    expect(await owner.page.getByLabel("Email").inputValue()).toBe(credentials.email);

    // The undo link works once.
    await owner.page.goto(undoUrl);
    await owner.page.getByRole("button", { name: "Undo the change" }).click();
    await owner.page.getByRole("heading", { name: "This link was already used" }).waitFor();
    await app.expectAccessible(owner.page, "undo email change: link used");
    expect(
      (await app.eventsOf(credentials.email)).filter((e) => e.type.startsWith("email_")),
    ).toEqual([
      { type: "email_changed", reason: null },
      { type: "email_change_undone", reason: null },
    ]);
    expect(pageErrors).toEqual([]);
    expect(owner.pageErrors).toEqual([]);
    expect(reader.pageErrors).toEqual([]);
  });

  it("ends the other browser's session from the alert's “This wasn't me” link", async () => {
    const credentials = newCredentials("notme");
    const laptop = await app.device(FIREFOX_LINUX);
    await signUpInBrowser(laptop.page, credentials);
    const phone = await app.device(SAFARI_IPHONE);
    await signInInBrowser(phone.page, credentials);
    await phone.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

    const alert = await waitForMail(inbox, credentials.email, "New sign-in");
    const url = linkUrl(alert, "/not-me");
    // A mail scanner (or the user) opens the link in a browser signed in to nothing.
    const reader = await app.device();
    await reader.page.goto(url);
    await reader.page.getByRole("heading", { name: "End a sign-in you don’t recognise" }).waitFor();
    expectNoFragment(reader.page, "/not-me");
    const facts = reader.page.getByTestId("reported-sign-in");
    expect(await facts.textContent()).toMatch(/DeviceSafari 18 on iOS 18\.1.*Network127\.0\.0\.1/);
    await screenshotEveryWay(reader.page, `${kind}-not-me`);
    await app.expectAccessible(reader.page, "not me");
    // Opening the page ended nothing.
    expect(await trpcStatus(phone.page, "session.current")).toBe(200);

    await expectKeyboardWalk(reader.page, "not me");
    // From the keyboard: the button, Enter, and focus lands on the outcome's heading.
    await reader.page.getByRole("button", { name: "End that session" }).focus();
    await reader.page.keyboard.press("Enter");
    await reader.page.getByRole("heading", { name: "Session ended" }).waitFor();
    expect(await reader.page.evaluate(() => document.activeElement?.textContent)).toBe(
      "Session ended",
    );
    await screenshotEveryWay(reader.page, `${kind}-not-me-done`);
    await app.expectAccessible(reader.page, "not me: session ended");

    // The phone is signed out on its next request; the laptop is not.
    expect(await trpcStatus(phone.page, "session.current")).toBe(401);
    await phone.page.reload();
    await phone.page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await trpcStatus(laptop.page, "session.current")).toBe(200);
    await laptop.page.reload();
    await laptop.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

    // The activity log says what ended the phone's session.
    await openFromNav(laptop.page, "Activity");
    await laptop.page
      .getByTestId("activity-headline")
      .filter({
        hasText: "Signed out of Safari 18 on iOS 18.1 with “This wasn’t me” in a new sign-in alert",
      })
      .waitFor();
    await screenshot(laptop.page, `${kind}-activity-not-me`);
    await app.expectAccessible(laptop.page, "activity: ended with “This wasn't me”");

    // The link works once; the page says so and offers the way on.
    await reader.page.getByRole("link", { name: "Reset your password" }).click();
    await reader.page.getByRole("heading", { name: "Reset your password" }).waitFor();
    const again = await app.device();
    await again.page.goto(url);
    await again.page.getByRole("heading", { name: "This link was already used" }).waitFor();
    await screenshot(again.page, `${kind}-not-me-link-used`);
    await app.expectAccessible(again.page, "not me: link used");
    expect(reader.pageErrors).toEqual([]);
    expect(laptop.pageErrors).toEqual([]);
  });

  it("says how long to wait after too many requests for a reset link", async () => {
    const email = newCredentials("flood").email;
    const { page, pageErrors } = await app.device();
    // Three links per address every 15 minutes (server/account/mail-limits.ts).
    for (let i = 0; i < 3; i += 1) {
      await page.goto("/forgot-password");
      await page.getByLabel("Email").fill(email);
      await page.getByRole("button", { name: "Send reset link" }).click();
      await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    }
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: /^Too many attempts\. Try again in 15 minutes\.$/ })
      .waitFor();
    expectPath(page, "/forgot-password");
    await screenshot(page, `${kind}-forgot-password-rate-limited`);
    await app.expectAccessible(page, "forgot password: too many requests");
    expect(pageErrors).toEqual([]);
  });

  it("has no development mailbox when mail goes to an SMTP server", async () => {
    const { page, pageErrors } = await app.device();
    await page.goto("/dev/mailbox");
    await page.getByRole("heading", { name: "No development mailbox here" }).waitFor();
    await screenshot(page, `${kind}-dev-mailbox-not-here`);
    await app.expectAccessible(page, "dev mailbox: not here");
    expect(pageErrors).toEqual([]);
  });
});
