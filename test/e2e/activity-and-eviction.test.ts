/**
 * The activity log and the concurrent session limit in a real browser: what the user reads about
 * their sessions, and why a device was signed out (or refused) when the account is signed in on
 * too many. The activity page and the flagged session are also checked with axe
 * (test/support/axe.ts).
 */
import type { Page } from "playwright-core";
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

const PAGE_SIZE = 20;
const EVICTED_NOTICE =
  "You were signed out because your account was signed in on another device, and only a limited number of devices may be signed in at once.";
const REVOKED_NOTICE = "Your session was ended from another device or by an administrator.";
const LIMIT_REACHED =
  "This account is already signed in on the most devices allowed. Sign out on one of them, then try again.";

/** The activity entries on the page, as the user reads them. */
async function activityRows(page: Page) {
  const rows = page.getByTestId("activity-event");
  return Promise.all(
    (await rows.all()).map(async (row) => ({
      type: await row.getAttribute("data-type"),
      reason: await row.getAttribute("data-reason"),
      headline: await row.getByTestId("activity-headline").textContent(),
      at: (await row.locator("time").getAttribute("datetime")) ?? "",
      text: (await row.textContent()) ?? "",
    })),
  );
}

describe.skipIf(!hasChromium).each(databaseKinds)("activity and limits on %s", (kind) => {
  describe("activity", () => {
    const app = useSpa(kind);

    it("lists sign-ins and sign-outs with the browser, marks this device, and loads older events", async () => {
      const credentials = newCredentials("activity");
      const { page, pageErrors } = await app.device(FIREFOX_LINUX);
      await signUpInBrowser(page, credentials);
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.getByText("You are signed out.").waitFor();
      await signInInBrowser(page, credentials, { navigate: false });
      await page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();

      await openFromNav(page, "Activity");
      const rows = page.getByTestId("activity-event");
      await rows.nth(2).waitFor();
      const [signedIn, signedOut, signedUp, ...more] = await activityRows(page);
      expect(more).toEqual([]);
      expect(signedIn?.type).toBe("signed_in");
      expect(signedIn?.text).toMatch(
        /^Signed inThis deviceFirefox 132 on Linux · 127\.0\.0\.1 · just now$/,
      );
      expect(signedOut).toMatchObject({ type: "revoked", reason: "sign_out" });
      expect(signedOut?.text).toMatch(/^Signed outFirefox 132 on Linux · 127\.0\.0\.1/);
      expect(signedUp?.type).toBe("signed_in");
      expect(signedUp?.text).not.toContain("This device");
      expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
      await screenshot(page, `${kind}-activity`);

      // A phone signs in a dozen times in a row: 12 sign-ins and 11 sessions replaced by the next.
      const phone = await app.device(SAFARI_IPHONE);
      for (let i = 0; i < 12; i += 1) {
        expect((await app.signInOverHttp(phone.context, credentials)).status).toBe(200);
      }
      // ...and this device signs the phone's session out from the Sessions page.
      await openFromNav(page, "Sessions");
      await page.getByRole("button", { name: "Sign out Safari 18 on iOS 18.1" }).click();
      await page.getByText("Signed out 1 device.").waitFor();
      const total = (await app.eventsOf(credentials.email)).length;
      expect(total).toBe(3 + 12 + 11 + 1);

      await openFromNav(page, "Activity");
      await rows.nth(PAGE_SIZE - 1).waitFor();
      expect(await rows.count()).toBe(PAGE_SIZE);
      await app.expectAccessible(page, "activity: more to load");
      const [revokedPhone, lastPhoneSignIn] = await activityRows(page);
      // Which device was signed out, and from which one.
      expect(revokedPhone).toMatchObject({
        type: "revoked",
        reason: "other_device",
        headline: "Signed out of Safari 18 on iOS 18.1 from another device",
      });
      expect(revokedPhone?.text).toContain("Firefox 132 on Linux · 127.0.0.1");
      expect(lastPhoneSignIn?.text).toMatch(/^Signed inSafari 18 on iOS 18\.1 · 127\.0\.0\.1/);
      expect(
        (await activityRows(page)).some(
          (row) => row.headline === "Replaced by a new sign-in in the same browser",
        ),
      ).toBe(true);

      await page.getByRole("button", { name: "Load more" }).click();
      await rows.nth(total - 1).waitFor();
      await page.getByText("No older activity.").waitFor();
      expect(await page.getByRole("button", { name: "Load more" }).count()).toBe(0);
      const all = await activityRows(page);
      expect(all).toHaveLength(total);
      // Newest first, all the way down: the sign-up is last.
      const times = all.map((row) => Date.parse(row.at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      expect(all.at(-1)?.text).toMatch(/^Signed inFirefox 132 on Linux/);
      await screenshot(page, `${kind}-activity-load-more`);
      expect(pageErrors).toEqual([]);
      expect(phone.pageErrors).toEqual([]);
    });

    it("tells a device signed out from another one why, on its next request", async () => {
      const credentials = newCredentials("revoked");
      const laptop = await app.device(FIREFOX_LINUX);
      await signUpInBrowser(laptop.page, credentials);
      const phone = await app.device(SAFARI_IPHONE);
      await signInInBrowser(phone.page, credentials);
      await openFromNav(phone.page, "Sessions");

      await openFromNav(laptop.page, "Sessions");
      await laptop.page.getByRole("button", { name: "Sign out Safari 18 on iOS 18.1" }).click();
      await laptop.page.getByText("Signed out 1 device.").waitFor();

      await phone.page.getByRole("button", { name: "Refresh" }).click();
      await phone.page.getByText(REVOKED_NOTICE).waitFor();
      expectPath(phone.page, "/sign-in?next=%2Fsessions&notice=revoked");
      await screenshot(phone.page, `${kind}-revoked-sign-in`);
      expect(phone.pageErrors).toEqual([]);
      expect(laptop.pageErrors).toEqual([]);
    });

    it("flags a session used from another browser on Sessions and in Activity", async () => {
      const credentials = newCredentials("binding");
      const { page, context, pageErrors } = await app.device(FIREFOX_LINUX);
      await signUpInBrowser(page, credentials);
      await openFromNav(page, "Sessions");
      await page.getByTestId("session-row").waitFor();
      expect(await page.getByTestId("binding-mismatch").count()).toBe(0);

      // This session's cookies, presented by another browser (policy `audit`: flagged, not ended).
      const elsewhere = await context.request.get("/api/trpc/session.list", {
        headers: { "user-agent": SAFARI_IPHONE },
      });
      expect(elsewhere.status()).toBe(200);

      await page.getByRole("button", { name: "Refresh" }).click();
      const current = page.getByRole("listitem", {
        name: "Firefox 132 on Linux (this device, used from another network or browser)",
      });
      await current.getByText("Used from another network or browser").waitFor();
      await screenshot(page, `${kind}-sessions-binding-flag`);
      await app.expectAccessible(page, "sessions: used from another browser");

      await openFromNav(page, "Activity");
      await page.getByTestId("activity-event").nth(1).waitFor();
      const [flagged, signedUp] = await activityRows(page);
      expect(flagged).toMatchObject({ type: "binding_mismatch", reason: "browser" });
      expect(flagged?.text).toMatch(
        /^Used from another browser — flaggedThis deviceSafari 18 on iOS 18\.1 · 127\.0\.0\.1/,
      );
      expect(signedUp?.type).toBe("signed_in");
      await screenshot(page, `${kind}-activity-binding-flag`);
      await app.expectAccessible(page, "activity: used from another browser");
      expect(await trpcStatus(page, "session.list")).toBe(200);
      expect(pageErrors).toEqual([]);
    });
  });

  describe("session limit, evict-oldest", () => {
    const app = useSpa(kind, { SESSION_MAX_PER_USER: "2" });

    it("signs out the least recently active device and tells it why", async () => {
      const credentials = newCredentials("evict");
      const laptop = await app.device(FIREFOX_LINUX);
      await signUpInBrowser(laptop.page, credentials);
      for (const userAgent of [SAFARI_IPHONE, undefined]) {
        const other = await app.device(userAgent);
        await signInInBrowser(other.page, credentials);
        await other.page.getByRole("heading", { name: `Welcome, ${credentials.name}` }).waitFor();
      }
      expect(await app.sessionsOf(credentials.email)).toHaveLength(2);

      // The laptop, idle since it signed in, learns on its next request and says why.
      await laptop.page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Sessions" })
        .click();
      await laptop.page.getByText(EVICTED_NOTICE).waitFor();
      expectPath(laptop.page, "/sign-in?next=%2Fsessions&notice=evicted");
      await screenshot(laptop.page, `${kind}-evicted-sign-in`);

      // Signing in again brings it back to where it was, and evicts the next least active one.
      await signInInBrowser(laptop.page, credentials, { navigate: false });
      await laptop.page.getByRole("heading", { name: "Sessions", level: 1 }).waitFor();
      expectPath(laptop.page, "/sessions");
      await laptop.page.getByTestId("session-row").nth(1).waitFor();
      expect(await laptop.page.getByTestId("session-row").count()).toBe(2);

      await openFromNav(laptop.page, "Activity");
      await laptop.page.getByTestId("activity-event").nth(5).waitFor();
      // Newest first: the phone, pushed out by this sign-in, then the laptop's first session.
      const limited = (await activityRows(laptop.page)).filter((row) => row.reason === "limit");
      expect(limited.map((row) => row.headline)).toEqual([
        "Signed out of Safari 18 on iOS 18.1 by the session limit",
        "Signed out of Firefox 132 on Linux by the session limit",
      ]);
      await screenshot(laptop.page, `${kind}-activity-after-eviction`);
      expect(laptop.pageErrors).toEqual([]);
    });
  });

  describe("session limit, deny", () => {
    const app = useSpa(kind, { SESSION_MAX_PER_USER: "1", SESSION_LIMIT_POLICY: "deny" });

    it("refuses a sign-in past the limit with a clear message and keeps the signed-in device", async () => {
      const credentials = newCredentials("deny");
      const laptop = await app.device(FIREFOX_LINUX);
      await signUpInBrowser(laptop.page, credentials);

      const { page, pageErrors } = await app.device(SAFARI_IPHONE);
      await signInInBrowser(page, credentials);
      await page.getByRole("alert").filter({ hasText: LIMIT_REACHED }).waitFor();
      expectPath(page, "/sign-in");
      expect(await page.getByRole("button", { name: "Sign in" }).isEnabled()).toBe(true);
      await screenshot(page, `${kind}-sign-in-limit-reached`);

      expect(await app.sessionsOf(credentials.email)).toHaveLength(1);
      expect(await trpcStatus(page, "session.current")).toBe(200);
      expect(await trpcStatus(page, "session.list")).toBe(401);
      expect(await trpcStatus(laptop.page, "session.list")).toBe(200);
      expect(pageErrors).toEqual([]);
      expect(laptop.pageErrors).toEqual([]);
    });
  });
});
