/**
 * EMAIL_VERIFICATION=required in a real browser: sign-up starts no session and says to check the
 * inbox, sign-in is refused with a way to a new link, and the mailed link opens the account.
 */
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import { useSmtpInbox } from "../support/fixtures";
import { linkUrl } from "../support/smtp-inbox";
import { expectPath, signInInBrowser, useSpa } from "../support/spa";

describe.skipIf(!hasChromium).each(databaseKinds)("verified addresses required on %s", (kind) => {
  const inbox = useSmtpInbox();
  const app = useSpa(kind, () => ({ SMTP_URL: inbox.url, EMAIL_VERIFICATION: "required" }));

  it("signs up without a session, refuses sign-in until the mailed link is opened", async () => {
    const credentials = newCredentials("required");
    const { page, pageErrors } = await app.device();
    await page.goto("/sign-up");
    await page.getByLabel("Name").fill(credentials.name);
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    expect(await page.getByTestId("sign-up-check-inbox").textContent()).toBe(
      `We sent a link to ${credentials.email}. Open it to verify your address, then sign in.`,
    );
    expectPath(page, "/sign-up");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(0);
    await screenshot(page, `${kind}-sign-up-check-inbox`);
    await app.expectAccessible(page, "sign-up: check your inbox");

    await page.getByRole("link", { name: "Sign in" }).click();
    await signInInBrowser(page, credentials, { navigate: false });
    const refusal = page.getByRole("alert").filter({ hasText: "Verify your email address first" });
    await refusal.waitFor();
    expect(await app.sessionsOf(credentials.email)).toHaveLength(0);
    await screenshot(page, `${kind}-sign-in-not-verified`);
    await app.expectAccessible(page, "sign-in: address not verified");

    await refusal.getByRole("link", { name: "Send a new link" }).click();
    await page.getByRole("heading", { name: "Verify your email address" }).waitFor();
    expect(await page.getByLabel("Email").inputValue()).toBe(credentials.email);
    await page.getByRole("button", { name: "Send a new link" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    await screenshot(page, `${kind}-verify-email-sent`);
    await app.expectAccessible(page, "verify email: new link sent");

    const verifyMails = () =>
      inbox.received.filter((m) => m.to === credentials.email && m.subject.startsWith("Verify"));
    await expect.poll(() => verifyMails().length).toBe(2);
    const latest = verifyMails().at(-1);
    if (!latest) throw new Error("No verification mail");
    await page.goto(linkUrl(latest, "/verify-email"));
    await page.getByRole("heading", { name: "Address verified" }).waitFor();
    await page.getByRole("link", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await signInInBrowser(page, credentials, { navigate: false });
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await page.getByTestId("unverified-email-notice").count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
