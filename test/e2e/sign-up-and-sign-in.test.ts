/**
 * Signing up, in and out in a real browser, with the errors a user can run into. Each page and
 * message a user meets here is also checked with axe (test/support/axe.ts).
 */
import { describe, expect, it } from "vitest";
import { screenshot } from "../support/browser";
import { newCredentials } from "../support/device";
import { databaseKinds, hasChromium } from "../support/environment";
import { expectPath, openFromNav, signInInBrowser, signUpInBrowser, useSpa } from "../support/spa";

describe.skipIf(!hasChromium).each(databaseKinds)("sign-up and sign-in on %s", (kind) => {
  const app = useSpa(kind);

  it("refuses a short password, then creates the account and shows the user's name and email", async () => {
    const { page, pageErrors } = await app.device();
    const credentials = newCredentials("ada");

    await page.goto("/sign-up");
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await app.expectAccessible(page, "sign-up");
    await page.getByLabel("Name").fill(credentials.name);
    await page.getByLabel("Email").fill(credentials.email);
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect.poll(() => page.getByText("Use at least 8 characters.").isVisible()).toBe(true);
    expect(await page.getByLabel("Password").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, `${kind}-sign-up-weak-password`);
    await app.expectAccessible(page, "sign-up: password too short");
    await expect(app.sessionsOf(credentials.email)).rejects.toThrow(/No user/);

    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await page.getByTestId("user-email").textContent()).toBe(credentials.email);
    expectPath(page, "/");
    await screenshot(page, `${kind}-home`);
    await app.expectAccessible(page, "home");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it("says so when the email is taken, and creates nothing", async () => {
    const credentials = newCredentials("taken");
    const first = await app.device();
    await signUpInBrowser(first.page, credentials);

    const { page, pageErrors } = await app.device();
    await page.goto("/sign-up");
    await page.getByLabel("Name").fill("Someone Else");
    await page.getByLabel("Email").fill(credentials.email.toUpperCase());
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByText("An account with this email already exists").waitFor();
    await screenshot(page, `${kind}-sign-up-email-taken`);
    await app.expectAccessible(page, "sign-up: email taken");
    expectPath(page, "/sign-up");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  });

  it("refuses a wrong password, signs in with the right one, and signs out", async () => {
    const credentials = newCredentials("grace");
    const setup = await app.device();
    await signUpInBrowser(setup.page, credentials);

    const { page, pageErrors } = await app.device();
    await signInInBrowser(page, { email: credentials.email, password: "not the password" });
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();
    await screenshot(page, `${kind}-sign-in-wrong-password`);
    await app.expectAccessible(page, "sign-in: wrong password");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);

    await page.getByLabel("Password").fill(credentials.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
    expect(await app.sessionsOf(credentials.email)).toHaveLength(2);

    await openFromNav(page, "Account");
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
    await app.expectAccessible(page, "account");
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await page.getByText("You are signed out.").waitFor();
    expectPath(page, "/sign-in?notice=signed-out");
    await screenshot(page, `${kind}-signed-out`);
    await app.expectAccessible(page, "sign-in: signed out");
    expect(await app.sessionsOf(credentials.email)).toHaveLength(1);

    // Signed out means signed out: the protected pages send it back to sign-in.
    await page.goto("/sessions");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expectPath(page, "/sign-in?next=%2Fsessions");
    expect(pageErrors).toEqual([]);
  });

  it("returns to the page the user asked for after signing in", async () => {
    const credentials = newCredentials("return");
    await signUpInBrowser((await app.device()).page, credentials);

    const { page, pageErrors } = await app.device();
    await page.goto("/account");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expectPath(page, "/sign-in?next=%2Faccount");
    await app.expectAccessible(page, "sign-in");
    await signInInBrowser(page, credentials, { navigate: false });
    await page.getByRole("heading", { name: "Account", level: 1 }).waitFor();
    expectPath(page, "/account");
    expect(pageErrors).toEqual([]);
  });

  it("answers an unknown address with a page that leads home", async () => {
    const { page, pageErrors } = await app.device();
    await page.goto("/no-such-page");
    await page.getByRole("heading", { name: "Page not found" }).waitFor();
    await app.expectAccessible(page, "page not found");
    await page.getByRole("link", { name: "Go home" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(pageErrors).toEqual([]);
  });

  it("never redirects off the site after sign-in (open redirect)", async () => {
    const credentials = newCredentials("redirect");
    await signUpInBrowser((await app.device()).page, credentials);

    for (const next of ["//evil.example/phish", "https://evil.example/", "/\\evil.example"]) {
      const { page, context } = await app.device();
      await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
      await signInInBrowser(page, credentials, { navigate: false });
      await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
      expect(new URL(page.url()).origin).toBe(app.server.baseUrl);
      expectPath(page, "/");
      await context.close();
    }
  });

  // `/.//host` and its kin are paths on their face, but resolve to the protocol-relative `//host`.
  it("drops a return path that resolves off the site, and lands on the home page", async () => {
    const credentials = newCredentials("dotslash");
    await signUpInBrowser((await app.device()).page, credentials);

    for (const next of ["/.//127.0.0.1:9/d", "/%2e//127.0.0.1:9/d", "/..//127.0.0.1:9/d"]) {
      const { page, context, pageErrors } = await app.device();
      await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
      await signInInBrowser(page, credentials, { navigate: false });
      await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
      expect(new URL(page.url()).origin).toBe(app.server.baseUrl);
      expectPath(page, "/");
      expect(await page.getByText("Unexpected Application Error").count()).toBe(0);
      if (next === "/.//127.0.0.1:9/d") await screenshot(page, `${kind}-sign-in-dot-slash-next`);
      expect(pageErrors).toEqual([]);
      await context.close();
    }

    const { page, pageErrors } = await app.device();
    await page.goto(`/sign-in?next=${encodeURIComponent("/sessions")}`);
    await signInInBrowser(page, credentials, { navigate: false });
    await page.getByRole("heading", { name: "Sessions", level: 1 }).waitFor();
    expect(new URL(page.url()).origin).toBe(app.server.baseUrl);
    expectPath(page, "/sessions");
    expect(pageErrors).toEqual([]);
  });
});
