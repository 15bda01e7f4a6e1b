/**
 * What a rate-limited user sees: "Too many attempts. Try again in N seconds." (or minutes) on sign-in, on
 * sign-up and in the re-authentication dialog (strict limits for this suite only).
 */
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import { openFromNav, signInInBrowser, signUpInBrowser, useSpa } from "../support/spa";

const TOO_MANY = /^Too many attempts\. Try again in \d+ (seconds?|minutes)\.$/;
const ELEVEN_MINUTES_MS = 11 * 60 * 1000;

describe.skipIf(!hasChromium).each(databaseKinds)("rate limits in the SPA on %s", (kind) => {
  const app = useSpa(kind, { RATE_LIMIT_ACCOUNT_MAX: "2", RATE_LIMIT_IP_MAX: "100" });

  it("says how long to wait after too many wrong passwords at sign-in", async () => {
    const credentials = newCredentials("limited");
    const setup = await app.device();
    await signUpInBrowser(setup.page, credentials);

    const { page, pageErrors } = await app.device();
    const wrong = { email: credentials.email, password: "not the password" };
    const signInAnswered = () =>
      page.waitForResponse((response) => response.url().includes("/api/auth/sign-in/email"));
    await Promise.all([signInAnswered(), signInInBrowser(page, wrong)]);
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await Promise.all([signInAnswered(), signInInBrowser(page, wrong, { navigate: false })]);
    await Promise.all([signInAnswered(), signInInBrowser(page, credentials, { navigate: false })]);
    const alert = page.getByRole("alert").filter({ hasText: "Too many attempts" });
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).toMatch(TOO_MANY);
    await screenshot(page, `${kind}-sign-in-rate-limited`);
    expect(pageErrors).toEqual([]);
  });

  it("says how long to wait in the re-authentication dialog", async () => {
    const credentials = newCredentials("limited");
    const { page, pageErrors } = await app.device();
    await signUpInBrowser(page, credentials);
    await openFromNav(page, "Account");
    await app.ageSessions(credentials.email, ELEVEN_MINUTES_MS);

    await page.getByLabel("Current password").fill(credentials.password);
    await page.getByLabel("New password").fill("a brand new passphrase");
    await page.getByRole("button", { name: "Change password" }).click();
    const dialog = page.getByTestId("reauth-dialog");
    await dialog.getByRole("heading", { name: "Confirm it’s you" }).waitFor();
    const confirm = async (password: string) => {
      await dialog.getByLabel("Password").fill(password);
      await Promise.all([
        page.waitForResponse((response) => response.url().includes("session.reauthenticate")),
        dialog.getByRole("button", { name: "Confirm" }).click(),
      ]);
    };
    await confirm("not my password");
    await dialog.getByText("That password is not correct.").waitFor();
    await confirm("not my password");
    await confirm(credentials.password);
    const message = dialog.getByText(TOO_MANY);
    await message.waitFor();
    await screenshot(page, `${kind}-reauth-rate-limited`);
    expect(pageErrors).toEqual([]);
  });
});
