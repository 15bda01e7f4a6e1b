/**
 * The development mailbox: with no SMTP_URL (development, and these tests) the server keeps its
 * mail, and /dev/mailbox lists it with the links clickable. A password reset done from there.
 */
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import { signInInBrowser, signUpInBrowser, useSpa } from "../support/spa";

describe.skipIf(!hasChromium).each(databaseKinds)("development mailbox on %s", (kind) => {
  const app = useSpa(kind);

  it("lists the kept mail, and a reset link in it works", async () => {
    const credentials = newCredentials("mailbox");
    await signUpInBrowser((await app.device()).page, credentials);

    const { page, pageErrors } = await app.device();
    await page.goto("/forgot-password");
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByRole("button", { name: "Send reset link" }).click();
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    const hint = page.getByTestId("dev-mailbox-hint");
    await hint.waitFor();
    await screenshot(page, `${kind}-forgot-password-sent-dev`);
    await app.expectAccessible(page, "forgot password: sent, with the mailbox hint");
    await hint.getByRole("link", { name: "development mailbox" }).click();
    await page.getByRole("heading", { name: "Development mailbox", level: 1 }).waitFor();

    const resetMail = page
      .getByRole("article")
      .filter({ hasText: credentials.email })
      .filter({ has: page.getByRole("heading", { name: "Reset your Typed Sessions password" }) });
    // The reset is mailed after the answer: it may need a refresh to show.
    await expect
      .poll(async () => {
        if ((await resetMail.count()) > 0) return true;
        await page.getByRole("button", { name: "Refresh" }).click();
        return false;
      })
      .toBe(true);
    // The sign-up's verification mail is there too, newest first.
    const articles = page.getByRole("article").filter({ hasText: credentials.email });
    expect(await articles.count()).toBe(2);
    expect(await articles.first().getByRole("heading").textContent()).toBe(
      "Reset your Typed Sessions password",
    );
    // The text version, as text: the HTML version's button is not rendered.
    expect(await resetMail.getByRole("link", { name: "Choose a new password" }).count()).toBe(0);
    expect(await resetMail.getByTestId("mail-text").textContent()).toContain(
      "Choose a new password: http",
    );
    await screenshot(page, `${kind}-dev-mailbox`);
    await app.expectAccessible(page, "dev mailbox");

    await resetMail.getByRole("link", { name: /\/reset-password#token=/ }).click();
    await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    const newPassword = "reset from the mailbox";
    await page.getByLabel("New password", { exact: true }).fill(newPassword);
    await page.getByLabel("Repeat the new password").fill(newPassword);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("heading", { name: "Password changed" }).waitFor();
    await signInInBrowser(page, { email: credentials.email, password: newPassword });
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
